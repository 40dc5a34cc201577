"""Playlists → the song graph.

Songs are linked when they share playlists; an edge's weight is the number of playlists they
share. With ``B`` the binary playlist × song incidence matrix, the weights are the off-diagonal
entries of ``BᵀB``, computed as a sparse product in row blocks, each filtered as it is made, so
memory follows the number of edges kept. The largest connected component is kept.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import SongsimError

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

    def backbone(self, max_nodes: int, edges_per_node: int) -> tuple[np.ndarray, np.ndarray]:
        """A drawable part of the graph: ``(keep, edges)``.

        ``keep [shape=(m,)]``: the ``max_nodes`` nodes of highest degree (ties by position), in
        node order; ``edges [shape=(e, 2)]``: pairs of positions in ``keep``, each kept node's
        ``edges_per_node`` heaviest edges within ``keep``, ties to the lower position (``i < j``,
        sorted, no duplicates).
        """
        deg = self.degree()
        keep = np.sort(np.argsort(-deg, kind="stable")[:max_nodes])
        A = sp.csr_matrix(self.adjacency[keep][:, keep])
        A.sort_indices()  # ties between equal weights go to the lower position
        pairs = set()
        for i in range(A.shape[0]):
            row = slice(A.indptr[i], A.indptr[i + 1])
            cols, w = A.indices[row], A.data[row]
            for j in cols[np.argsort(-w, kind="stable")[:edges_per_node]]:
                pairs.add((min(i, int(j)), max(i, int(j))))
        return keep, np.array(sorted(pairs), dtype=int).reshape(-1, 2)

    def neighbours(self, node: int, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """``(nodes, weights)``: the ``n`` neighbours of ``node`` with the most shared playlists,
        heaviest first (ties by position)."""
        row = slice(self.adjacency.indptr[node], self.adjacency.indptr[node + 1])
        cols, w = self.adjacency.indices[row], self.adjacency.data[row]
        order = np.lexsort((cols, -w))[:n]
        return cols[order], w[order]

    def summary(self) -> dict:
        return {
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "lcc_nodes": self.n_nodes,
            "candidate_nodes": self.n_candidates,
            "components": self.n_components,
            "min_playlists": self.min_playlists,
            "min_weight": self.min_weight,
        }


def incidence(
    playlists: pd.DataFrame, track_ids: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, int]:
    """Distinct (playlist, track) pairs: ``(rows, cols, n_playlists)``.

    ``cols`` index ``track_ids``; entries naming other tracks are ignored, and a song listed
    twice in one playlist counts once. ``B[rows, cols] = 1`` is the binary incidence matrix.
    """
    index = pd.Index(track_ids)
    cols = _positions(playlists["track_id"], index)
    keep = cols >= 0
    rows, uniques = pd.factorize(_codes(playlists["playlist_id"])[keep])
    key = np.unique(rows.astype(np.int64) * len(index) + cols[keep])
    return (key // len(index)), (key % len(index)), len(uniques)


def _positions(entries: pd.Series, index: pd.Index) -> np.ndarray:
    """Position in ``index`` of each entry, -1 where absent; a coded (``category``) column is
    looked up once per distinct value."""
    if not isinstance(entries.dtype, pd.CategoricalDtype):
        return index.get_indexer(entries)
    per_value = np.append(index.get_indexer(entries.cat.categories), -1)
    return per_value[entries.cat.codes.to_numpy()]  # code -1 (missing) → the appended -1


def _codes(ids: pd.Series) -> np.ndarray:
    return (
        ids.cat.codes.to_numpy() if isinstance(ids.dtype, pd.CategoricalDtype) else ids.to_numpy()
    )


def row_blocks(
    B: sp.csr_matrix, Bt: sp.csr_matrix, products: int | None = None
) -> list[tuple[int, int]]:
    """Row ranges ``[(a, b), …]`` of ``BᵀB`` holding about ``products`` scalar products each
    (default :data:`BLOCK_PRODUCTS`), in order, covering every row."""
    n = B.shape[1]
    if n == 0:
        return []
    lengths = np.asarray(B.sum(axis=1)).ravel()
    work = Bt @ lengths  # scalar products each row of the product needs
    block_of_row = (np.cumsum(work) - work) // (products or BLOCK_PRODUCTS)
    starts = np.flatnonzero(np.diff(block_of_row, prepend=-1))
    return list(zip(starts.tolist(), np.append(starts[1:], n).tolist()))


def block_edges(
    Bt_rows: sp.csr_matrix, B: sp.csr_matrix, first_row: int, *, min_weight: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``first_row…`` of ``BᵀB`` (``Bt_rows`` = those rows of ``Bᵀ``) as
    ``(source, target, weight)`` arrays, int32, grouped by source in row order, diagonal and
    weights below ``min_weight`` dropped."""
    P = Bt_rows @ B
    rows = np.repeat(
        np.arange(first_row, first_row + P.shape[0], dtype=np.int32), np.diff(P.indptr)
    )
    keep = (P.indices != rows) & (P.data >= min_weight)
    return rows[keep], P.indices[keep].astype(np.int32), P.data[keep].astype(np.int32, copy=False)


