"""Nearest neighbours by cosine similarity: exact for small sets, an HNSW graph for a library.

:class:`VectorIndex` answers "which rows are most cosine-similar to this vector". Below
:data:`EXACT_BELOW` rows it multiplies (NumPy, float32: as fast as any index there and exact);
from there on it searches an HNSW graph built by `usearch <https://github.com/unum-cloud/usearch>`_
with vectors as float16. ``bench/bench_index.py`` chose it on 96,932 real 128-d vectors
(docs/BENCHMARKS.md): at 64 candidates usearch, faiss, hnswlib and Voyager all find the ten nearest
(recall@10 0.998–1.000, ties counted) in 0.06–0.22 ms, far below any need; usearch alone both
removes entries (an updated library) and opens its file memory-mapped — a cold process answers
one query in 0.08 s at 68 MB, the others load the whole index (98–102 MB) — and float16 keeps its
recall at 60 % of the float32 size. The graph is saved beside the vectors.

Rows are identified by 63-bit keys (a track's clips hash, so copies of one recording share one
entry and a moved file keeps its key): an updated library changes the index by removing and
adding keys (:func:`update_graph`), not by building it again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: Rows below which search is exact: under 2 ms a query there (6.7 ms at 97,000 × 128), with
#: nothing to build or keep.
EXACT_BELOW = 20_000
#: HNSW parameters: links per node, candidates while building and while searching.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 64


def unit_rows(X: np.ndarray) -> np.ndarray:
    """Rows of ``X`` scaled to unit length (zero rows stay zero), float32."""
    X = np.asarray(X, dtype=np.float32)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1)


def content_keys(hashes) -> np.ndarray:
    """63-bit integer keys ``(n,)`` uint64 of hex content hashes."""
    return np.array([int(h[:16], 16) >> 1 for h in hashes], dtype=np.uint64)


class VectorIndex:
    """Cosine nearest neighbours over the rows of ``X [shape=(n, d)]``.

    Parameters
    ----------
    X : the vectors (any scale: they are compared by direction)
    keys : np.ndarray [shape=(n,)] uint64, one per row (rows with one key are one entry)
    exact : search by multiplying (default: below :data:`EXACT_BELOW` rows)
    graph : a built usearch index over ``keys`` to use (see :meth:`load`)
    """

    def __init__(self, X: np.ndarray, keys: np.ndarray | None = None, *, exact=None, graph=None):
        self.X = unit_rows(X)
        self.keys = (
            np.arange(len(X), dtype=np.uint64) if keys is None else np.asarray(keys, np.uint64)
        )
        self.exact = len(X) < EXACT_BELOW if exact is None else exact
        self._graph = graph
        self._rows_of = None

    @property
    def graph(self):
        """The HNSW graph (built on first use when there is none)."""
        if self._graph is None and not self.exact:
            self._graph = build_graph(self.X, self.keys)
        return self._graph

    def _rows(self) -> dict:
        """Key → rows holding it."""
        if self._rows_of is None:
            order = np.argsort(self.keys, kind="stable")
            bounds = np.flatnonzero(np.diff(self.keys[order])) + 1
            groups = np.split(order, bounds)
            self._rows_of = {int(self.keys[g[0]]): g for g in groups if len(g)}
        return self._rows_of

    def search(
        self, q: np.ndarray, k: int, *, one_per_key: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, similarities)`` of the rows most similar to ``q [shape=(d,)]``, best first:
        at least ``k`` rows when there are (every copy of a found key, or with ``one_per_key``
        only its first row: for a caller that folds copies into one song anyway)."""
        q = unit_rows(np.asarray(q, dtype=np.float32)[None, :])[0]
        if self.exact:
            sims = self.X @ q
            k = min(k, len(sims))
            top = np.argpartition(-sims, k - 1)[:k] if k < len(sims) else np.arange(len(sims))
            top = top[np.argsort(-sims[top], kind="stable")]
            return top, sims[top]
        found = self.graph.search(q, min(k, len(self.graph)), threads=1)
        rows_of = self._rows()
        take = 1 if one_per_key else None
        rows = [rows_of[int(key)][:take] for key in found.keys if int(key) in rows_of]
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        return rows, self.X[rows] @ q

    def save(self, path: Path) -> None:
        """Write the graph (nothing for an exact index) to ``path``."""
        if not self.exact:
            self.graph.save(str(path))

    @classmethod
    def load(cls, X: np.ndarray, keys: np.ndarray, path: Path) -> VectorIndex:
        """The index of ``X`` with the graph saved at ``path`` opened memory-mapped (built when
        there is none, or exact when ``X`` is small)."""
        index = cls(X, keys)
        if not index.exact and Path(path).is_file():
            from usearch.index import Index

            graph = Index.restore(str(path), view=True)
            if graph is not None and len(graph) == len(np.unique(keys)):
                graph.expansion_search = EXPANSION_SEARCH
                index._graph = graph
        return index


def update_graph(graph, X: np.ndarray, keys: np.ndarray):
    """``graph`` (a usearch index, loaded in full) changed to hold the unit rows ``X`` under
    ``keys``: keys that are gone removed, new ones added (for vectors that stay the same while the
    library changes: a model's, not a dataset-standardised kind's)."""
    keys = np.asarray(keys, np.uint64)
    old = np.asarray(graph.keys, dtype=np.uint64)
    gone = np.setdiff1d(old, keys)
    if len(gone):
        graph.remove(gone, compact=True)
    fresh, first = np.unique(keys, return_index=True)
    new = ~np.isin(fresh, old)
    if new.any():
        graph.add(fresh[new], np.ascontiguousarray(X[first[new]]), threads=2)
    return graph


def build_graph(X: np.ndarray, keys: np.ndarray):
    """A usearch HNSW graph (float16) of the unit rows ``X`` under ``keys`` (one entry per key)."""
    from usearch.index import Index

    graph = Index(
        ndim=X.shape[1],
        metric="cos",
        dtype="f16",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )
    keys = np.asarray(keys, np.uint64)
    unique, first = np.unique(keys, return_index=True)
    graph.add(unique, np.ascontiguousarray(X[first]), threads=2)
    return graph
