"""A folder of audio (or spectrogram PNGs) → a dataset, updated in place as the folder changes.

The first ingest decodes every file; later ones touch only what changed, as beets and
AudioMuse-AI do. A file is known by its path, size and modification time, then by its content:

* same path, size and time as in the current version → **unchanged**, nothing read;
* otherwise the file is hashed: the same content as before → **unchanged**; content already
  decoded anywhere in this dataset's shards (a moved or copied file, or a run that was cut
  short) → its clips are reused; only new content is **decoded**, in worker processes or on a
  Dask cluster, and written to new shards as it arrives (memory stays flat);
* paths that are gone are **removed**; a file that failed to decode and has not changed is
  **skipped** again without decoding.

Every update is one locked, atomic new version (:func:`songsim.data.store.commit_version`): an
interrupted update leaves the previous version loadable, and its finished shards are reused by
the next run. ``rebuild=True`` trusts nothing and decodes every file. The result equals a fresh
ingest of the same folder: the same tracks, clips and fingerprints (``tests/test_library.py``).
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import AudioParams
from ..errors import SongsimError
from ..progress import Callback, track
from ..storage import check_writable, writer_lock
from .datasets import TRACK_COLUMNS, Dataset
from .duplicates import song_groups
from .matching import match_tracks
from .reading import file_hash, read_one, scan_library, track_ids
from .shards import ShardWriter, known_tracks, shards_folder
from .store import (
    commit_version,
    dataset_entry,
    datasets_root,
    load_dataset,
    params_key,
    previous_tracks,
    shard_clips,
)

#: A shard is rewritten when less than this share of its clips is still used.
COMPACT_BELOW = 0.5
KINDS = ("audio", "spectrograms")


@dataclasses.dataclass
class Change:
    """What one update did: counts of files by outcome (``added + changed + unchanged`` tracks
    are in the new version) and how many files were decoded."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    decoded: int = 0

    def line(self) -> str:
        return (
            f"added {self.added} · changed {self.changed} · removed {self.removed} · "
            f"unchanged {self.unchanged} · skipped {self.skipped} ({self.decoded} files decoded)"
        )


def _decoded(files: list, kind: str, params: AudioParams, client, n_jobs, progress):
    """``read_one`` of each ``(path, rel)``, in order, in worker processes or on a cluster."""
    from ..tasks import ordered_map

    args = [(str(p), rel, kind, params) for p, rel in files]
    results = ordered_map(read_one, args, client=client, n_jobs=n_jobs)
    what = "decoding audio" if kind == "audio" else "reading spectrograms"
    return track(results, len(args), what, progress)


