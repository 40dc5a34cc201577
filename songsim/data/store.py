"""Datasets on disk: each under ``<cache>/datasets/<name>/`` as an atomically swapped version
folder (:mod:`songsim.storage`) of open files:

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

import platform
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from ..config import AudioParams, cache_dir
from ..errors import DatasetError
from ..storage import (
    check_name,
    list_entries,
    new_version,
    read_current,
    read_manifest,
    write_manifest,
)
from .datasets import TRACK_COLUMNS, Dataset


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


def _with_playlist_names(playlists: pd.DataFrame) -> pd.DataFrame:
    """Tables stored before playlists had names get an empty ``playlist_name`` column."""
    return playlists if "playlist_name" in playlists else playlists.assign(playlist_name="")
