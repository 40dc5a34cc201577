"""The Dataset: tracks, their clips, the playlists that link them — and its storage.

A dataset lives under ``<cache>/datasets/<name>/`` (see :mod:`songsim.storage`) as open files:

============== ================================================================
clips.npy      float16 ``(n_clips, n_mels, n_frames)`` scaled log-mel clips
clip_track.npy int32 ``(n_clips,)`` row of ``tracks`` each clip belongs to
clip_start.npy float32 ``(n_clips,)`` clip start in seconds
tracks.parquet track_id, title, artist, label, duration
playlists.parquet playlist_id, track_id, position, title, artist, playlist_name (matched entries only)
manifest.json  parameters, sources, counts, skipped files, fingerprint, versions, checksums
============== ================================================================

Clips are stored as float16 (error below 5e-4 on [0, 1]) to halve the disk and load time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..config import AudioParams, cache_dir
from ..errors import DatasetError, SongsimError
from ..io.table import TEXT_COLUMNS, compact
from ..storage import (
    check_name,
    list_entries,
    new_version,
    read_current,
    read_manifest,
    write_manifest,
)

TRACK_COLUMNS = ["track_id", "title", "artist", "label", "duration"]


@dataclasses.dataclass
class Dataset:
    """Tracks with their clips and playlists.

    Attributes
    ----------
    name : str
    tracks : pd.DataFrame       one row per track, columns :data:`TRACK_COLUMNS` (label may be None)
    clips : np.ndarray          [shape=(n_clips, n_mels, n_frames)] float32 in [0, 1]
    clip_track : np.ndarray     [shape=(n_clips,)] int, row in ``tracks`` of each clip
    clip_start : np.ndarray     [shape=(n_clips,)] float, start of each clip in seconds
    playlists : pd.DataFrame    playlist entries matched to ``tracks.track_id``
    params : AudioParams
    info : dict                 kind, sources, skipped_files, unmatched_playlist_entries, …
    """

    name: str
    tracks: pd.DataFrame
    clips: np.ndarray
    clip_track: np.ndarray
    clip_start: np.ndarray
    playlists: pd.DataFrame
    params: AudioParams
    info: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        self.playlists = compact(self.playlists)  # text as codes (see songsim.io.playlists)

    @property
    def n_tracks(self) -> int:
        return len(self.tracks)

    @property
    def labels(self) -> np.ndarray | None:
        """Label of each track, ``(n_tracks,)`` object array, or None when the dataset has none."""
        if "label" not in self.tracks or self.tracks["label"].isna().all():
            return None
        return self.tracks["label"].fillna("").to_numpy(dtype=object)

    @property
    def complete_labels(self) -> np.ndarray | None:
        """:attr:`labels` when every track has one, else None: labels are scored against
        clusterings only when complete (a partial labelling is compared on its labelled part
        only, by :func:`songsim.analysis.compare.aligned`)."""
        labels = self.labels
        return None if labels is None or (labels == "").any() else labels

    def source_file(self, row: int) -> Path | None:
        """The audio file track ``row`` was read from, when it is still a regular file inside
        the ingested folder (never a path outside it); None for the demo, PNG datasets, or a
        file that is gone."""
        from ..limits import is_regular_file

        if self.info.get("kind") != "audio" or not self.info.get("sources"):
            return None
        root = Path(self.info["sources"][0]).resolve()
        path = (root / str(self.tracks["track_id"].iloc[row])).resolve()
        return path if root in path.parents and is_regular_file(path) else None

    def track_row(self, track_id: str) -> int:
        """Row of ``track_id`` in :attr:`tracks`; SongsimError when there is none."""
        rows = np.flatnonzero(self.tracks["track_id"].to_numpy() == track_id)
        if not len(rows):
            raise SongsimError(f"no track '{track_id}' in dataset '{self.name}'")
        return int(rows[0])

    @property
    def fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the clips, the track table (ids, titles, artists,
        labels: everything a view shows of a track) and the playlists."""
        if "_fingerprint" not in self.__dict__:
            h = hashlib.sha256()
            h.update(np.ascontiguousarray(self.clips.astype(np.float16)).tobytes())
            h.update(
                pd.util.hash_pandas_object(
                    self.tracks[["track_id", "title", "artist", "label"]].astype(str), index=False
                ).values.tobytes()
            )
            h.update(
                pd.util.hash_pandas_object(
                    self.playlists[["playlist_id", "track_id"]], index=False
                ).values.tobytes()
            )
            h.update(repr(sorted(self.params.to_dict().items())).encode())
            self.__dict__["_fingerprint"] = h.hexdigest()[:16]
        return self.__dict__["_fingerprint"]

    @property
    def audio_fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the clips and track ids only: what models and
        embeddings depend on, unchanged when only the playlists change."""
        if "_audio_fingerprint" not in self.__dict__:
            h = hashlib.sha256()
            h.update(np.ascontiguousarray(self.clips.astype(np.float16)).tobytes())
            h.update("\n".join(self.tracks["track_id"]).encode())
            h.update(repr(sorted(self.params.to_dict().items())).encode())
            self.__dict__["_audio_fingerprint"] = h.hexdigest()[:16]
        return self.__dict__["_audio_fingerprint"]

    def summary(self) -> dict:
        """Counts for ``songsim info``: tracks, clips, playlists, labels, skipped, unmatched."""
        labels = self.labels
        return {
            "name": self.name,
            "kind": self.info.get("kind"),
            "tracks": int(self.n_tracks),
            "clips": int(len(self.clips)),
            "playlists": int(self.playlists["playlist_id"].nunique()),
            "playlist_entries": int(len(self.playlists)),
            "labels": 0 if labels is None else int(len(set(labels) - {""})),
            "skipped_files": len(self.info.get("skipped_files", [])),
            "unmatched_playlist_entries": int(self.info.get("unmatched_playlist_entries", 0)),
            "fingerprint": self.fingerprint,
        }

    def with_playlists(self, playlists: pd.DataFrame, *, source: str) -> Dataset:
        """A copy whose playlists are replaced by ``playlists`` (matched here); the clips are shared."""
        matched, unmatched = match_tracks(playlists, self.tracks)
        info = {**self.info, "playlist_sources": [source], "unmatched_playlist_entries": unmatched}
        out = dataclasses.replace(self, playlists=matched, info=info)
        if "_audio_fingerprint" in self.__dict__:
            out.__dict__["_audio_fingerprint"] = self.__dict__["_audio_fingerprint"]
        return out


def match_tracks(playlists: pd.DataFrame, tracks: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Map playlist entries to ingested tracks; return the matched rows and the unmatched count.

    An entry matches a track, in this order: when it equals its ``track_id`` (a relative path for
    audio, the file stem for PNGs); when a trailing part of its path does (``/home/u/Music/Rock/a.mp3``
    → ``Rock/a.mp3``), the longest first, then the same ignoring case (Windows paths); and — where
    unique — when its file name or its file name without extension equals the track's. URLs
    (``http://…``) never match.
    """
    ids = tracks["track_id"].astype(str).tolist()
    by_id = {t: t for t in ids}
    by_lower = _unique_map(ids, str.lower)
    by_name, by_stem = (
        _unique_map(ids, lambda t: t.rsplit("/", 1)[-1]),
        _unique_map(ids, lambda t: t.rsplit("/", 1)[-1].rsplit(".", 1)[0]),
    )
    # A trailing part of an entry can only equal a track id of as many folders: only the last
    # `depth` parts of an entry are ever joined, so matching is linear in the entry's length.
    depth = max((t.count("/") + 1 for t in ids), default=1)

    def resolve(entry: str) -> str | None:
        if entry in by_id:
            return entry
        if "://" in entry:
            return None
        pieces = entry.rsplit("/", depth)
        parts = pieces[1:] if len(pieces) > depth else pieces
        tails = ["/".join(parts[k:]) for k in range(len(parts))]
        for lookup, key in ((by_id, str), (by_lower, str.lower)):
            found = next((lookup[key(t)] for t in tails if key(t) in lookup), None)
            if found:
                return found
        name = parts[-1]
        return by_name.get(name) or by_stem.get(name) or by_stem.get(name.rsplit(".", 1)[0])

    playlists = compact(playlists)
    entries = playlists["track_id"].cat  # each distinct entry is resolved once
    codes, matched_ids = pd.factorize(np.array([resolve(e) for e in entries.categories], object))
    entry_codes = entries.codes.to_numpy()
    per_row = np.where(entry_codes >= 0, codes[entry_codes], -1) if len(codes) else entry_codes
    keep = per_row >= 0
    matched = playlists[keep].reset_index(drop=True)
    matched["track_id"] = pd.Categorical.from_codes(per_row[keep], categories=matched_ids)
    for col in TEXT_COLUMNS:
        if col in matched:
            matched[col] = matched[col].cat.remove_unused_categories()
    return matched, int((~keep).sum())


