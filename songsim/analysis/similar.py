"""Similar songs: nearest neighbours by cosine similarity and playlists grown from a seed
(their files: :mod:`songsim.io.export`)."""

from __future__ import annotations

import numpy as np

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
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, similarities)`` of the ``n`` rows most cosine-similar to row ``query``.

    ``songs [shape=(n_rows,)]`` folds duplicates: rows of the query's song are left out and each
    other song appears once (its first row found); without it only ``query`` is left out.
    ``index`` (a :class:`~songsim.analysis.index.VectorIndex` of ``X``) searches instead of
    multiplying by every row. ``allowed [shape=(n_rows,)] bool`` leaves the other rows out (a
    music server's songs: only those it has)."""
    from .index import VectorIndex

    if not 0 <= query < len(X):
        raise SongsimError(f"track index {query} out of range")
    index = index or VectorIndex(X, exact=True)
    folded = songs is not None  # copies of one key are one song: one row of each is enough
    songs = np.arange(len(X)) if songs is None else np.asarray(songs)
    n = min(n, len(X) - 1)  # fewer when fewer songs are left: the search ends at every row
    k = n + 1
    while True:
        rows, sims = index.search(X[query], k, one_per_key=folded)
        keep = np.arange(len(rows)) if allowed is None else np.flatnonzero(allowed[rows])
        keep = keep[first_of_each(songs[rows[keep]])]  # one row per song, the nearest found
        keep = keep[songs[rows[keep]] != songs[query]]
        if len(keep) >= n or k >= len(X):
            keep = keep[:n]
            return rows[keep], sims[keep]
        k = min(len(X), 2 * k + 10)


def first_of_each(values: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct value of ``values``, in order."""
    _, first = np.unique(values, return_index=True)
    return np.sort(first)


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
