"""Playlist files → one tidy table.

Every reader returns a :class:`pandas.DataFrame` with the columns of :data:`COLUMNS`:
``playlist_id`` (str), ``track_id`` (str, as written in the file, or a normalised local path for
M3U), ``position`` (int, 0-based within the playlist), ``title`` and ``artist`` (str, empty when
the file has none) and ``playlist_name`` (str, empty when the file names no playlist).

The text columns are held as integer codes (see :mod:`songsim.io.table`).

Formats, chosen by :func:`read_playlists` from the file name and content:

* plain CSV with a ``playlist_id,track_id`` header (more columns allowed: ``position``, ``title``,
  ``artist``, ``playlist_name``), or DEEJ-A.I.'s header-less rows ``playlist_id,track_id,track_id,…``
  (``,`` or, in its older files, ``;`` between fields);
* Spotify Million Playlist Dataset JSON slices (``.json``, ``.json.gz``, ``.zip``), the challenge
  set included (no ``info``, playlists without a name or tracks), read as a stream
  (:mod:`songsim.io.mpd`);
* Exportify CSV, every header version (:data:`EXPORTIFY_ID_COLUMNS`; one playlist per file, id =
  file name);
* M3U / M3U8 as players write them (one playlist per file, id = file name; ``#EXTINF`` titles and
  ``#PLAYLIST:`` names kept; ``file://`` URIs, percent-encoding, Windows paths normalised).

A CSV whose header no reader recognises is an error that names the columns it saw.

A file that cannot be read raises :class:`~songsim.errors.PlaylistFormatError` with one line
naming the file and the line or field.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pandas as pd

from ..errors import PlaylistFormatError, SongsimError
from ..limits import read_file
from .table import COLUMNS, TableBuilder, spotify_id, text_lines

PLAYLIST_SUFFIXES = (".csv", ".json", ".gz", ".zip", ".m3u", ".m3u8")

#: Exportify's track column, by header version: the original ``Spotify URI``; ``Track URI`` (with
#: ``Artist Name`` or ``Artist Name(s)``); the fork's ``Spotify ID`` and ``Track ID`` (bare ids).
EXPORTIFY_ID_COLUMNS = ("track uri", "spotify uri", "spotify id", "track id")
EXPORTIFY_TITLE_COLUMNS = ("track name", "name", "title")
EXPORTIFY_ARTIST_COLUMNS = ("artist name(s)", "artist name", "artist names", "artists", "artist")
#: Column names that mark a first row as a header (so it is never read as DEEJ-A.I. data).
HEADER_WORDS = frozenset(
    {
        "name",
        "title",
        "artist",
        "artists",
        "album",
        "album name",
        "uri",
        "id",
        "track",
        "track name",
        "song",
        "artist name",
        "artist name(s)",
        "artist uri(s)",
        "album uri",
        "duration",
        "added at",
        "added by",
        "isrc",
        "playlist",
        "playlist name",
        "playlist id",
        "genres",
        "popularity",
        "position",
        "file",
        "path",
        "location",
        "explicit",
        "release date",
        "spotify_id",
        "uri(s)",
        "track_uri",
        "url",
    }
)


def read_playlists(
    path: Path | str, data: bytes | None = None, *, name: str | None = None
) -> pd.DataFrame:
    """Read any supported playlist file.

    Parameters
    ----------
    path : path of the file (its name picks the format; read from disk unless ``data`` is given)
    data : the file's bytes, e.g. from an upload (then ``path`` is only used for its name)
    name : how the file is named in error messages (default: ``path``)

    This is the one boundary between other people's files and songsim: whatever goes wrong in
    reading (a limit of :mod:`songsim.limits`, a malformed field, an integer out of range) is a
    :class:`~songsim.errors.PlaylistFormatError` of one line naming the file.
    """
    path = Path(path)
    label = " ".join((name or str(path)).split())
    if data is None:
        data = read_file(path, label, PlaylistFormatError)
    try:
        return _read(path.suffix.lower(), path.stem, data, label)
    except SongsimError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise PlaylistFormatError(f"{label}: cannot read playlists ({reason})") from None


def _read(suffix: str, stem: str, data: bytes, label: str) -> pd.DataFrame:
    if suffix in (".m3u", ".m3u8"):
        from .m3u import read_m3u

        return read_m3u(data, label, playlist_id=stem, utf8=suffix == ".m3u8")
    if suffix in (".zip", ".gz", ".json"):
        from .mpd import CHUNK, gzip_chunks, read_mpd_stream, zip_members

        if suffix == ".zip":
            return read_mpd_stream(zip_members(data, label), label, packed=len(data))
        if suffix == ".gz":
            return read_mpd_stream(iter([gzip_chunks(data, label)]), label, packed=len(data))
        chunks = (data[i : i + CHUNK] for i in range(0, len(data), CHUNK))
        return read_mpd_stream(iter([chunks]), label, packed=None)
    if suffix == ".csv":
        return read_csv_playlists(data, label, playlist_id=stem)
    raise PlaylistFormatError(
        f"{label}: unknown playlist format '{suffix or stem}' "
        f"(expected one of {', '.join(PLAYLIST_SUFFIXES)})"
    )


# -- CSV ---------------------------------------------------------------------------------------


def read_csv_playlists(data: bytes, label: str, *, playlist_id: str = "playlist") -> pd.DataFrame:
    """Plain ``playlist_id,track_id`` CSV, Exportify CSV, or DEEJ-A.I. rows (see module doc)."""
    first = next(
        (line for line in text_lines(data, label, PlaylistFormatError) if line.strip()), ""
    )
    delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(text_lines(data, label, PlaylistFormatError), delimiter=delimiter)
    rows = ((n, r) for n, r in enumerate(_csv_rows(reader, label), start=1) if _filled(r))
    try:
        line, row = next(rows)
    except StopIteration:
        raise PlaylistFormatError(f"{label}: file is empty") from None
    header = [c.strip() for c in row]
    lower = [c.lower() for c in header]
    if any(c in EXPORTIFY_ID_COLUMNS for c in lower):
        return _read_exportify(header, rows, label, playlist_id)
    if "playlist_id" in lower or "track_id" in lower:
        return _read_plain(lower, rows, label)
    if any(c in HEADER_WORDS or "(ms)" in c for c in lower):
        shown = ", ".join(repr(c[:40]) for c in header[:12]) + (", …" if len(header) > 12 else "")
        raise PlaylistFormatError(
            f"{label}: line 1: header not recognised (columns {shown}); expected 'playlist_id,track_id', "
            f"an Exportify header with one of {', '.join(repr(c) for c in EXPORTIFY_ID_COLUMNS)}, or header-less "
            "DEEJ-A.I. rows"
        )
    return _read_rows(itertools.chain([(line, row)], rows), label)


def _csv_rows(reader, label: str):
    try:
        yield from reader
    except csv.Error as exc:
        raise PlaylistFormatError(f"{label}: malformed CSV ({exc})") from None


def _filled(row: list[str]) -> bool:
    return any(c.strip() for c in row)


def _read_plain(header: list[str], rows, label: str) -> pd.DataFrame:
    """A ``playlist_id,track_id`` CSV; songsim's own export (its header starts with
    :data:`~songsim.io.export.PLAYLIST_CSV_COLUMNS`) is read cell for cell as written, each
    cell's neutralising quote taken off (:func:`~songsim.io.export.unquote`)."""
    from .export import PLAYLIST_CSV_COLUMNS, unquote

    own = tuple(header[: len(PLAYLIST_CSV_COLUMNS)]) == PLAYLIST_CSV_COLUMNS
    cell = unquote if own else str.strip  # ids
    text = unquote if own else str  # titles and artists
    for col in ("playlist_id", "track_id"):
        if col not in header:
            raise PlaylistFormatError(
                f"{label}: line 1: missing column '{col}' (header is {','.join(header)[:200]})"
            )
    idx = {c: header.index(c) for c in COLUMNS if c in header}
    table, counters, names = TableBuilder(label, PlaylistFormatError), {}, {}
    for n, (_, row) in enumerate(rows, start=2):
        if len(row) != len(header):
            raise PlaylistFormatError(
                f"{label}: line {n}: {len(row)} fields, header has {len(header)}"
            )
        pid, tid = cell(row[idx["playlist_id"]]), cell(row[idx["track_id"]])
        if not pid or not tid:
            raise PlaylistFormatError(f"{label}: line {n}: empty playlist_id or track_id")
        pos = counters.get(pid, 0)
        if "position" in idx:
            try:
                pos = int(row[idx["position"]])
            except ValueError:
                raise PlaylistFormatError(
                    f"{label}: line {n}: position '{row[idx['position']][:40]}' is not an integer"
                ) from None
        counters[pid] = counters.get(pid, 0) + 1
        table.add(
            pid,
            tid,
            pos,
            text(row[idx["title"]]) if "title" in idx else "",
            text(row[idx["artist"]]) if "artist" in idx else "",
        )
        if "playlist_name" in idx and row[idx["playlist_name"]].strip():
            names.setdefault(pid, cell(row[idx["playlist_name"]]).strip())
    return table.frame(names)


