"""Song paths: a sequence of songs that starts at one song, ends at another and moves steadily
from the first to the second.

:func:`line_path` (the one songsim serves) walks the straight line between the two songs' unit
vectors: at each of ``length - 2`` evenly spaced points (scaled back to unit length) it takes,
among the :data:`CANDIDATES` songs not used yet nearest the point, the one whose similarity to the
point plus ``smooth`` × its similarity to the song before is highest. :func:`knn_path` is the
other classic answer, a shortest path in the k-nearest-neighbour graph (cosine distance).

``bench/bench_paths.py`` compares them on real music (docs/BENCHMARKS.md, 300 pairs of songs of
two soundtracks): the kNN path is the steadiest (its distance to the end never rises) but has as
many songs as the graph decides (2–8, median 4, for 12 asked), so it cannot be a playlist of the
length asked; the line gives the length asked, its distance to the end falls with a Spearman
correlation of −0.87, and ``smooth`` = 0.5 cuts its largest step between neighbouring songs from
0.54 to 0.40 (mean 0.31 → 0.23, below the kNN path's 0.26). So the line, smoothed, is served.
"""

from __future__ import annotations

import numpy as np

from ..errors import SongsimError

#: Songs nearest each point of the line among which the path's next song is chosen.
CANDIDATES = 20
#: Weight of the nearness to the song before, against the nearness to the point.
SMOOTH = 0.5


def line_path(
    X: np.ndarray,
    start: int,
    end: int,
    *,
    length: int = 12,
    songs: np.ndarray | None = None,
    index=None,
    allowed: np.ndarray | None = None,
    smooth: float = SMOOTH,
) -> list[int]:
    """Rows of a path of ``length`` songs from row ``start`` to row ``end`` of ``X [shape=(n,
    d)]`` (module docstring; ``smooth`` 0: each point's nearest song). ``songs [shape=(n,)]`` folds copies of one recording (a song appears
    once, the ends' songs only at the ends); ``allowed [shape=(n,)] bool`` leaves other rows out;
    ``index`` is a :class:`~songsim.analysis.index.VectorIndex` of ``X``. Shorter when fewer songs
    are left."""
    from .index import VectorIndex, unit_rows

    n = len(X)
    if not (0 <= start < n and 0 <= end < n):
        raise SongsimError("a path's ends must be tracks of the dataset")
    folded = songs is not None
    songs = np.arange(n) if songs is None else np.asarray(songs)
    if songs[start] == songs[end]:
        raise SongsimError("a path needs two different songs")
    if length < 2:
        raise SongsimError("a path has at least its two ends")
    index = index or VectorIndex(X, exact=True)
    a, b = unit_rows(np.asarray(X)[[start, end]])
    used = np.zeros(n, dtype=bool)  # by song (a song is the row of its first track)
    used[[songs[start], songs[end]]] = True
    path = [start]
    for t in np.linspace(0.0, 1.0, length)[1:-1]:
        target = unit_rows(((1 - t) * a + t * b)[None, :])[0]
        rows = _nearest_unused(index, target, songs, used, len(path) + 1, allowed, folded)
        if not len(rows):
            break
        score = index.X[rows] @ target + smooth * (index.X[rows] @ index.X[path[-1]])
        row = int(rows[int(np.argmax(score))])
        path.append(row)
        used[songs[row]] = True
    return [*path, end]


def _nearest_unused(index, target, songs, used, n_used, allowed, folded) -> np.ndarray:
    """Up to :data:`CANDIDATES` rows nearest ``target``, one per song, of songs not ``used``
    (``used [shape=(n,)] bool`` by song)."""
    from .similar import first_of_each

    k = 3 * (n_used + CANDIDATES)  # room for the copies of a song and the songs used
    while True:
        rows, _ = index.search(target, k, one_per_key=folded)
        if allowed is not None:
            rows = rows[allowed[rows]]
        rows = rows[first_of_each(songs[rows])]  # one row per song, the nearest found
        rows = rows[~used[songs[rows]]]
        if len(rows) >= CANDIDATES or k >= len(songs):
            return rows[:CANDIDATES].astype(np.int64)
        k = min(len(songs), 2 * k)


def knn_path(X: np.ndarray, start: int, end: int, *, k: int = 10) -> list[int]:
    """Rows of the shortest path from ``start`` to ``end`` in the graph linking each row of ``X``
    to its ``k`` nearest (cosine distance as the edge length; exact neighbours: for a bench of a
    few thousand rows). Empty when the two are not connected."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from .index import unit_rows

    U = unit_rows(X)
    sims = U @ U.T
    np.fill_diagonal(sims, -np.inf)
    k = min(k, len(X) - 1)
    nbrs = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(len(X)), k)
    dist = np.maximum(1.0 - sims[rows, nbrs.ravel()], 1e-9)
    graph = csr_matrix((dist, (rows, nbrs.ravel())), shape=(len(X), len(X)))
    _, pred = dijkstra(graph, directed=False, indices=start, return_predecessors=True)
    if pred[end] < 0 and end != start:
        return []
    path = [end]
    while path[-1] != start:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def path_distances(X: np.ndarray, path: list[int]) -> np.ndarray:
    """Cosine distance (1 − cosine similarity) of each song of ``path`` to its last song."""
    from .index import unit_rows

    U = unit_rows(np.asarray(X)[path])
    return 1.0 - U @ U[-1]
