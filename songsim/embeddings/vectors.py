"""Clip vectors stored per track, so an updated library embeds only its new tracks.

One store holds one embedding (a kind, its parameters and the checkpoint or fit that makes its
vectors) of one dataset, under ``<cache>/embeddings/<dataset>/<kind>-<params>/``:

==================  ==============================================================
``KEY``             the digest of what makes the vectors; another one empties the store
``v<id>.npy``       float32 ``(n, d)`` clip vectors of some tracks, one after another
``g<id>.npy``       float32 ``(n, 50)`` their tag probabilities (musicnn only)
``v<id>.parquet``   one row per track: ``clips_hash, offset, n_clips``, and the SHA-256 of
                    the arrays in its metadata (written last: a shard without it is
                    unfinished and ignored)
``tracks-<k>.npy``  float32 ``(n_tracks, d)`` track vectors of one dataset version, with
                    its SHA-256 in ``tracks-<k>.json``
==================  ==============================================================

Every file is checked against its SHA-256 the first time a process reads it; a damaged shard is
dropped (:class:`DamagedVectors`) and its tracks embedded again, with a warning.

A track is found by its clips' hash (:func:`songsim.data.clips.clips_hash`), so copies of one
recording are embedded once and a moved file keeps its vectors. Shards are written once,
atomically; tracks no dataset version uses any more are dropped when they are most of a shard.
Track vectors are the mean of a track's clip vectors after the kind's ``transform``: ``none``,
``zscore`` (each dimension to mean 0 and deviation 1 over the dataset's clips) or
``zscore-unit`` (then each clip vector to unit length), computed a shard at a time.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DatasetError
from ..storage import sha256_file, write_json_atomic, writer_lock

log = logging.getLogger("songsim")

#: Clip vectors per shard.
SHARD_CLIPS = 8192
TRANSFORMS = ("none", "zscore", "zscore-unit")
#: Track-vector files kept per store (the latest versions of a dataset).
KEEP_TRACK_FILES = 3


class DamagedVectors(DatasetError):
    """A stored shard of vectors failed its checksum (``shard`` names it)."""

    def __init__(self, shard: str, message: str):
        super().__init__(message)
        self.shard = shard


_VERIFIED: set = set()  # (path, size, mtime) checked by this process


def _verified_load(path: Path, digest: str | None) -> np.ndarray:
    """``np.load(path)`` after checking it against ``digest`` (once a process per file version)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _VERIFIED:
        if digest is None or sha256_file(path) != digest:
            raise ValueError("checksum mismatch")
        _VERIFIED.add(key)
    return np.load(path, allow_pickle=False)