def _with_playlist_names(playlists: pd.DataFrame) -> pd.DataFrame:
    """Tables stored before playlists had names get an empty ``playlist_name`` column."""
    return playlists if "playlist_name" in playlists else playlists.assign(playlist_name="")


def _unique_map(ids: list[str], key) -> dict[str, str]:
    seen: dict[str, str | None] = {}
    for t in ids:
        k = key(t)
        seen[k] = None if k in seen else t
    return {k: v for k, v in seen.items() if v is not None}


# -- storage -----------------------------------------------------------------------------------


def datasets_root() -> Path:
    return cache_dir() / "datasets"


def list_datasets() -> list[str]:
    """Names of the datasets in the cache."""
    return list_entries(datasets_root())


def save_dataset(ds: Dataset) -> Path:
    """Write ``ds`` under the cache atomically, replacing a dataset of that name only when complete."""
    check_name(ds.name)
    with new_version(datasets_root() / ds.name) as folder:
        np.save(folder / "clips.npy", ds.clips.astype(np.float16))
        np.save(folder / "clip_track.npy", ds.clip_track.astype(np.int32))
        np.save(folder / "clip_start.npy", ds.clip_start.astype(np.float32))
        ds.tracks[TRACK_COLUMNS].to_parquet(folder / "tracks.parquet", index=False)
        ds.playlists.to_parquet(folder / "playlists.parquet", index=False)
        write_manifest(
            folder,
            {
                "name": ds.name,
                "params": ds.params.to_dict(),
                "info": ds.info,
                "summary": ds.summary(),
                "fingerprint": ds.fingerprint,
                "audio_fingerprint": ds.audio_fingerprint,
                "versions": library_versions(),
            },
        )
    return folder


