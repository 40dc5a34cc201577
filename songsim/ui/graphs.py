"""The song graph of the session's playlists, its communities, and the drawn network.

Every step takes the graph's :class:`~songsim.params.GraphParams` as an argument: the Graph page
builds them from its widgets, the other pages from what was chosen there (:func:`graph_settings`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.datasets import Dataset
from ..params import GraphParams
from .settings import setting
from .stepcache import app_flow

#: The Graph page's widgets and their defaults (GraphParams' own; "0" for automatic):
#: ``GraphParams`` field → (widget key, default).
GRAPH_WIDGETS = {
    "method": ("method", GraphParams().method),
    "max_communities": ("n_communities", GraphParams().max_communities or 0),
    "refine": ("refine", GraphParams().refine),
    "min_playlists": ("min_playlists", GraphParams().min_playlists),
}


def graph_settings() -> GraphParams:
    """The graph settings chosen on the Graph page (its defaults until then), checked once: how
    the other pages colour and score by the same communities."""
    values = {field: setting(*widget) for field, widget in GRAPH_WIDGETS.items()}
    return GraphParams(**{**values, "max_communities": values["max_communities"] or None})


def current_graph(ds: Dataset, graph: GraphParams):
    """``(SongGraph, CommunityResult)`` of the dataset's (or the session's uploaded) playlists
    with parameters ``graph``."""
    return app_flow(ds).get("song_graph", graph=graph)


def has_graph(ds: Dataset, graph: GraphParams) -> bool:
    """Whether the session's playlists give a song graph (a library without playlists has none)."""
    from ..errors import SongsimError

    try:
        current_graph(ds, graph)
    except SongsimError:
        return False
    return True


def community_series(ds: Dataset, graph: GraphParams) -> pd.Series:
    """Community of each track in the session's graph, indexed by track row (empty without one)."""
    from ..analysis.evaluation import community_labels

    if not has_graph(ds, graph):
        return pd.Series([], index=pd.Index([], dtype=np.int64), dtype=np.int64, name="community")
    return community_labels(*current_graph(ds, graph))


def _layout(ds: Dataset, graph: GraphParams, max_nodes: int):
    """``(keep, edges, positions)`` of the drawn graph: the ``graph_layout`` step."""
    return app_flow(ds).get(
        "graph_layout", graph=graph, max_nodes=max_nodes, edges_per_node=EDGES_PER_NODE
    )


EDGES_PER_NODE = 4


def _groups(ds: Dataset, graph: GraphParams, clusters: np.ndarray | None) -> np.ndarray:
    """Colour group of each graph node: its k-means cluster when ``clusters`` (one per track
    row) are given, else its community."""
    g, res = current_graph(ds, graph)
    return np.asarray(res.membership if clusters is None else clusters[g.nodes])


def graph_nodes(
    ds: Dataset, graph: GraphParams, max_nodes: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The drawn part of the session's graph: ``(nodes, edges)`` frames for
    :func:`~songsim.ui.charts.graph_chart` — nodes indexed by track row, with x, y, degree, size,
    title, artist, track_id and ``node`` (position in the graph); edges as x, y, x2, y2."""
    g, _ = current_graph(ds, graph)
    keep, edges, pos = _layout(ds, graph, max_nodes)
    deg = g.degree()
    rows = g.nodes[keep]
    nodes = ds.tracks.iloc[rows][["track_id", "title", "artist"]].copy()
    nodes.index = rows
    nodes["x"], nodes["y"] = pos[:, 0], pos[:, 1]
    nodes["degree"] = deg[keep]
    nodes["size"] = np.sqrt(deg[keep] / max(1, deg.max()))
    nodes["node"] = keep
    a, b = edges[:, 0], edges[:, 1]
    lines = pd.DataFrame({"x": pos[a, 0], "y": pos[a, 1], "x2": pos[b, 0], "y2": pos[b, 1]})
    return nodes, lines


def graph_view(
    ds: Dataset, graph: GraphParams, max_nodes: int, clusters: np.ndarray | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`graph_nodes` with each node's colour group: column ``cluster`` when the k-means
    ``clusters`` ``(n_tracks,)`` are given, else ``community``."""
    nodes, lines = graph_nodes(ds, graph, max_nodes)
    column = "community" if clusters is None else "cluster"
    nodes[column] = _groups(ds, graph, clusters)[nodes["node"].to_numpy()].astype(str)
    return nodes, lines


def graph_neighbours(ds: Dataset, graph: GraphParams, row: int, n: int = 10) -> pd.DataFrame:
    """The ``n`` songs sharing the most playlists with track ``row`` (empty when it is not in the
    graph): row, shared playlists, title, artist, track_id."""
    g, _ = current_graph(ds, graph)
    where = np.flatnonzero(g.nodes == row)
    if not len(where):
        return pd.DataFrame(columns=["row", "shared playlists", "title", "artist", "track_id"])
    nodes, weights = g.neighbours(int(where[0]), n)
    out = ds.tracks.iloc[g.nodes[nodes]][["title", "artist", "track_id"]].reset_index(drop=True)
    out.insert(0, "shared playlists", weights.astype(int))
    out.insert(0, "row", g.nodes[nodes])
    return out


def graph_html_for(
    ds: Dataset, graph: GraphParams, max_nodes: int, clusters: np.ndarray | None = None
) -> tuple[str, int, int]:
    """The drawn graph as a stand-alone pyvis page (offline: vis-network inlined), for download;
    nodes coloured as :func:`graph_view` colours them."""
    from .charts import graph_html

    nodes, lines = graph_view(ds, graph, max_nodes, clusters)
    color_by = "community" if clusters is None else "cluster"
    g, _ = current_graph(ds, graph)
    keep, edges, pos = _layout(ds, graph, max_nodes)
    titles = [
        f"{t.title} — {t.artist}\n{t.track_id}\ndegree {t.degree}" for t in nodes.itertuples()
    ]
    html = graph_html(
        pos,
        edges,
        titles=titles,
        labels=nodes["title"].tolist(),
        groups=nodes[color_by].astype(int).to_numpy(),
        sizes=6 + 18 * nodes["size"].to_numpy(),
    )
    return html, len(keep), len(edges)
