"""Playlists written for other programs: a CSV that songsim's own upload (and a spreadsheet)
reads back, and an extended M3U8 whose paths a media player resolves.

Both are neutralised against formula injection for a spreadsheet that opens them: a cell (or
an ``#EXTINF`` title) starting with ``= + - @``, tab, CR or ``'`` itself gets a leading ``'``,
which songsim's reader of its own CSV takes off again (:func:`unquote`), so every id comes back
as it was. An M3U8 path that a player would not read as a path — starting with ``#`` (a comment),
a space (trimmed) or a formula character — is written ``./path``: the same file to a player.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What a neutralised cell starts with: a formula character, or the quote itself.
QUOTED_START = (*FORMULA_START, "'")
#: M3U8 paths starting with these are written ``./path``.
PLAYER_UNSAFE_START = (*FORMULA_START, "#", " ")
#: The columns of an exported playlist CSV, in order: what :func:`songsim.io.playlists` reads.
PLAYLIST_CSV_COLUMNS = ("playlist_id", "playlist_name", "position", "track_id", "title", "artist")


def neutralise(cell) -> str:
    """Make a cell safe for spreadsheets: text starting with = + - @ tab, CR or ' gets a leading
    ' (so that :func:`unquote` undoes exactly this)."""
    text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
    return "'" + text if text.startswith(QUOTED_START) else text


def unquote(cell: str) -> str:
    """The text :func:`neutralise` was given."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(QUOTED_START) else cell


def _number(cell) -> bool:
    """A number is written as a number: a spreadsheet never reads one as a formula."""
    import numbers

    return isinstance(cell, numbers.Number) and not isinstance(cell, bool)


def to_csv(table: pd.DataFrame) -> str:
    """CSV text of ``table`` with every cell neutralised against formula injection."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([neutralise(c) for c in table.columns])
    for row in table.itertuples(index=False):
        w.writerow([("" if c != c else c) if _number(c) else neutralise(c) for c in row])
    return buf.getvalue()


def playlist_csv(table: pd.DataFrame, *, name: str, playlist_id: str = "songsim") -> str:
    """One playlist as CSV that uploads back as that playlist: :data:`PLAYLIST_CSV_COLUMNS`,
    then ``table``'s ``label``, ``duration`` (s) and measures (``BPM``, ``Camelot``: tempo and
    key, :mod:`songsim.describing`) when it has them.

    ``table`` rows are the songs in order, with ``track_id``, ``title`` and ``artist``.
    """
    out = pd.DataFrame(
        {
            "playlist_id": playlist_id,
            "playlist_name": " ".join(str(name).split()),
            "position": np.arange(len(table)),
            "track_id": table["track_id"].to_numpy(),
            "title": table["title"].to_numpy(),
            "artist": table["artist"].to_numpy(),
        }
    )
    for extra in ("label", "duration", "BPM", "Camelot"):
        if extra in table:
            out[extra] = table[extra].to_numpy()
    return to_csv(out)


def to_m3u8(
    table: pd.DataFrame, *, name: str = "songsim playlist", paths: list[str] | None = None
) -> str:
    """Extended M3U (UTF-8) of ``table`` rows (``track_id``, ``title``, ``artist``, optional
    ``duration`` in seconds): ``#EXTINF:secs,Artist - Title`` then the entry's path.

    ``paths`` (one a row) are what a player opens (:meth:`songsim.data.datasets.Dataset.player_path`);
    by default each row's ``track_id``. A path that would start a formula is written ``./path``
    (the same file to a player); no entry holds a line break.
    """
    clean = lambda s: " ".join(str(s).split())  # noqa: E731 — no line breaks inside an entry
    paths = table["track_id"].astype(str).tolist() if paths is None else list(paths)
    if len(paths) != len(table):
        raise ValueError(f"{len(paths)} paths for {len(table)} rows")
    lines = ["#EXTM3U", f"#PLAYLIST:{clean(name)}"]
    for row, path in zip(table.itertuples(index=False), paths):
        secs = getattr(row, "duration", None)
        secs = -1 if secs is None or not np.isfinite(secs) or secs <= 0 else int(round(secs))
        lines.append(f"#EXTINF:{secs},{neutralise(f'{clean(row.artist)} - {clean(row.title)}')}")
        path = str(path).replace("\r", "").replace("\n", "")
        lines.append("./" + path if path.startswith(PLAYER_UNSAFE_START) else path)
    return "\n".join(lines) + "\n"