def update_library(
    name: str,
    root: Path,
    *,
    kind: str = "audio",
    params: AudioParams = AudioParams(),
    label_from_parent: bool = False,
    playlists: pd.DataFrame | None = None,
    playlist_sources: list[str] = (),
    rebuild: bool = False,
    within: list[Path] | None = None,
    client=None,
    n_jobs: int | None = None,
    progress: Callback | None = None,
) -> tuple[Dataset, Change]:
    """Ingest folder ``root`` into dataset ``name``, updating it when it exists (module
    docstring); ``playlists`` (a playlist table, unmatched) are matched to the new track list.
    ``within`` confines every file read — now and by every later reader of this dataset (the
    player, musicnn) — to these folders (links out of them are skipped and listed).

    Returns the new version (loaded: clips stay on disk) and what changed.
    """
    if kind not in KINDS:
        raise SongsimError(f"unknown folder kind '{kind}' ({', '.join(KINDS)})")
    root = Path(root).resolve()
    if not root.is_dir():
        raise SongsimError(f"{root}: not a folder")
    entry = dataset_entry(name)
    check_writable(datasets_root())
    scan = scan_library(root, kind, within)
    entry.mkdir(parents=True, exist_ok=True)
    with writer_lock(entry):
        plan = _Plan(entry, root, kind, params, rebuild)
        plan.classify(scan.files, progress)
        plan.decode(client, n_jobs, progress)
        plan.compact(progress)
        change = plan.change
        change.skipped = len(plan.skipped) + len(scan.skipped)
        shards = {**plan.catalog_digests, **plan.writer.close()}
        tracks, starts = plan.table(label_from_parent)
        if not len(tracks):
            raise SongsimError(f"{root}: no file could be read ({len(plan.skipped)} skipped)")
        info = {
            "kind": kind,
            "sources": [str(root)],
            "labels_from_parent": bool(label_from_parent),
            "within": None if within is None else [str(Path(w).resolve()) for w in within],
            "playlist_sources": [str(p) for p in playlist_sources],
            "skipped_files": sorted(scan.skipped + plan.skipped, key=lambda s: s["file"]),
            "last_update": dataclasses.asdict(change),
        }
        if playlists is None:
            from ..io.table import COLUMNS

            playlists = pd.DataFrame(columns=COLUMNS)
        matched, unmatched = match_tracks(playlists, tracks)
        info["unmatched_playlist_entries"] = unmatched
        clips = shard_clips(entry, tracks, shards, params)
        ds = Dataset(name, tracks, clips, matched, params, info, clip_start=starts)
        commit_version(entry, ds, tracks, shards, clip_start=starts, playlists=ds.playlists)
    return load_dataset(name), change


