"""Leading-eigenvector communities on an operator, against igraph's implementation, and the song
graph held as its playlist incidence against the held graph."""

import igraph as ig
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score

from songsim.analysis.communities import detect
from songsim.analysis.graph import build_graph, incidence_graph
from songsim.analysis.spectral import (
    IncidenceAdjacency,
    MatrixAdjacency,
    leading_eigenvector,
    modularity,
)
from songsim.errors import SongsimError


def planted_playlists(seed: int, n_songs: int = 300, n_groups: int = 5, n_playlists: int = 400):
    """Playlists that mostly draw from one of ``n_groups`` groups of songs: ``(B, A)``."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, n_groups, n_songs)
    rows, cols = [], []
    for p in range(n_playlists):
        members = np.flatnonzero(group == rng.integers(n_groups))
        size = rng.integers(3, 12)
        songs = np.where(
            rng.random(size) < 0.85, rng.choice(members, size), rng.integers(0, n_songs, size)
        )
        rows += [p] * size
        cols += songs.tolist()
    B = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_playlists, n_songs))
    B.data[:] = 1
    B = B[:, np.flatnonzero(np.asarray(B.sum(axis=0)).ravel() > 0)].tocsr()
    A = (B.T @ B).tocsr()
    A.setdiag(0)
    A.eliminate_zeros()
    return B, A


def igraph_of(A):
    g = ig.Graph.Weighted_Adjacency(A, mode="undirected")
    assert g.is_connected()
    return g


@pytest.mark.parametrize("seed", range(4))
def test_same_communities_and_modularity_as_igraph(seed):
    B, A = planted_playlists(seed)
    g = igraph_of(A)
    want = np.array(g.community_leading_eigenvector(weights="weight").membership)
    for op in (MatrixAdjacency(A), IncidenceAdjacency(B)):
        got = leading_eigenvector(op)
        assert got.max() == want.max() >= 3
        assert adjusted_rand_score(want, got) == 1.0
        assert modularity(op, got) == pytest.approx(g.modularity(want, weights="weight"), abs=1e-9)


@pytest.mark.parametrize("cap", [2, 3, 4])
def test_community_cap_matches_igraph(cap):
    B, A = planted_playlists(7)
    want = np.array(
        igraph_of(A).community_leading_eigenvector(clusters=cap, weights="weight").membership
    )
    got = leading_eigenvector(IncidenceAdjacency(B), max_communities=cap)
    assert got.max() + 1 == cap
    assert adjusted_rand_score(want, got) == 1.0


def test_karate_club_as_igraph():
    g = ig.Graph.Famous("Zachary")
    A = sp.csr_matrix(np.array(g.get_adjacency().data, dtype=float))
    want = np.array(g.community_leading_eigenvector().membership)
    got = leading_eigenvector(MatrixAdjacency(A))
    assert adjusted_rand_score(want, got) == 1.0
    assert modularity(MatrixAdjacency(A), got) == pytest.approx(g.modularity(want), abs=1e-12)


def table_from(B) -> pd.DataFrame:
    coo = sp.coo_matrix(B)
    return pd.DataFrame(
        {"playlist_id": [f"p{r}" for r in coo.row], "track_id": [f"t{c}" for c in coo.col]}
    )


@pytest.mark.parametrize("min_playlists", [1, 4])
def test_incidence_graph_is_the_held_graph(min_playlists):
    B, _ = planted_playlists(3)
    table = table_from(B)
    extra = pd.DataFrame({"playlist_id": ["lonely", "lonely"], "track_id": ["x1", "x2"]})
    table = pd.concat([table, extra], ignore_index=True)  # a second component, left out
    ids = [f"t{i}" for i in range(B.shape[1])] + ["x1", "x2", "unused"]
    held = build_graph(table, ids, min_playlists=min_playlists)
    implicit = incidence_graph(table, ids, min_playlists=min_playlists)
    assert np.array_equal(implicit.nodes, held.nodes)
    assert (implicit.n_candidates, implicit.n_components) == (held.n_candidates, held.n_components)
    assert implicit.count_edges() == held.n_edges
    x = np.random.default_rng(0).standard_normal(held.n_nodes)
    assert np.allclose(implicit.adjacency_operator().matvec(x), held.adjacency @ x)
    a, b = detect(implicit), detect(held)
    assert adjusted_rand_score(a.membership, b.membership) == 1.0
    assert a.modularity == pytest.approx(b.modularity, abs=1e-9)


def test_incidence_graph_errors():
    B, _ = planted_playlists(1)
    g = incidence_graph(table_from(B), [f"t{i}" for i in range(B.shape[1])])
    with pytest.raises(SongsimError, match="leading eigenvector"):
        detect(g, method="leiden")
    with pytest.raises(SongsimError, match="without refinement"):
        detect(g, refine_partition=True)
    lonely = pd.DataFrame({"playlist_id": ["a", "b"], "track_id": ["t1", "t2"]})
    with pytest.raises(SongsimError, match="no two songs share a playlist"):
        incidence_graph(lonely, ["t1", "t2"])