class VectorStore:
    """The stored clip vectors of one embedding of one dataset (module docstring).

    Parameters
    ----------
    root : the store's folder
    key : what makes its vectors (a digest); a store holding another key is emptied
    """

    def __init__(self, root: Path, key: str):
        self.root, self.key = Path(root), key
        self.root.mkdir(parents=True, exist_ok=True)
        with writer_lock(self.root):
            key_file = self.root / "KEY"
            if not key_file.is_file() or _read_key(key_file) != key:
                for path in self.root.iterdir():
                    if path.name not in (".lock",):
                        shutil.rmtree(path) if path.is_dir() else path.unlink()
                write_json_atomic(key_file, {"key": key})
        self._index = None

    # -- what is stored --------------------------------------------------------------------------

    @property
    def index(self) -> pd.DataFrame:
        """``clips_hash → shard, offset, n_clips`` of every stored track."""
        if self._index is None:
            import pyarrow.parquet as pq

            frames, self._digests = [], {}
            for table in sorted(self.root.glob("v*.parquet")):
                if (self.root / f"{table.stem}.npy").is_file():
                    try:
                        t = pq.read_table(table)
                        meta = json.loads((t.schema.metadata or {}).get(b"songsim", b"{}"))
                    except (OSError, ValueError):
                        continue
                    frame = t.to_pandas()
                    frame["shard"] = table.stem
                    frames.append(frame)
                    self._digests[table.stem] = meta
            index = (
                pd.concat(frames, ignore_index=True)
                if frames
                else pd.DataFrame(columns=["clips_hash", "offset", "n_clips", "shard"])
            )
            self._index = index.drop_duplicates("clips_hash").set_index("clips_hash")
        return self._index

    def missing(self, hashes: Sequence[str]) -> list[int]:
        """Positions in ``hashes`` of the first track of each content not stored yet."""
        have = self.index.index
        seen, out = set(), []
        for i, h in enumerate(hashes):
            if h not in seen and h not in have:
                out.append(i)
            seen.add(h)
        return out

    def writer(self) -> _Writer:
        """A writer of new shards (use as a context manager; shards are complete as written)."""
        return _Writer(self)

    # -- what a dataset reads --------------------------------------------------------------------

    def _shards_of(self, hashes: Sequence[str]) -> pd.DataFrame:
        """Where each of ``hashes`` is: ``row, shard, offset, n_clips`` (row = position)."""
        found = self.index.reindex(pd.Index(hashes))
        if found["shard"].isna().any():
            gone = hashes[int(np.flatnonzero(found["shard"].isna().to_numpy())[0])]
            raise KeyError(f"no stored vectors for clips {gone}")
        found = found.reset_index(drop=True)
        found["row"] = np.arange(len(found))
        return found

    def _each_shard(self, hashes: Sequence[str], what: str = "v"):
        """``(rows, offsets, n_clips, vectors of the shard)`` one shard at a time."""
        where = self._shards_of(hashes)
        for shard, part in where.groupby("shard", sort=True):
            path = self.root / f"{what}{shard[1:]}.npy"
            try:
                vectors = _verified_load(path, self._digests.get(shard, {}).get(what))
            except (OSError, ValueError) as exc:
                raise DamagedVectors(
                    shard, f"{self.root.name}/{path.name}: damaged ({exc})"
                ) from None
            yield (
                part["row"].to_numpy(),
                part["offset"].to_numpy(np.int64),
                part["n_clips"].to_numpy(np.int64),
                vectors,
            )

    def stats(self, hashes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)`` per dimension over every clip of the tracks ``hashes`` (copies
        counted as often as they appear), float64."""
        total, sq, n = 0.0, 0.0, 0
        for _rows, offsets, counts, V in self._each_shard(hashes):
            for o, c in zip(offsets, counts):
                block = V[o : o + c].astype(np.float64)
                total = total + block.sum(axis=0)
                sq = sq + (block * block).sum(axis=0)
                n += c
        mean = total / max(n, 1)
        return mean, np.sqrt(np.maximum(sq / max(n, 1) - mean * mean, 0.0))

    def track_means(
        self, hashes: Sequence[str], transform: str = "none", *, what: str = "v"
    ) -> np.ndarray:
        """Track vectors ``(len(hashes), d)`` float32: the mean of each track's clip vectors
        after ``transform`` (``what="g"``: its tag probabilities, untransformed)."""
        mean, std = self.stats(hashes) if transform != "none" and what == "v" else (None, None)
        out = None
        for rows, offsets, counts, V in self._each_shard(hashes, what):
            if out is None:
                out = np.zeros((len(hashes), V.shape[1]), dtype=np.float32)
            for r, o, c in zip(rows, offsets, counts):
                out[r] = _transformed(V[o : o + c], transform, mean, std).mean(axis=0)
        return out if out is not None else np.zeros((0, 0), np.float32)

    def clip_matrix(
        self, hashes: Sequence[str], counts: Sequence[int], transform: str = "none", what="v"
    ) -> np.ndarray:
        """Every clip vector of the tracks ``hashes`` in order ``(Σ counts, d)`` float32 (small
        datasets: distillation, tests)."""
        mean, std = self.stats(hashes) if transform != "none" and what == "v" else (None, None)
        starts = np.concatenate([[0], np.cumsum(counts)])
        out = None
        for rows, offsets, ns, V in self._each_shard(hashes, what):
            if out is None:
                out = np.zeros((int(starts[-1]), V.shape[1]), dtype=np.float32)
            for r, o, c in zip(rows, offsets, ns):
                out[starts[r] : starts[r] + c] = _transformed(V[o : o + c], transform, mean, std)
        return out if out is not None else np.zeros((0, 0), np.float32)

    # -- track vectors of one dataset version, kept -----------------------------------------------

    def cached_tracks(self, name: str, compute) -> np.ndarray:
        """``tracks-<name>.npy``, computed by ``compute()`` and written when missing; only the
        latest :data:`KEEP_TRACK_FILES` are kept."""
        path = self.root / f"tracks-{name}.npy"
        sums = self.root / f"tracks-{name}.json"
        if path.is_file():
            try:
                digest = json.loads(sums.read_text()).get("sha256")
                out = _verified_load(path, digest)
                os.utime(path)
                return out
            except (OSError, ValueError, AttributeError) as exc:
                log.warning("recomputing %s/%s: %s", self.root.name, path.name, exc)
        out = compute()
        tmp = self.root / f".tracks-{uuid.uuid4().hex[:8]}.tmp"
        with open(tmp, "wb") as f:
            np.save(f, out, allow_pickle=False)
        write_json_atomic(sums, {"sha256": sha256_file(tmp)})
        os.replace(tmp, path)
        files = sorted(self.root.glob("tracks-*.npy"), key=lambda p: p.stat().st_mtime)
        for old in files[:-KEEP_TRACK_FILES]:
            old.unlink(missing_ok=True)
            old.with_suffix(".json").unlink(missing_ok=True)
        return out

    def drop(self, shard: str) -> None:
        """Remove one shard (a damaged one): its tracks are embedded again when next asked for."""
        with writer_lock(self.root):
            for prefix in ("v", "g"):
                (self.root / f"{prefix}{shard[1:]}.npy").unlink(missing_ok=True)
            (self.root / f"{shard}.parquet").unlink(missing_ok=True)
        self._index = None

    def prune(self, live: Sequence[str]) -> int:
        """Drop the shards of which most tracks are not in ``live`` (clips hashes a dataset
        still uses); the tracks of theirs still used are embedded again when next asked for.
        Returns the shards removed."""
        index = self.index
        if not len(index):
            return 0
        alive = index.index.isin(pd.Index(live))
        share = pd.Series(alive, index=index["shard"].to_numpy()).groupby(level=0).mean()
        gone = [s for s, v in share.items() if v < 0.5]
        for s in gone:
            self.drop(s)
        return len(gone)


def _read_key(path: Path) -> str | None:
    try:
        return json.loads(path.read_text()).get("key")
    except (OSError, ValueError, AttributeError):
        return None


def _transformed(V: np.ndarray, transform: str, mean, std) -> np.ndarray:
    if transform == "none":
        return V
    Z = (V - mean) / (std + 1e-6)
    if transform == "zscore-unit":
        norms = np.linalg.norm(Z, axis=1, keepdims=True)
        Z = Z / np.where(norms > 0, norms, 1)
    return Z.astype(np.float32)


class _Writer:
    """Writes tracks' clip vectors (and tags) into new shards of a store, as they come."""

    def __init__(self, store: VectorStore):
        self.store = store
        self._reset()

    def _reset(self):
        self._vectors, self._tags, self._rows, self._n = [], [], [], 0

    def add(self, hashes: Sequence[str], counts: Sequence[int], vectors, tags=None) -> None:
        """Keep the clip vectors ``(Σ counts, d)`` (and tags) of the tracks ``hashes``."""
        offset = self._n
        for h, c in zip(hashes, counts):
            self._rows.append((h, offset, int(c)))
            offset += int(c)
        self._vectors.append(np.asarray(vectors, dtype=np.float32))
        if tags is not None:
            self._tags.append(np.asarray(tags, dtype=np.float32))
        self._n = offset
        if self._n >= SHARD_CLIPS:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        root, sid = self.store.root, uuid.uuid4().hex[:16]
        digests = {}
        with writer_lock(root):
            for prefix, parts in (("v", self._vectors), ("g", self._tags)):
                if parts:
                    tmp = root / f".{prefix}{sid}.tmp"
                    with open(tmp, "wb") as f:
                        np.save(f, np.concatenate(parts), allow_pickle=False)
                    digests[prefix] = sha256_file(tmp)
                    os.replace(tmp, root / f"{prefix}{sid}.npy")
            frame = pd.DataFrame(self._rows, columns=["clips_hash", "offset", "n_clips"])
            table = pa.Table.from_pandas(frame, preserve_index=False)
            table = table.replace_schema_metadata({b"songsim": json.dumps(digests).encode()})
            tmp = root / f".v{sid}.parquet.tmp"
            pq.write_table(table, tmp)
            os.replace(tmp, root / f"v{sid}.parquet")
        self.store._index = None
        self._reset()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.flush()  # what was computed before an interruption is kept
        return False
