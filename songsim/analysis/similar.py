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


def nearest(X: np.ndarray, query: int, *, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, similarities)`` of the ``n`` rows most cosine-similar to row ``query`` (itself excluded)."""
    if not 0 <= query < len(X):
        raise SongsimError(f"track index {query} out of range")
    Xn = normalize_rows(X)
    sim = Xn @ Xn[query]
    sim[query] = -np.inf
    n = min(n, len(X) - 1)
    idx = np.argsort(-sim, kind="stable")[:n]
    return idx, sim[idx]


def grow_playlist(X: np.ndarray, start: int, *, length: int = 10, context: int = 3) -> list[int]:
    """A playlist from track ``start``: each next track is the unused one nearest (cosine) to the
    mean of the last ``context`` tracks' unit vectors."""
    Xn = normalize_rows(X)
    order, used = [start], np.zeros(len(X), dtype=bool)
    used[start] = True
    while len(order) < min(length, len(X)):
        target = Xn[order[-context:]].mean(axis=0)
        sim = Xn @ target
        sim[used] = -np.inf
        nxt = int(np.argmax(sim))
        order.append(nxt)
        used[nxt] = True
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
