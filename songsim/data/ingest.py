"""Folders of audio or spectrogram PNGs, plus playlist files → a :class:`~songsim.data.datasets.Dataset`.

Files are decoded in parallel worker processes. A file that cannot be read is skipped and
listed in ``info["skipped_files"]`` with the reason; it never aborts the run.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import AudioParams
from ..errors import AudioFormatError, SongsimError
from ..io.audio import scan_audio
from ..io.playlists import PLAYLIST_SUFFIXES, read_playlists
from ..io.scan import scan_folder
from ..io.spectrograms import read_spectrogram_png, scan_spectrograms
from ..io.table import concat_playlists
from ..progress import Callback, track
from .datasets import TRACK_COLUMNS, Dataset
from .tracks import load_track


def default_jobs() -> int:
    """Worker processes for decoding: the usable CPU cores, at most 8."""
    return max(
        1,
        min(
            8,
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1,
        ),
    )


def _load_audio_or_reason(path: Path, root: Path, params: AudioParams, label_from_parent: bool):
    try:
        return load_track(path, root, params, label_from_parent=label_from_parent)
    except AudioFormatError as exc:
        return str(exc)


def ingest_audio(
    root: Path,
    *,
    params: AudioParams = AudioParams(),
    label_from_parent: bool = False,
    n_jobs: int | None = None,
    client=None,
    progress: Callback | None = None,
) -> tuple[list, list[dict]]:
    """Decode every audio file below ``root``: in ``n_jobs`` local processes, or one task per
    file on the Dask cluster of ``client`` (see :mod:`songsim.distributed`; the workers must see
    ``root`` at the same path). Either way the result is the same, in file order.

    Returns ``(tracks, skipped)``: the :class:`~songsim.data.tracks.AudioTrack` of each readable file
    and ``{"file", "reason"}`` for each skipped one.
    """
    from joblib import Parallel, delayed

    root = Path(root).resolve()  # worker processes may have another working folder
    if not root.is_dir():
        raise SongsimError(f"{root}: not a folder")
    scan = scan_audio(root)
    files = scan.files
    if not files:
        raise SongsimError(f"{root}: no audio files (.wav .flac .ogg .opus .mp3) found")
    n_jobs = n_jobs or default_jobs()
    if client is not None:
        futures = client.map(
            _load_audio_or_reason,
            files,
            root=root,
            params=params,
            label_from_parent=label_from_parent,
            pure=False,
        )
        results = (f.result() for f in futures)
    elif n_jobs > 1:
        jobs = (delayed(_load_audio_or_reason)(p, root, params, label_from_parent) for p in files)
        results = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=1)(jobs)
    else:
        results = (_load_audio_or_reason(p, root, params, label_from_parent) for p in files)
    tracks, skipped = [], list(scan.skipped)
    decoded = track(results, len(files), "decoding audio", progress)
    for path, result in zip(files, decoded, strict=True):  # strict: the bar reaches its end
        if isinstance(result, str):
            skipped.append({"file": path.relative_to(root).as_posix(), "reason": result})
        else:
            tracks.append(result)
    return tracks, skipped


def dataset_from_tracks(
    name: str, tracks: list, playlists: pd.DataFrame | None, *, params: AudioParams, info: dict
) -> Dataset:
    """Assemble a Dataset from ingested tracks (objects with track_id, title, artist, label,
    duration, starts and clips) and a playlist table, matching entries to tracks."""
    table = pd.DataFrame(
        [{c: getattr(t, c) for c in TRACK_COLUMNS} for t in tracks], columns=TRACK_COLUMNS
    )
    return Dataset.assemble(
        name,
        table,
        [t.clips for t in tracks],
        [t.starts for t in tracks],
        playlists,
        params=params,
        info=info,
    )


def playlist_files(paths: list[Path]) -> list[Path]:
    """``paths`` with every folder replaced by the playlist files below it (sorted; any of
    :data:`~songsim.io.playlists.PLAYLIST_SUFFIXES`, e.g. a Million Playlist Dataset's
    ``data/mpd.slice.*.json``)."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            found = scan_folder(p, PLAYLIST_SUFFIXES, hidden=False).files
            if not found:
                raise SongsimError(
                    f"{p}: no playlist files ({', '.join(PLAYLIST_SUFFIXES)}) in this folder"
                )
            out.extend(found)
        else:
            out.append(p)
    return out


def folder_playlists(root: Path) -> list[Path]:
    """The M3U/M3U8 playlists found below an audio folder (sorted): a music library's own
    playlists, read by every ingest of that folder (CLI and dashboard alike)."""
    return scan_folder(Path(root), (".m3u", ".m3u8"), hidden=False).files


def read_playlist_files(
    paths: list[Path], *, progress: Callback | None = None
) -> pd.DataFrame | None:
    """Read and concatenate playlist files and folders of them (:func:`playlist_files`);
    playlist ids from several files stay distinct (prefixed with the file's name)."""
    files = playlist_files(paths)
    if not files:
        return None
    chunks, frames = [], []
    for p in track(files, len(files), "playlist files", progress):
        df = read_playlists(p)
        if len(files) > 1:
            ids = df["playlist_id"].cat
            df["playlist_id"] = ids.rename_categories(p.name + ":" + ids.categories.astype(str))
        frames.append(df)
        if len(frames) == 64:  # join 64 files at a time, then the chunks once at the end
            chunks.append(concat_playlists(frames))
            frames = []
    return concat_playlists(chunks + frames, batch=max(64, len(chunks) + len(frames)))


class _PngTrack:
    def __init__(self, track_id: str, clips: np.ndarray, params: AudioParams):
        self.track_id, self.title, self.artist, self.label = track_id, track_id, "", None
        self.clips = clips
        self.duration = clips.shape[-1] * params.hop_length / params.sr
        self.starts = [0.0] * len(clips)


def ingest_spectrograms(
    root: Path,
    *,
    params: AudioParams = AudioParams(),
    label_from_parent: bool = False,
    progress: Callback | None = None,
) -> tuple[list, list[dict]]:
    """Read every ``<track_id>.png`` below ``root``; returns ``(tracks, skipped)`` like :func:`ingest_audio`."""
    root = Path(root)
    if not root.is_dir():
        raise SongsimError(f"{root}: not a folder")
    scan = scan_spectrograms(root)
    files = scan.files
    if not files:
        raise SongsimError(f"{root}: no .png spectrograms found")
    tracks, skipped = [], list(scan.skipped)
    for path in track(files, len(files), "reading spectrograms", progress):
        try:
            t = _PngTrack(path.stem, read_spectrogram_png(path, params), params)
        except AudioFormatError as exc:
            skipped.append({"file": path.relative_to(root).as_posix(), "reason": str(exc)})
            continue
        rel = path.relative_to(root)
        t.label = rel.parent.name if label_from_parent and rel.parent != Path(".") else None
        tracks.append(t)
    return tracks, skipped
