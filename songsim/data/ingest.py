"""What an ingest reads besides the clips: playlist files and folders of them (the folder of
audio or spectrograms itself is :mod:`songsim.data.library`'s)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import SongsimError
from ..io.playlists import PLAYLIST_SUFFIXES, read_playlists
from ..io.scan import scan_folder
from ..io.table import concat_playlists
from ..progress import Callback, track


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


def folder_playlists(root: Path, *, within=None) -> list[Path]:
    """The M3U/M3U8 playlists found below an audio folder (sorted): a music library's own
    playlists, read by every ingest of that folder (CLI and dashboard alike; ``within``: the
    rule for links of :func:`~songsim.io.scan.scan_folder`)."""
    return scan_folder(Path(root), (".m3u", ".m3u8"), hidden=False, within=within).files


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
