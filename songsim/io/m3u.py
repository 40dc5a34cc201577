"""M3U / M3U8 playlists as media players write them, and the entry normalisation that lets their
paths match an ingested library."""

from __future__ import annotations

import posixpath
import re
import urllib.parse

import pandas as pd

from ..errors import PlaylistFormatError
from ..limits import check_lines
from .table import TableBuilder, decode_text


def read_m3u(
    data: bytes, label: str, *, playlist_id: str = "playlist", utf8: bool = True
) -> pd.DataFrame:
    """M3U / M3U8: one entry per non-comment line; ``#EXTINF:secs,Artist - Title`` and
    ``#PLAYLIST:name`` kept.

    ``track_id`` is the entry as a normalised path (:func:`normalise_entry`), or the URL itself for
    a remote stream (never matched); :func:`songsim.data.matching.match_tracks` matches paths to
    ingested audio by relative path, then by unique file name. ``.m3u`` files that are not UTF-8
    are read as cp1252 (Windows players write them so); line ends may be LF, CRLF or CR.
    """
    text = decode_text(data, label, PlaylistFormatError, fallback=None if utf8 else "cp1252")
    check_lines(text, label, PlaylistFormatError)
    table, pending, name = TableBuilder(label, PlaylistFormatError), ("", ""), ""
    for found in _LINE.finditer(text):  # one line at a time: no list of every line
        line = found.group().strip()
        if not line:
            continue
        if line.startswith("#EXTINF:"):
            info = line.split(",", 1)[1].strip() if "," in line else ""
            artist, _, title = info.rpartition(" - ")
            pending = (title.strip(), artist.strip())
            continue
        if line.startswith("#PLAYLIST:"):
            name = line[len("#PLAYLIST:") :].strip()
            continue
        if line.startswith("#"):
            continue
        table.add(playlist_id, normalise_entry(line), len(table), *pending)
        pending = ("", "")
    return table.frame({playlist_id: name} if name else None)


_LINE = re.compile(r"[^\r\n]+")
_DRIVE = re.compile(r"^/?[A-Za-z]:(?=/|$)")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def normalise_entry(entry: str) -> str:
    """A playlist line as a comparable path.

    ``file:///home/u/My%20Song.mp3`` → ``/home/u/My Song.mp3``; ``file://localhost/…`` and
    ``file:///C:/…`` likewise; percent-encoded relative paths are decoded; ``C:\\Music\\a.mp3`` →
    ``/Music/a.mp3`` (backslashes to ``/``, drive letter dropped); ``a/./b/../c`` → ``a/c``.
    URLs of other schemes (``http://…``) are returned unchanged.
    """
    entry = entry.strip()
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]+)://", entry)
    if scheme and scheme.group(1).lower() != "file":
        return entry
    if scheme:
        rest = entry[len(scheme.group(0)) :]
        host, slash, path = rest.partition("/")
        path = urllib.parse.unquote(slash + path if host in ("", "localhost") else "//" + rest)
    else:
        path = urllib.parse.unquote(entry) if _PERCENT.search(entry) else entry
    path = _DRIVE.sub("", path.replace("\\", "/"))
    if not path:
        return entry
    norm = posixpath.normpath(path)
    return norm[1:] if norm.startswith("//") else norm
