import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import songsim.analysis.graph as graph_mod
from songsim.analysis.graph import build_graph
from songsim.errors import SongsimError


def to_networkx(g, names=None) -> nx.Graph:
    """A SongGraph as an undirected networkx graph with edge attribute ``weight``."""
    G = nx.Graph()
    labels = list(names) if names is not None else list(range(g.n_nodes))
    G.add_nodes_from(labels)
    s, t, w = g.edges()
    G.add_weighted_edges_from((labels[i], labels[j], int(x)) for i, j, x in zip(s, t, w))
    return G


def brute_force(df, track_ids, min_playlists=1, min_weight=1):
    """Pairwise counting in plain Python: the reference."""
    sets = {p: set(g["track_id"]) & set(track_ids) for p, g in df.groupby("playlist_id")}
    count = {t: sum(t in s for s in sets.values()) for t in track_ids}
    keep = [t for t in track_ids if count[t] >= min_playlists]
    G = nx.Graph()
    G.add_nodes_from(keep)
    for s in sets.values():
        for a, b in itertools.combinations(sorted(s & set(keep)), 2):
            w = G.get_edge_data(a, b, {"weight": 0})["weight"]
            G.add_edge(a, b, weight=w + 1)
    G.remove_edges_from([(a, b) for a, b, w in G.edges(data="weight") if w < min_weight])
    lcc = max(nx.connected_components(G), key=len)
    return G.subgraph(lcc)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("min_playlists, min_weight", [(1, 1), (3, 1), (2, 2)])
def test_matches_brute_force(seed, min_playlists, min_weight, monkeypatch):
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(
        graph_mod, "BLOCK_PRODUCTS", int(rng.integers(10, 500))
    )  # exercise the blocking
    df = pd.DataFrame(
        {
            "playlist_id": [f"p{x}" for x in rng.integers(0, 30, 300)],
            "track_id": [f"t{x}" for x in rng.integers(0, 50, 300)],
        }
    )
    ids = [f"t{i}" for i in range(55)]  # some tracks are in no playlist
    g = build_graph(df, ids, min_playlists=min_playlists, min_weight=min_weight)
    ref = brute_force(df, ids, min_playlists, min_weight)
    names = [ids[i] for i in g.nodes]
    assert set(names) == set(ref.nodes)
    ours = to_networkx(g, names)
    assert nx.utils.edges_equal(
        sorted(ours.edges(data="weight")), sorted(ref.edges(data="weight"))
    ) or {frozenset(e[:2]): e[2] for e in ours.edges(data="weight")} == {
        frozenset(e[:2]): e[2] for e in ref.edges(data="weight")
    }
    assert g.n_edges == ref.number_of_edges()


def test_davis_southern_women():
    B = nx.davis_southern_women_graph()
    women = [n for n, d in B.nodes(data=True) if d["bipartite"] == 0]
    events = [n for n, d in B.nodes(data=True) if d["bipartite"] == 1]
    df = pd.DataFrame(
        [(e, w) for e in events for w in B.neighbors(e)], columns=["playlist_id", "track_id"]
    )
    g = build_graph(df, women)
    ref = nx.bipartite.weighted_projected_graph(B, women)
    names = [women[i] for i in g.nodes]
    ours = to_networkx(g, names)
    assert set(ours.nodes) == set(ref.nodes) and len(names) == 18
    for a, b, w in ref.edges(data="weight"):
        assert ours[a][b]["weight"] == w
    assert ours.number_of_edges() == ref.number_of_edges() == 139
    ig = g.to_igraph(names)
    assert (
        ig.vcount() == 18
        and ig.ecount() == 139
        and sum(ig.es["weight"]) == sum(w for *_, w in ref.edges(data="weight"))
    )


def test_keeps_largest_component_and_duplicates_count_once():
    df = pd.DataFrame(
        {
            "playlist_id": ["a", "a", "a", "b", "b", "c", "c"],
            "track_id": ["x", "y", "y", "y", "z", "u", "v"],
        }
    )
    g = build_graph(df, ["x", "y", "z", "u", "v"])
    assert sorted(g.nodes.tolist()) == [0, 1, 2] and g.n_components == 2
    assert g.adjacency.toarray().max() == 1


def test_nothing_linked_is_a_clear_error():
    df = pd.DataFrame({"playlist_id": ["a", "b"], "track_id": ["x", "y"]})
    with pytest.raises(SongsimError, match="no two songs"):
        build_graph(df, ["x", "y"])


def test_backbone_keeps_the_top_degree_nodes_and_their_heaviest_edges():
    rng = np.random.default_rng(3)
    ids = [f"t{i}" for i in range(30)]
    rows = [(f"p{p}", t) for p in range(60) for t in rng.choice(ids, size=5, replace=False)]
    df = pd.DataFrame(rows, columns=["playlist_id", "track_id"])
    g = build_graph(df, ids)
    keep, edges = g.backbone(12, 2)
    # reference: the same rule written out over a networkx graph
    G = to_networkx(g)
    by_degree = sorted(G.nodes, key=lambda n: (-G.degree(n), n))[:12]
    assert keep.tolist() == sorted(by_degree)
    pos = {n: i for i, n in enumerate(keep.tolist())}
    expected = set()
    for n in keep.tolist():
        heavy = sorted((m for m in G[n] if m in pos), key=lambda m: (-G[n][m]["weight"], m))[:2]
        expected |= {tuple(sorted((pos[n], pos[m]))) for m in heavy}
    assert {tuple(e) for e in edges.tolist()} == expected
    assert graph_mod.layout_2d(len(keep), edges).shape == (12, 2)