def csr_from_rows(counts, targets, weights, n: int) -> sp.csr_matrix:
    """The CSR matrix ``(n, n)`` from consecutive row groups: ``counts`` (edges in each row),
    ``targets`` and ``weights`` (lists of arrays, concatenated in order)."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    if counts:
        np.cumsum(np.concatenate(counts), out=indptr[1:])
    join = lambda parts: np.concatenate(parts) if parts else np.zeros(0, np.int32)
    return sp.csr_matrix((join(weights), join(targets), indptr), shape=(n, n))


def cooccurrence(
    B: sp.csr_matrix, *, min_weight: int = 1, Bt: sp.csr_matrix | None = None
) -> sp.csr_matrix:
    """Off-diagonal part of ``BᵀB``, entries below ``min_weight`` dropped.

    Computed in :func:`row_blocks` of about :data:`BLOCK_PRODUCTS` scalar products each; every
    block is filtered before the next is computed, so memory follows the edges kept.

    Parameters
    ----------
    B : sp.csr_matrix [shape=(n_playlists, n_tracks)]  binary incidence
    Bt : its transpose as CSR, when the caller has it

    Returns
    -------
    W : sp.csr_matrix [shape=(n_tracks, n_tracks)] int32, symmetric, zero diagonal
    """
    Bt = B.T.tocsr() if Bt is None else Bt
    counts, targets, weights = [], [], []
    for a, b in row_blocks(B, Bt):
        source, target, weight = block_edges(Bt[a:b], B, a, min_weight=min_weight)
        counts.append(np.bincount(source - a, minlength=b - a))
        targets.append(target)
        weights.append(weight)
        del source
    return csr_from_rows(counts, targets, weights, B.shape[1])


def song_incidence(
    playlists: pd.DataFrame, track_ids: Sequence[str], *, min_playlists: int = 1
) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """``(B, Bᵀ, candidates)``: the binary incidence of playlists × the songs found in at least
    ``min_playlists`` playlists, as CSR both ways; ``candidates`` are those songs' positions in
    ``track_ids`` (column ``j`` of ``B`` is ``track_ids[candidates[j]]``)."""
    rows, cols, n_playlists = incidence(playlists, track_ids)
    counts = np.bincount(cols, minlength=len(track_ids))
    candidates = np.flatnonzero(counts >= min_playlists)
    column = np.full(len(track_ids), -1)
    column[candidates] = np.arange(len(candidates))
    sel = column[cols] >= 0
    r, c = rows[sel], column[cols[sel]]
    ones = np.ones(len(r), dtype=np.int32)
    B = sp.csr_matrix((ones, (r, c)), shape=(n_playlists, len(candidates)))
    Bt = sp.csr_matrix((ones, (c, r)), shape=(len(candidates), n_playlists))
    return B, Bt, candidates


def build_graph(
    playlists: pd.DataFrame,
    track_ids: Sequence[str],
    *,
    min_playlists: int = 1,
    min_weight: int = 1,
) -> SongGraph:
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
    check_filters(min_playlists, min_weight)
    B, Bt, candidates = song_incidence(playlists, track_ids, min_playlists=min_playlists)
    W = cooccurrence(B, min_weight=min_weight, Bt=Bt)
    return largest_component(W, B, Bt, candidates, min_playlists, min_weight)


def check_filters(min_playlists: int, min_weight: int) -> None:
    if min_playlists < 1 or min_weight < 1:
        raise SongsimError("min_playlists and min_weight must be at least 1")


def largest_component(
    W: sp.csr_matrix,
    B: sp.csr_matrix,
    Bt: sp.csr_matrix,
    candidates: np.ndarray,
    min_playlists: int,
    min_weight: int,
) -> SongGraph:
    """The :class:`SongGraph` of ``W`` (the co-occurrence of :func:`song_incidence`'s songs)
    restricted to its largest connected component."""
    if W.nnz == 0:
        raise SongsimError(
            f"no two songs share a playlist with min_playlists={min_playlists}, min_weight={min_weight} "
            f"({len(candidates)} songs pass the filter)"
        )
    if min_weight == 1:
        n_comp, comp = song_components(B, Bt)
    else:
        n_comp, comp = connected_components(W, directed=False)
    largest = np.argmax(np.bincount(comp))
    keep = np.flatnonzero(comp == largest)
    A = W if len(keep) == W.shape[0] else W[keep][:, keep].tocsr()
    return SongGraph(candidates[keep], A, len(candidates), int(n_comp), min_playlists, min_weight)


def song_components(B: sp.csr_matrix, Bt: sp.csr_matrix) -> tuple[int, np.ndarray]:
    """``(n_components, component of each song)`` of the songs linked by any shared playlist:
    the components of the small bipartite playlist–song graph, songs in no playlist alone."""
    bipartite = sp.bmat([[None, Bt], [B, None]], format="csr")
    _, comp = connected_components(bipartite, directed=False)
    comp = np.unique(comp[: B.shape[1]], return_inverse=True)[1].ravel()
    return int(comp.max()) + 1 if len(comp) else 0, comp


@dataclasses.dataclass
class IncidenceGraph:
    """The song graph held as its playlist incidence, for catalogues whose graph is too big to
    hold: its adjacency ``A = BᵀB − D`` is applied on demand, never stored (a
    Million-Playlist-sized catalogue has about 7×10⁸ edges; ``B`` has its 6×10⁷ entries).
    Songs are linked by any shared playlist (``min_weight`` 1); the largest component is kept.

    Attributes
    ----------
    nodes : np.ndarray [shape=(n,)] int   row in the track table (or position in ``track_ids``)
    B : sp.csr_matrix [shape=(n_playlists, n)] int32  binary incidence of the kept songs
    n_candidates, n_components, min_playlists : as in :class:`SongGraph`
    """

    nodes: np.ndarray
    B: sp.csr_matrix
    n_candidates: int
    n_components: int
    min_playlists: int = 1

    @property
    def n_nodes(self) -> int:
        return int(len(self.nodes))

    def adjacency_operator(self):
        """``A`` as an :class:`~songsim.analysis.spectral.IncidenceAdjacency`."""
        from .spectral import IncidenceAdjacency

        return IncidenceAdjacency(self.B)

    def count_edges(self, *, progress=None) -> int:
        """Edges of the graph, counted exactly block by block (nothing kept; a few minutes at
        Million-Playlist scale)."""
        from ..progress import track

        B = self.B
        Bt = B.T.tocsr()
        blocks = row_blocks(B, Bt)
        directed = sum(
            len(block_edges(Bt[a:b], B, a)[0])
            for a, b in track(blocks, len(blocks), "counting edges", progress)
        )
        return directed // 2

    def summary(self) -> dict:
        return {
            "nodes": self.n_nodes,
            "lcc_nodes": self.n_nodes,
            "candidate_nodes": self.n_candidates,
            "components": self.n_components,
            "min_playlists": self.min_playlists,
            "min_weight": 1,
        }


def incidence_graph(
    playlists: pd.DataFrame, track_ids: Sequence[str], *, min_playlists: int = 1
) -> IncidenceGraph:
    """The song graph of ``playlists`` as an :class:`IncidenceGraph` (largest component, songs
    in at least ``min_playlists`` playlists); same nodes as :func:`build_graph` with
    ``min_weight=1``, without computing an edge."""
    check_filters(min_playlists, 1)
    B, Bt, candidates = song_incidence(playlists, track_ids, min_playlists=min_playlists)
    n_comp, comp = song_components(B, Bt)
    if len(candidates) < 2 or n_comp == len(candidates):
        raise SongsimError(
            f"no two songs share a playlist with min_playlists={min_playlists} "
            f"({len(candidates)} songs pass the filter)"
        )
    keep = np.flatnonzero(comp == np.argmax(np.bincount(comp)))
    return IncidenceGraph(
        candidates[keep], B[:, keep].tocsr(), len(candidates), n_comp, min_playlists
    )


def layout_2d(n_nodes: int, edges: np.ndarray) -> np.ndarray:
    """Fruchterman–Reingold positions ``(n_nodes, 2)`` of a graph given as ``edges [shape=(e, 2)]``
    (igraph's layout, 500 iterations)."""
    import igraph as ig

    g = ig.Graph(n=n_nodes, edges=np.asarray(edges).tolist())
    return np.array(g.layout_fruchterman_reingold(niter=500).coords)
