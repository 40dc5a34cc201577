"""Datasets on disk, each under ``<cache>/datasets/<name>/``: clip shards shared by its versions
(:mod:`songsim.data.shards`) and atomically swapped version folders (:mod:`songsim.storage`) of
open files:

================= ==================================================================
tracks.parquet    track_id, title, artist, label, duration, and where each track's clips
                  are and what it was read from (:data:`~songsim.data.datasets.STORAGE_COLUMNS`)
clip_start.npy    float32 ``(n_clips,)`` clip start in seconds
playlists.parquet playlist_id, track_id, position, title, artist, playlist_name (matched)
manifest.json     parameters, sources, counts, skipped files, fingerprints, the shards used
                  with their SHA-256, versions, checksums of the files above
================= ==================================================================

Loading reads the manifest and the track table; clips are read in batches from the shards
(each checked against its SHA-256 the first time a process reads it), playlists and start times
when first asked for. ``info`` reads the manifest alone (:func:`read_summary`).
"""

from __future__ import annotations

import platform
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..config import AudioParams, cache_dir
from ..errors import DatasetError
from ..storage import (
    check_name,
    current_version,
    list_entries,
    new_version,
    read_current,
    read_manifest,
    verify_file,
    write_manifest,
    writer_lock,
)
from .clips import ShardClips
from .datasets import STORAGE_COLUMNS, TRACK_COLUMNS, Dataset
from .shards import ShardWriter, remove_unused, shards_folder

#: The on-disk layout this code reads (a dataset of an older layout is ingested again).
LAYOUT = "shards-1"
#: Bumped whenever what a clip is changes (decoding, features, clip windows): shards of another
#: version are never reused, so an update equals a fresh ingest.
FEATURES_VERSION = 1


def datasets_root() -> Path:
    return cache_dir() / "datasets"


def dataset_entry(name: str) -> Path:
    return datasets_root() / check_name(name)


def params_key(params: AudioParams) -> str:
    """What clips depend on: the audio parameters and :data:`FEATURES_VERSION`."""
    return repr((FEATURES_VERSION, sorted(params.to_dict().items())))


def list_datasets() -> list[str]:
    """Names of the datasets in the cache."""
    return list_entries(datasets_root())


def save_dataset(ds: Dataset) -> Path:
    """Write ``ds`` (its clips wherever they are: in memory or in shards of this entry) as the
    new version of its entry, atomically; shards no version needs are removed."""
    entry = dataset_entry(ds.name)
    entry.mkdir(parents=True, exist_ok=True)
    with writer_lock(entry):
        folder = shards_folder(entry)
        tracks = ds.tracks.copy()
        if tracks["shard"].isna().any() or not all(
            (folder / f"{s}.npy").is_file() for s in tracks["shard"].unique()
        ):
            tracks, shards = _write_shards(ds, folder)
        else:
            shards = {s: _shard_digest(entry, s) for s in tracks["shard"].unique()}
        return commit_version(
            entry, ds, tracks, shards, clip_start=ds.clip_start, playlists=ds.playlists
        )


def _write_shards(ds: Dataset, folder: Path) -> tuple[pd.DataFrame, dict]:
    """Every clip of ``ds`` into new shards of ``folder``: the track table pointing at them."""
    from .duplicates import audio_print

    writer = ShardWriter(folder, params_key(ds.params))
    tracks = ds.tracks.copy()
    where = []
    for row, t in enumerate(tracks.itertuples(index=False)):
        rows = ds.track_clips(row)
        codes = ds.clips.codes(rows)
        record = {
            "file_hash": t.file_hash,
            "clips_hash": t.clips_hash,
            "duration": t.duration,
            "title": t.title,
            "artist": t.artist,
            "starts": ds.clip_start[rows],
            "print": audio_print(codes),
        }
        where.append(writer.add(record, codes))
    shards = writer.close()
    tracks["shard"] = [w["shard"] for w in where]
    tracks["offset"] = [w["offset"] for w in where]
    return tracks, shards


def _shard_digest(entry: Path, shard: str) -> str:
    manifest = read_manifest(current_version(entry), verify=False)
    return manifest["shards"][shard]


def commit_version(
    entry: Path,
    ds: Dataset,
    tracks: pd.DataFrame,
    shards: dict,
    *,
    clip_start: np.ndarray,
    playlists: pd.DataFrame,
    extra: dict | None = None,
) -> Path:
    """Write a version of ``entry`` whose tracks (:data:`TRACK_COLUMNS` +
    :data:`STORAGE_COLUMNS`) point into ``shards`` (``{name: sha256}``), make it current (the
    version it replaces is kept until the next one), and remove shards neither uses."""
    check_name(ds.name)
    used = {s: shards[s] for s in tracks["shard"].unique()}
    previous = current_version(entry)
    with new_version(entry, keep_previous=True) as folder:
        tracks[TRACK_COLUMNS + STORAGE_COLUMNS].to_parquet(folder / "tracks.parquet", index=False)
        np.save(folder / "clip_start.npy", np.asarray(clip_start, dtype=np.float32))
        playlists.to_parquet(folder / "playlists.parquet", index=False)
        write_manifest(
            folder,
            {
                "layout": LAYOUT,
                "name": ds.name,
                "params": ds.params.to_dict(),
                "params_key": params_key(ds.params),
                "info": ds.info,
                "summary": ds.summary(),
                "fingerprint": ds.fingerprint,
                "audio_fingerprint": ds.audio_fingerprint,
                "shards": used,
                "versions": library_versions(),
                **(extra or {}),
            },
        )
    keep = set(used)
    if previous is not None and previous.is_dir():
        try:
            keep |= set(read_manifest(previous, verify=False).get("shards", {}))
        except DatasetError:
            pass
    remove_unused(shards_folder(entry), keep)
    return folder


