"""Clip shards: where a dataset's clips live on disk, written as tracks are decoded.

A dataset's clips are in ``<entry>/shards/`` (beside its version folders, shared by them):

=================  ================================================================
``<id>.npy``       uint8 ``(n, n_mels, n_frames)``: the 8-bit codes of up to
                   :data:`SHARD_CLIPS` clips (:mod:`songsim.data.clips`)
``<id>.parquet``   one row per track in it: ``file_hash, clips_hash, offset, n_clips,
                   duration, title, artist, starts, print``; its metadata holds the
                   shard's SHA-256 and the audio parameters' key
=================  ================================================================

A shard is written once, atomically (a temporary name, then a rename; its table after it), and
never changed. A version's track table points into shards by name and row; shards no version
uses are removed after a new version is in place (:func:`remove_unused`). A shard whose table is
there is complete even if the run that wrote it was interrupted: the next ingest reuses its tracks
instead of decoding them again (:func:`known_tracks`).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from ..storage import sha256_file
from .clips import CODE_DTYPE

#: Clips per shard (about 85 MB of 96 × 216 codes): what an interrupted ingest can lose.
SHARD_CLIPS = 4096
#: The per-track columns a shard's table holds.
RECORD_COLUMNS = [
    "file_hash",
    "clips_hash",
    "offset",
    "n_clips",
    "duration",
    "title",
    "artist",
    "starts",
    "print",
]


def shards_folder(entry: Path) -> Path:
    return Path(entry) / "shards"


class ShardWriter:
    """Writes tracks' clip codes into new shards of ``folder``, :data:`SHARD_CLIPS` at a time.

    ``add(record, codes)`` returns where the track's clips are (``{"shard", "offset"}``); every
    shard is complete on disk by the time :meth:`close` returns. ``written`` maps each new shard's
    name to its SHA-256.
    """

    def __init__(self, folder: Path, params_key: str, *, max_clips: int | None = None):
        self.folder, self.params_key = Path(folder), params_key
        self.max_clips = max_clips or SHARD_CLIPS
        self.folder.mkdir(parents=True, exist_ok=True)
        self.written: dict[str, str] = {}
        self._start()

    def _start(self) -> None:
        self._name = f"c{uuid.uuid4().hex[:16]}"
        self._codes: list[np.ndarray] = []
        self._records: list[dict] = []
        self._n = 0

    def add(self, record: dict, codes: np.ndarray) -> dict:
        """Keep one track's ``codes [shape=(n_clips, n_mels, n_frames)]`` uint8 and its record
        (the :data:`RECORD_COLUMNS` but ``offset``); returns ``{"shard", "offset"}``."""
        if self._n and self._n + len(codes) > self.max_clips:
            self.flush()
        where = {"shard": self._name, "offset": self._n}
        self._codes.append(np.asarray(codes, dtype=CODE_DTYPE))
        self._records.append({**record, "offset": self._n, "n_clips": len(codes)})
        self._n += len(codes)
        return where

    def flush(self) -> None:
        """Write the shard being filled (nothing when it is empty) and start a new one."""
        if not self._n:
            return
        path = self.folder / f"{self._name}.npy"
        tmp = self.folder / f".{self._name}.{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "wb") as f:
            np.save(f, np.concatenate(self._codes), allow_pickle=False)
        os.replace(tmp, path)
        digest = sha256_file(path)
        _write_table(self.folder / f"{self._name}.parquet", self._records, digest, self.params_key)
        self.written[self._name] = digest
        self._start()

    def close(self) -> dict[str, str]:
        """Write what is left; returns :attr:`written`."""
        self.flush()
        return self.written


def _write_table(path: Path, records: list[dict], digest: str, params_key: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.DataFrame(records, columns=RECORD_COLUMNS)
    frame["starts"] = [np.asarray(s, dtype=np.float32).tolist() for s in frame["starts"]]
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {b"songsim": json.dumps({"sha256": digest, "params": params_key}).encode()}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def known_tracks(folder: Path, params_key: str) -> pd.DataFrame:
    """Every track in the complete shards of ``folder`` whose audio parameters are
    ``params_key``: the :data:`RECORD_COLUMNS` with ``shard`` and ``sha256`` (the shard's). An
    interrupted run's shards are here too; unreadable tables are passed over."""
    import pyarrow.parquet as pq

    frames = []
    for table_path in sorted(Path(folder).glob("c*.parquet")) if Path(folder).is_dir() else []:
        shard = table_path.with_suffix(".npy")
        try:
            table = pq.read_table(table_path)
            meta = json.loads((table.schema.metadata or {}).get(b"songsim", b"{}"))
        except (OSError, ValueError):
            continue
        if meta.get("params") != params_key or not shard.is_file():
            continue
        frame = table.to_pandas()
        frame["shard"], frame["sha256"] = shard.stem, meta.get("sha256")
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*RECORD_COLUMNS, "shard", "sha256"])
    return pd.concat(frames, ignore_index=True)


def remove_unused(folder: Path, keep) -> int:
    """Remove the shards of ``folder`` whose names are not in ``keep`` (and left-over temporary
    files); returns how many shards went. Call it under the entry's writer lock."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    keep, gone = set(keep), 0
    for path in folder.iterdir():
        stem = path.name.split(".")[0] if path.name.startswith(".") else path.stem
        if path.name.startswith("."):
            path.unlink(missing_ok=True)
        elif path.suffix in (".npy", ".parquet") and stem not in keep:
            path.unlink(missing_ok=True)
            gone += path.suffix == ".npy"
    return gone