def load_dataset(name: str, *, verify: bool = True) -> Dataset:
    """Load a dataset from the cache.

    Raises
    ------
    DatasetError  when there is none of that name, or its files are missing or corrupted.
    """
    check_name(name)
    return read_current(datasets_root() / name, lambda folder: _load_version(name, folder, verify))


def _load_version(name: str, folder: Path | None, verify: bool) -> Dataset:
    if folder is None:
        have = ", ".join(list_datasets()) or "none"
        raise DatasetError(f"no dataset named '{name}' in {datasets_root()} (available: {have})")
    manifest = read_manifest(folder, verify=verify)
    try:
        ds = Dataset(
            name=name,
            tracks=pd.read_parquet(folder / "tracks.parquet"),
            clips=np.load(folder / "clips.npy", allow_pickle=False).astype(np.float32),
            clip_track=np.load(folder / "clip_track.npy", allow_pickle=False).astype(np.int64),
            clip_start=np.load(folder / "clip_start.npy", allow_pickle=False),
            playlists=_with_playlist_names(pd.read_parquet(folder / "playlists.parquet")),
            params=AudioParams.from_dict(manifest["params"]),
            info=manifest.get("info", {}),
        )
    except (OSError, ValueError, KeyError) as exc:
        raise DatasetError(f"{folder}: cannot load dataset ({exc})") from None
    ds.__dict__["_fingerprint"] = manifest.get("fingerprint") or ds.fingerprint
    if manifest.get("audio_fingerprint"):
        ds.__dict__["_audio_fingerprint"] = manifest["audio_fingerprint"]
    return ds


def library_versions() -> dict:
    import importlib.metadata as md

    out = {"python": platform.python_version(), "songsim": __version__}
    for pkg in (
        "numpy",
        "scipy",
        "librosa",
        "soundfile",
        "soxr",
        "torch",
        "scikit-learn",
        "igraph",
    ):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out
