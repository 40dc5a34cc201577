"""Similar songs: nearest neighbours by cosine similarity, playlists grown from a seed, and safe
CSV / M3U8 export."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from ..errors import SongsimError


def normalize_rows(X: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Rows of ``X [shape=(n, d)]`` scaled to unit length (zero rows stay zero), as ``dtype``."""
    X = np.asarray(X, dtype=dtype)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1)


def cosine_similarity_matrix(X: np.ndarray) -> np.ndarray:
    """``(n, n)`` cosine similarities of the rows of ``X [shape=(n, d)]``."""
    Xn = normalize_rows(X)
    return Xn @ Xn.T


def nearest(
    X: np.ndarray,
    query: int,
    *,
    n: int = 10,
    songs: np.ndarray | None = None,
    index=None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, similarities)`` of the ``n`` rows most cosine-similar to row ``query``.

    ``songs [shape=(n_rows,)]`` folds duplicates: rows of the query's song are left out and each
    other song appears once (its first row found); without it only ``query`` is left out.
    ``index`` (a :class:`~songsim.analysis.index.VectorIndex` of ``X``) searches instead of
    multiplying by every row."""
    from .index import VectorIndex

    if not 0 <= query < len(X):
        raise SongsimError(f"track index {query} out of range")
    index = index or VectorIndex(X, exact=True)
    songs = np.arange(len(X)) if songs is None else np.asarray(songs)
    n = min(n, len(np.unique(songs)) - 1)
    k = n + 1
    while True:
        rows, sims = index.search(X[query], k)
        keep, seen = [], {int(songs[query])}
        for i in range(len(rows)):
            song = int(songs[rows[i]])
            if song not in seen:
                seen.add(song)
                keep.append(i)
            if len(keep) == n:
                break
        if len(keep) >= n or k >= len(X):
            keep = np.asarray(keep, dtype=np.int64)
            return rows[keep], sims[keep]
        k = min(len(X), 2 * k + 10)


def grow_playlist(
    X: np.ndarray,
    start: int,
    *,
    length: int = 10,
    context: int = 3,
    songs: np.ndarray | None = None,
    index=None,
) -> list[int]:
    """A playlist from track ``start``: each next track is the one nearest (cosine) to the mean of
    the last ``context`` tracks' unit vectors among the songs not in it yet (``songs`` folds
    duplicates, as in :func:`nearest`)."""
    from .index import VectorIndex, unit_rows

    index = index or VectorIndex(X, exact=True)
    songs = np.arange(len(X)) if songs is None else np.asarray(songs)
    length = min(length, len(np.unique(songs)))
    order, used = [start], {int(songs[start])}
    while len(order) < length:
        target = unit_rows(X[order[-context:]]).mean(axis=0)
        k = len(order) + 10
        while True:
            rows, _ = index.search(target, k)
            nxt = next((int(r) for r in rows if int(songs[r]) not in used), None)
            if nxt is not None or k >= len(X):
                break
            k = min(len(X), 2 * k)
        if nxt is None:
            break
        order.append(nxt)
        used.add(int(songs[nxt]))
    return order


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell) -> str:
    """Make a cell safe for spreadsheets: text starting with = + - @ tab or CR gets a leading '."""
    text = "" if cell is None or (isinstance(cell, float) and np.isnan(cell)) else str(cell)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(table: pd.DataFrame) -> str:
    """CSV text of ``table`` with every cell neutralised against formula injection."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([neutralise(c) for c in table.columns])
    for row in table.itertuples(index=False):
        w.writerow([neutralise(c) for c in row])
    return buf.getvalue()


def to_m3u8(table: pd.DataFrame, *, name: str = "songsim playlist") -> str:
    """Extended M3U (UTF-8) of ``table`` rows (``track_id``, ``title``, ``artist``, optional ``duration``).

    Neutralised like :func:`to_csv` for a spreadsheet that opens it (one line a row, split at
    commas): the text after ``#EXTINF:secs,`` gets a leading ' when it starts a formula, and a
    path that would start one is written as ``./path`` (the same file to a player).
    """
    clean = lambda s: " ".join(str(s).split())  # noqa: E731 — no line breaks inside an entry
    lines = ["#EXTM3U", f"#PLAYLIST:{clean(name)}"]
    for row in table.itertuples(index=False):
        secs = int(round(getattr(row, "duration", -1) or -1))
        lines.append(f"#EXTINF:{secs},{neutralise(f'{clean(row.artist)} - {clean(row.title)}')}")
        path = clean(row.track_id)
        lines.append("./" + path if path.startswith(FORMULA_START) else path)
    return "\n".join(lines) + "\n"