def commit_playlists(name: str, playlists: pd.DataFrame, info: dict) -> Dataset:
    """A new version of dataset ``name`` whose playlists are ``playlists`` (a playlist table,
    matched here) and whose ``info`` is updated with ``info``; tracks and clips stay as they are
    (no shard is touched). Returns the new version, loaded."""
    from .matching import match_tracks

    entry = dataset_entry(name)
    with writer_lock(entry):
        ds = load_dataset(name)
        _, manifest = read_manifest_of(name)
        matched, unmatched = match_tracks(playlists, ds.tracks)
        before = int(ds.info.get("unmatched_playlist_entries", 0))
        merged = {**ds.info, **info, "unmatched_playlist_entries": before + unmatched}
        new = Dataset(
            name, ds.tracks, ds.clips, matched, ds.params, merged, clip_start=ds.clip_start
        )
        commit_version(
            entry,
            new,
            ds.tracks.copy(),
            manifest["shards"],
            clip_start=ds.clip_start,
            playlists=new.playlists,
        )
    return load_dataset(name)


def load_dataset(name: str, *, verify: bool = True) -> Dataset:
    """Load a dataset from the cache: its manifest and track table (checked against their
    checksums when ``verify``); clips, playlists and start times are read when used.

    Raises
    ------
    DatasetError  when there is none of that name, or its files are missing or corrupted.
    """
    entry = dataset_entry(name)
    return read_current(entry, lambda folder: _load_version(name, entry, folder, verify))


def read_manifest_of(name: str, *, verify: bool = False) -> tuple[Path, dict]:
    """``(version folder, manifest)`` of dataset ``name``'s current version."""
    entry = dataset_entry(name)

    def load(folder):
        if folder is None:
            raise _missing(name)
        return folder, read_manifest(folder, verify=verify)

    return read_current(entry, load)


def read_summary(name: str) -> dict:
    """Counts of dataset ``name`` (``songsim info``, ``list``) from its manifest alone."""
    _, manifest = read_manifest_of(name)
    _check_layout(manifest, name)
    return {**manifest["summary"], "name": name}


def _missing(name: str) -> DatasetError:
    have = ", ".join(list_datasets()) or "none"
    return DatasetError(f"no dataset named '{name}' in the cache (available: {have})")


def _check_layout(manifest: dict, name: str) -> None:
    if manifest.get("layout") != LAYOUT:
        raise DatasetError(
            f"dataset '{name}' was stored by an older songsim (all its clips in one file); "
            "ingest its folder again"
        )


def previous_tracks(entry: Path, kind: str, source: str, pkey: str):
    """``(tracks, info)`` of the current version of ``entry`` when it was made from the same
    folder, kind and audio parameters (an update starts from it); else None."""
    folder = current_version(entry)
    if folder is None:
        return None
    try:
        manifest = read_manifest(folder, verify=("tracks.parquet",))
        info = manifest.get("info", {})
        if (manifest.get("params_key"), info.get("kind"), info.get("sources")) != (
            pkey,
            kind,
            [source],
        ):
            return None
        return pd.read_parquet(folder / "tracks.parquet"), info
    except (DatasetError, OSError, ValueError, KeyError):
        return None  # damaged: start afresh (the shards' contents are still reused)


def shard_clips(entry: Path, tracks: pd.DataFrame, shards: dict, params: AudioParams) -> ShardClips:
    """The clips of ``tracks`` (their ``shard``, ``offset``, ``n_clips``) in the shards of
    ``entry`` (``shards``: name → SHA-256)."""
    counts = tracks["n_clips"].to_numpy()
    position = {s: i for i, s in enumerate(shards)}
    track_shard = tracks["shard"].map(position).to_numpy()
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    within = np.arange(int(counts.sum())) - np.repeat(first, counts)
    return ShardClips(
        shards_folder(entry),
        shards,
        np.repeat(track_shard, counts),
        np.repeat(tracks["offset"].to_numpy(), counts) + within,
        params.shape,
    )


def _load_version(name: str, entry: Path, folder: Path | None, verify: bool) -> Dataset:
    if folder is None:
        raise _missing(name)
    # the track table is checked now; playlists and start times when they are first read
    manifest = read_manifest(folder, verify=("tracks.parquet",) if verify else False)
    _check_layout(manifest, name)
    sums = manifest.get("checksums", {})
    try:
        tracks = pd.read_parquet(folder / "tracks.parquet")
        params = AudioParams.from_dict(manifest["params"])
        clips = shard_clips(entry, tracks, manifest["shards"], params)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"dataset '{name}': cannot load it ({exc})") from None

    def checked(file: str) -> Path:
        if verify:
            verify_file(folder / file, sums.get(file))
        return folder / file

    def playlists():
        return _with_playlist_names(pd.read_parquet(checked("playlists.parquet")))

    def clip_start():
        return np.load(checked("clip_start.npy"), allow_pickle=False)

    stored = {k: manifest[k] for k in ("fingerprint", "audio_fingerprint", "summary")}
    return Dataset(
        name,
        tracks,
        clips,
        playlists,
        params,
        manifest.get("info", {}),
        clip_start=clip_start,
        stored=stored,
    )


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


def _with_playlist_names(playlists: pd.DataFrame) -> pd.DataFrame:
    """Tables stored before playlists had names get an empty ``playlist_name`` column."""
    return playlists if "playlist_name" in playlists else playlists.assign(playlist_name="")
