"""The song graph of the session's playlists, its communities, and the drawn network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from .. import pipeline
from ..data.datasets import Dataset
from .charts import graph_html
from .session import setting


@st.cache_resource(max_entries=8, show_spinner="Building the song graph…")
def graph(
    _ds: Dataset, key: str, min_playlists: int, method: str, n_communities: int | None, refine: bool
):
    """``(SongGraph, CommunityResult)`` for the dataset's (or the session's uploaded) playlists."""
    from ..analysis.communities import detect

    g = pipeline.dataset_graph(_ds, min_playlists=min_playlists)
    return g, detect(g, method=method, max_communities=n_communities, refine_partition=refine)


def _graph_params() -> tuple:
    return (
        setting("min_playlists", 1),
        setting("method", "leading-eigenvector"),
        setting("n_communities", 0) or None,
        setting("refine", True),
    )


def graph_key(ds: Dataset) -> str:
    """Cache key of everything derived from the current graph: playlists and graph settings."""
    return f"{ds.fingerprint}:{_graph_params()}"


def current_graph(ds: Dataset):
    return graph(ds, ds.fingerprint, *_graph_params())


def has_graph(ds: Dataset) -> bool:
    """Whether the session's playlists give a song graph (a library without playlists has none)."""
    from ..errors import SongsimError

    try:
        current_graph(ds)
    except SongsimError:
        return False
    return True


def community_series(ds: Dataset) -> pd.Series:
    """Community of each track in the session's graph, indexed by track row (empty without one)."""
    from ..analysis.evaluation import community_labels

    if not has_graph(ds):
        return pd.Series([], index=pd.Index([], dtype=np.int64), dtype=np.int64, name="community")
    return community_labels(*current_graph(ds))


@st.cache_data(max_entries=8, show_spinner="Laying out the graph…")
def _graph_page(
    _ds: Dataset,
    key: str,
    _g,
    _colors: np.ndarray,
    color_key: str,
    max_nodes: int,
    edges_per_node: int,
) -> tuple[str, int, int]:
    """``(html, nodes drawn, edges drawn)``: the top ``max_nodes`` by degree, each with its
    ``edges_per_node`` strongest edges (:meth:`~songsim.analysis.graph.SongGraph.backbone`), on a
    Fruchterman–Reingold layout."""
    from ..analysis.graph import layout_2d

    keep, edges = _g.backbone(max_nodes, edges_per_node)
    positions = layout_2d(len(keep), edges)
    deg = _g.degree()
    tracks = _ds.tracks.iloc[_g.nodes[keep]]
    titles = [
        f"{t.title} — {t.artist}\n{t.track_id}\ndegree {d}"
        for t, d in zip(tracks.itertuples(), deg[keep])
    ]
    sizes = 6 + 18 * np.sqrt(deg[keep] / max(1, deg.max()))
    html = graph_html(
        positions,
        edges,
        titles=titles,
        labels=tracks["title"].tolist(),
        groups=_colors[keep],
        sizes=sizes,
    )
    return html, len(keep), len(edges)


def graph_html_for(
    ds: Dataset, color_by: str, kind: str, k: int, max_nodes: int
) -> tuple[str, int, int]:
    from .cached import clusters

    g, res = current_graph(ds)
    colors = res.membership if color_by == "community" else clusters(ds, kind, k)[g.nodes]
    key = f"{color_by}:{kind}:{k}" if color_by != "community" else "community"
    return _graph_page(ds, graph_key(ds), g, np.asarray(colors), key, max_nodes, 4)