def _read_rows(rows, label: str) -> pd.DataFrame:
    table = TableBuilder(label, PlaylistFormatError)
    for line, row in rows:
        cells = [c.strip() for c in row]
        if len(cells) < 2 or not cells[0] or not all(cells[1:]):
            raise PlaylistFormatError(
                f"{label}: line {line}: expected 'playlist_id,track_id[,track_id…]' or a 'playlist_id,track_id' header"
            )
        for pos, tid in enumerate(cells[1:]):
            table.add(cells[0], tid, pos)
    return table.frame()


def _read_exportify(header: list[str], rows, label: str, playlist_id: str) -> pd.DataFrame:
    lower = [c.lower() for c in header]
    uri_col = next(lower.index(c) for c in EXPORTIFY_ID_COLUMNS if c in lower)
    title_col = next((lower.index(c) for c in EXPORTIFY_TITLE_COLUMNS if c in lower), None)
    artist_col = next((lower.index(c) for c in EXPORTIFY_ARTIST_COLUMNS if c in lower), None)
    table = TableBuilder(label, PlaylistFormatError)
    for line, (_, row) in enumerate(rows, start=2):
        if len(row) <= uri_col:
            raise PlaylistFormatError(f"{label}: line {line}: no '{header[uri_col]}' field")
        tid = spotify_id(row[uri_col])
        if not tid:
            raise PlaylistFormatError(f"{label}: line {line}: empty '{header[uri_col]}'")
        title, artist = (
            row[c] if c is not None and c < len(row) else "" for c in (title_col, artist_col)
        )
        table.add(playlist_id, tid, len(table), title, artist)
    return table.frame()