class _Plan:
    """One update's bookkeeping: what each file is, what to decode, where each track's clips are."""

    def __init__(self, entry: Path, root: Path, kind: str, params: AudioParams, rebuild: bool):
        self.root, self.kind, self.params, self.rebuild = root, kind, params, rebuild
        pkey = params_key(params)
        self.folder = shards_folder(entry)
        self.catalog = known_tracks(self.folder, pkey)  # every complete shard's tracks
        self.catalog_digests = dict(zip(self.catalog["shard"], self.catalog["sha256"]))
        prev = None if rebuild else previous_tracks(entry, kind, str(root), pkey)
        self.prev_tracks = prev[0] if prev else None
        self.prev_skipped = {
            s["file"]: s for s in (prev[1].get("skipped_files", []) if prev else [])
        }
        self.writer = ShardWriter(self.folder, pkey)
        self.change = Change()
        self.rows: list[dict] = []  # one per file of the new version, in scan order
        self.skipped: list[dict] = []
        self.to_decode: list[int] = []  # positions in rows
        self.new_records: dict[int, dict] = {}  # position → decoded record (starts, print)

    # -- which files changed ---------------------------------------------------------------------

    def classify(self, files: list[Path], progress) -> None:
        prev = {}
        if self.prev_tracks is not None:
            prev = {f: r for f, r in zip(self.prev_tracks["file"], self.prev_tracks.itertuples())}
        by_content = {}
        if not self.rebuild:
            for rec in self.catalog.itertuples():
                by_content.setdefault(rec.file_hash, rec)
        need_hash = []
        for path in files:
            rel = path.relative_to(self.root).as_posix()
            st = os.stat(path)
            row = {
                "file": rel,
                "path": path,
                "file_size": st.st_size,
                "file_mtime_ns": st.st_mtime_ns,
            }
            old = prev.pop(rel, None)
            if old is not None and old.shard not in self.catalog_digests:
                old = None  # its clips are gone from the shards: read it again
            was_skipped = self.prev_skipped.get(rel)
            if old is not None and (old.file_size, old.file_mtime_ns) == (
                st.st_size,
                st.st_mtime_ns,
            ):
                self._reuse(row, old, "unchanged")
            elif was_skipped and (was_skipped.get("size"), was_skipped.get("mtime_ns")) == (
                st.st_size,
                st.st_mtime_ns,
            ):
                self.skipped.append(was_skipped)
                continue
            else:
                row["_old"] = old
                need_hash.append(row)
            self.rows.append(row)
        self.change.removed = len(prev)
        hashes = self._hashes([r["path"] for r in need_hash], progress)
        first_of: dict[str, int] = {}
        for row, digest in zip(need_hash, hashes):
            old = row.pop("_old")
            row["file_hash"] = digest
            outcome = "added" if old is None else "changed"
            if old is not None and old.file_hash == digest:
                self._reuse(row, old, "unchanged")
            elif digest in by_content:
                self._reuse(row, by_content[digest], outcome)
            elif not self.rebuild and digest in first_of:  # a copy of a file decoded in this run
                row["copy_of"], row["outcome"] = first_of[digest], outcome
                setattr(self.change, outcome, getattr(self.change, outcome) + 1)
            else:
                row["outcome"] = outcome
                first_of[digest] = id(row)
                self.to_decode.append(row)

    def _reuse(self, row: dict, rec, outcome: str) -> None:
        for col in ("file_hash", "clips_hash", "shard", "offset", "n_clips", "duration"):
            row[col] = getattr(rec, col)
        row["title"], row["artist"] = rec.title, rec.artist
        setattr(self.change, outcome, getattr(self.change, outcome) + 1)

    def _hashes(self, paths: list[Path], progress) -> list[str]:
        if not paths:
            return []
        with ThreadPoolExecutor(max_workers=2) as pool:  # hashlib releases the GIL
            return list(track(pool.map(file_hash, paths), len(paths), "checking files", progress))

    # -- decoding --------------------------------------------------------------------------------

    def decode(self, client, n_jobs, progress) -> None:
        files = [(r["path"], r["file"]) for r in self.to_decode]
        decoded_by_id = {}
        decoded = _decoded(files, self.kind, self.params, client, n_jobs, progress)
        try:
            self._take(decoded, decoded_by_id)
        except BaseException:
            self.writer.flush()  # what was decoded is kept: the next run reuses it
            raise
        kept = []
        for row in self.rows:
            if row.get("failed"):
                continue
            if "copy_of" in row:
                source = decoded_by_id.get(row.pop("copy_of"))
                if source is None:  # its twin failed to decode: so does it
                    self.skipped.append({"file": row["file"], "reason": "cannot be decoded"})
                    outcome = row["outcome"]
                    setattr(self.change, outcome, getattr(self.change, outcome) - 1)
                    continue
                for col in (
                    "clips_hash",
                    "shard",
                    "offset",
                    "n_clips",
                    "duration",
                    "title",
                    "artist",
                ):
                    row[col] = source[col]
            kept.append(row)
        self.rows = kept

    def _take(self, decoded, decoded_by_id: dict) -> None:
        """Write each decoded file's clips to the shards (or list it as skipped), in order."""
        for row, result in zip(self.to_decode, decoded, strict=True):  # the bar reaches its end
            if isinstance(result, str):
                st = {"file": row["file"], "reason": _short(result, self.root)}
                st.update(size=row["file_size"], mtime_ns=row["file_mtime_ns"])
                self.skipped.append(st)
                row["failed"] = True
                continue
            codes = result.pop("codes")
            record = {**result, "file_hash": row["file_hash"]}
            where = self.writer.add(record, codes)
            row.update(
                where,
                n_clips=len(codes),
                **{k: record[k] for k in ("clips_hash", "duration", "title", "artist")},
            )
            self.new_records[(row["shard"], row["offset"])] = record
            decoded_by_id[id(row)] = row
            self.change.decoded += 1
            setattr(self.change, row["outcome"], getattr(self.change, row["outcome"]) + 1)

    # -- keeping the disk in check ---------------------------------------------------------------

    def compact(self, progress) -> None:
        """Rewrite the used clips of old shards that are mostly unused into new shards."""
        if not len(self.catalog):
            return
        total = self.catalog.groupby("shard")["n_clips"].sum()
        live = pd.Series(
            [r["n_clips"] for r in self.rows if r.get("shard") in total.index],
            index=[r["shard"] for r in self.rows if r.get("shard") in total.index],
            dtype=np.int64,
        )
        used = live.groupby(level=0).sum() if len(live) else pd.Series(dtype=np.int64)
        sparse = [s for s in used.index if used[s] < COMPACT_BELOW * total[s]]
        if not sparse:
            return
        from .clips import _Shard

        records = self.catalog.set_index(["shard", "offset"])
        moving = [r for r in self.rows if r.get("shard") in set(sparse)]
        for row in track(moving, len(moving), "compacting clips", progress):
            old = _Shard(self.folder / f"{row['shard']}.npy", self.catalog_digests[row["shard"]])
            codes = old.read(np.arange(row["offset"], row["offset"] + row["n_clips"]))
            rec = records.loc[(row["shard"], row["offset"])]
            record = {
                c: rec[c]
                for c in (
                    "file_hash",
                    "clips_hash",
                    "duration",
                    "title",
                    "artist",
                    "starts",
                    "print",
                )
            }
            row.update(self.writer.add(record, codes))
            self.new_records[(row["shard"], row["offset"])] = record

    # -- the new version's tables ----------------------------------------------------------------

    def table(self, label_from_parent: bool) -> tuple[pd.DataFrame, np.ndarray]:
        rows = self.rows
        tracks = pd.DataFrame(rows)
        if not len(tracks):
            return tracks, np.zeros(0, np.float32)
        tracks["track_id"] = track_ids(tracks["file"].tolist(), self.kind)
        # a track without a title tag is named after its file, wherever it is now
        tracks["title"] = [
            str(t) if t else Path(f).stem for t, f in zip(tracks["title"], tracks["file"])
        ]
        parents = [Path(f).parent for f in tracks["file"]]
        tracks["label"] = [
            p.name if label_from_parent and p != Path(".") else None for p in parents
        ]
        known = [self.catalog[["shard", "offset", "starts", "print"]]]
        if self.new_records:
            new = pd.DataFrame(
                [(k[0], k[1], r["starts"], r["print"]) for k, r in self.new_records.items()],
                columns=["shard", "offset", "starts", "print"],
            )
            known.append(new)
        recs = (
            pd.concat(known, ignore_index=True)
            .drop_duplicates(["shard", "offset"], keep="last")
            .set_index(["shard", "offset"])
            .reindex(pd.MultiIndex.from_arrays([tracks["shard"], tracks["offset"]]))
        )
        starts = np.concatenate([np.asarray(s, dtype=np.float32) for s in recs["starts"]])
        from .clips import _Shard

        shards: dict = {}

        def read_codes(row: int) -> np.ndarray:
            name = tracks["shard"].iloc[row]
            shard = shards.setdefault(name, _Shard(self.folder / f"{name}.npy", None))
            first = int(tracks["offset"].iloc[row])
            return shard.read(np.arange(first, first + int(tracks["n_clips"].iloc[row])))

        tracks["song"] = song_groups(
            tracks["duration"].to_numpy(),
            [bytes(p) for p in recs["print"]],
            tracks["clips_hash"].tolist(),
            read_codes,
        )
        tracks["offset"] = tracks["offset"].astype(np.int64)
        tracks["n_clips"] = tracks["n_clips"].astype(np.int64)
        keep = TRACK_COLUMNS + [c for c in _STORED if c in tracks]
        return tracks[keep].reset_index(drop=True), starts


_STORED = [
    "song",
    "n_clips",
    "clips_hash",
    "shard",
    "offset",
    "file",
    "file_size",
    "file_mtime_ns",
    "file_hash",
]


def _short(reason: str, root: Path) -> str:
    """A reader's message with the library's folder left out (viewers see library paths only)."""
    return reason.replace(str(root) + os.sep, "")
