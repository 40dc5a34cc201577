"""Playlists → the song graph.

Songs are linked when they share playlists; an edge's weight is the number of playlists they
share. With ``B`` the binary playlist × song incidence matrix, the weights are the off-diagonal
entries of ``BᵀB``, computed as a sparse product in row blocks (only the upper triangle is kept,
so memory follows the number of edges, not the number of song pairs). The largest connected
component is kept.
"""
from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .errors import SongsimError

BLOCK_PRODUCTS = 20_000_000  # scalar products per block of the sparse product (bounds memory)


@dataclasses.dataclass
class SongGraph:
    """The song graph restricted to its largest connected component.

    Attributes
    ----------
    nodes : np.ndarray [shape=(n,)] int       row in the dataset's track table of each node
    adjacency : sp.csr_matrix [shape=(n, n)]  symmetric shared-playlist counts, zero diagonal
    n_candidates : int   songs that passed ``min_playlists`` (before the component was taken)
    n_components : int   connected components among those songs (isolated songs count)
    min_playlists, min_weight : int   the filters used
    """

    nodes: np.ndarray
    adjacency: sp.csr_matrix
    n_candidates: int
    n_components: int
    min_playlists: int = 1
    min_weight: int = 1

    @property
    def n_nodes(self) -> int:
        return int(len(self.nodes))

    @property
    def n_edges(self) -> int:
        return int(self.adjacency.nnz // 2)

    def degree(self) -> np.ndarray:
        """Number of neighbours of each node, ``(n,)``."""
        return np.diff(self.adjacency.indptr)

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(source, target, weight)`` arrays of the edges with ``source < target``."""
        upper = sp.triu(self.adjacency, k=1).tocoo()
        return upper.row, upper.col, upper.data

    def to_igraph(self, names: Sequence[str] | None = None):
        """An undirected ``igraph.Graph`` with edge attribute ``weight`` (and vertex ``name``)."""
        import igraph as ig

        s, t, w = self.edges()
        g = ig.Graph(n=self.n_nodes, edges=np.column_stack([s, t]).tolist(), directed=False)
        g.es["weight"] = w.astype(float).tolist()
        if names is not None:
            g.vs["name"] = [str(x) for x in names]
        return g

    def to_networkx(self, names: Sequence[str] | None = None):
        """An undirected ``networkx.Graph`` with edge attribute ``weight``."""
        import networkx as nx

        g = nx.Graph()
        labels = list(names) if names is not None else list(range(self.n_nodes))
        g.add_nodes_from(labels)
        s, t, w = self.edges()
        g.add_weighted_edges_from((labels[i], labels[j], int(x)) for i, j, x in zip(s, t, w))
        return g

    def summary(self) -> dict:
        return {"nodes": self.n_nodes, "edges": self.n_edges, "lcc_nodes": self.n_nodes,
                "candidate_nodes": self.n_candidates, "components": self.n_components,
                "min_playlists": self.min_playlists, "min_weight": self.min_weight}


def incidence(playlists: pd.DataFrame, track_ids: Sequence[str]) -> sp.csr_matrix:
    """Binary playlist × track matrix ``B [shape=(n_playlists, n_tracks)]`` (int32).

    Tracks are the columns in the order of ``track_ids``; entries naming other tracks are ignored;
    a song listed twice in one playlist counts once.
    """
    index = pd.Index(track_ids)
    cols = index.get_indexer(playlists["track_id"])
    keep = cols >= 0
    rows, _ = pd.factorize(playlists["playlist_id"][keep])
    B = sp.csr_matrix((np.ones(keep.sum(), dtype=np.int32), (rows, cols[keep])),
                      shape=(int(rows.max()) + 1 if len(rows) else 0, len(index)))
    B.data[:] = 1  # duplicates were summed by the constructor
    return B


def cooccurrence(B: sp.csr_matrix, *, min_weight: int = 1) -> sp.csr_matrix:
    """Upper triangle of ``BᵀB`` without the diagonal, entries below ``min_weight`` dropped.

    Parameters
    ----------
    B : sp.csr_matrix [shape=(n_playlists, n_tracks)]  binary incidence

    Returns
    -------
    W : sp.csr_matrix [shape=(n_tracks, n_tracks)] int32, ``W[i, j]`` for ``i < j`` only
    """
    Bt = B.T.tocsr()
    lengths = np.asarray(B.sum(axis=1)).ravel()
    work = Bt @ lengths  # scalar products each row of the product needs
    block_of_row = (np.cumsum(work) - work) // BLOCK_PRODUCTS
    starts = np.flatnonzero(np.diff(block_of_row, prepend=-1))
    blocks = []
    for a, b in zip(starts, np.append(starts[1:], Bt.shape[0])):
        P = (Bt[a:b] @ B).tocoo()
        keep = (P.col > P.row + a) & (P.data >= min_weight)
        blocks.append((P.row[keep] + a, P.col[keep], P.data[keep]))
    if not blocks:
        return sp.csr_matrix(Bt.shape[:1] * 2, dtype=np.int32)
    r, c, d = (np.concatenate(x) for x in zip(*blocks))
    return sp.csr_matrix((d.astype(np.int32), (r, c)), shape=(Bt.shape[0], Bt.shape[0]))


def build_graph(playlists: pd.DataFrame, track_ids: Sequence[str], *, min_playlists: int = 1,
                min_weight: int = 1) -> SongGraph:
    """The song graph of ``playlists`` over ``track_ids``, largest connected component kept.

    Parameters
    ----------
    playlists : table with ``playlist_id`` and ``track_id`` columns
    track_ids : the dataset's track ids (node ``i`` refers to ``track_ids[nodes[i]]``)
    min_playlists : a song must appear in at least this many playlists (the paper uses 10)
    min_weight : an edge needs at least this many shared playlists

    Raises
    ------
    SongsimError  when no two songs are linked under these filters.
    """
    if min_playlists < 1 or min_weight < 1:
        raise SongsimError("min_playlists and min_weight must be at least 1")
    B = incidence(playlists, track_ids)
    counts = np.asarray(B.sum(axis=0)).ravel()
    candidates = np.flatnonzero(counts >= min_playlists)
    W = cooccurrence(B[:, candidates].tocsr(), min_weight=min_weight)
    W = (W + W.T).tocsr()
    if W.nnz == 0:
        raise SongsimError(
            f"no two songs share a playlist with min_playlists={min_playlists}, min_weight={min_weight} "
            f"({len(candidates)} songs pass the filter)")
    n_comp, comp = connected_components(W, directed=False)
    largest = np.argmax(np.bincount(comp))
    keep = np.flatnonzero(comp == largest)
    A = W[keep][:, keep].tocsr()
    A.sort_indices()
    return SongGraph(candidates[keep], A, len(candidates), int(n_comp), min_playlists, min_weight)
