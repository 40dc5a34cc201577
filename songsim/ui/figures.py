"""The dashboard's charts as Vega-Lite specs, each built once per what it shows.

Pages pass what was chosen (the embedding, k, the graph's parameters, the colouring, the picked
song…) and never a cache key: each function names everything its chart depends on in its own key,
together with the dataset's fingerprints, so a rerun that changes nothing the chart shows reuses
the spec instead of rebuilding it (≈ 20–60 ms a chart).
"""

from __future__ import annotations

import streamlit as st

from ..data.datasets import Dataset
from ..params import GraphParams, MapParams


@st.cache_data(max_entries=256, show_spinner=False)
def _spec(key: tuple, _build) -> dict:
    from .charts import spec

    return spec(_build())


def _cached(ds: Dataset, key: tuple, build, kind: str | None = None) -> dict:
    """The spec of the chart ``build()`` makes, once per ``key`` and version of ``ds`` (clips, and
    playlists with the session's upload) and — for a chart of an embedding ``kind`` — per
    version of its vectors (a new checkpoint draws anew)."""
    vectors = _vectors_key(ds, kind) if kind else None
    return _spec((ds.fingerprint, ds.audio_fingerprint, vectors, *key), build)


def _vectors_key(ds: Dataset, kind: str) -> str:
    from .. import pipeline

    return pipeline.track_vectors_key(ds, kind)


def sweep_spec(ds: Dataset, kind: str, k: int) -> dict:
    """Silhouette and elbow curves of ``kind``'s k sweep, with ``k`` marked."""
    from .cached import k_sweep
    from .charts import sweep_charts

    def build():
        r = k_sweep(ds, kind)
        return sweep_charts(r["table"], elbow_k=r["elbow_k"], best_k=r["best_k"], chosen_k=k)

    return _cached(ds, ("sweep", kind, k), build, kind)


def cluster_sizes_spec(ds: Dataset, kind: str, k: int) -> dict:
    """Bars of the cluster sizes at ``k``, clickable (a click highlights the cluster)."""
    from .cached import cluster_sizes
    from .charts import bar_sizes

    return _cached(
        ds,
        ("cluster_sizes", kind, k),
        lambda: bar_sizes(cluster_sizes(ds, kind, k), selectable=True),
        kind,
    )


def community_sizes_spec(ds: Dataset, graph: GraphParams) -> dict:
    """Bars of the community sizes of the graph with parameters ``graph``, clickable."""
    from .charts import bar_sizes
    from .graphs import current_graph

    return _cached(
        ds,
        ("community_sizes", graph),
        lambda: bar_sizes(current_graph(ds, graph)[1].sizes, what="community", selectable=True),
    )


def graph_spec(
    ds: Dataset,
    graph: GraphParams,
    kind: str,
    k: int,
    *,
    color: str,
    max_nodes: int,
    picked: int | None,
    group: tuple | None,
) -> dict:
    """The drawn graph: its ``max_nodes`` nodes of highest degree coloured by ``color``
    ('community' or 'cluster': ``kind``'s k-means at ``k``), the ``picked`` song and its strongest
    links marked, ``group`` (``("cluster" | "community", id)``) highlighted."""
    from .cached import clusters
    from .charts import graph_chart
    from .graphs import graph_neighbours, graph_view
    from .maps import highlight

    def build():
        nodes, lines = graph_view(
            ds, graph, max_nodes, clusters(ds, kind, k) if color == "cluster" else None
        )
        mask = highlight(ds, kind, k, graph, group=group)
        return graph_chart(
            nodes,
            lines,
            color=color,
            picked=picked,
            neighbours=[]
            if picked is None
            else graph_neighbours(ds, graph, picked)["row"].tolist(),
            highlight=None if mask is None else mask[nodes.index.to_numpy()],
        )

    return _cached(ds, ("graph", graph, color, kind, k, max_nodes, picked, group), build, kind)


def map_spec(
    ds: Dataset,
    kind: str,
    params: MapParams,
    k: int,
    graph: GraphParams,
    *,
    color: str,
    picked: int | None,
    search: str,
    group: tuple | None,
) -> dict:
    """The 2-D map of ``kind`` with parameters ``params``, coloured by ``color`` ('cluster' at
    ``k``, 'community' of ``graph``, or 'label'); the ``picked`` song and its 10 nearest songs
    marked; the songs ``search`` and ``group`` leave highlighted."""
    from .cached import tags_computed
    from .charts import scatter_map
    from .maps import highlight, map_points, track_map
    from .similar import similar

    def build():
        xy = track_map(ds, kind, params).xy
        return scatter_map(
            map_points(ds, xy, kind, k, graph),
            color=color,
            picked=picked,
            neighbours=[] if picked is None else similar(ds, kind, picked, 10)["row"].tolist(),
            highlight=highlight(ds, kind, k, graph, search, group),
        )

    heard = (tags_computed(ds, "MSD"), tags_computed(ds, "MTT"))
    key = ("map", kind, params, k, graph, color, heard, picked, search, group)
    return _cached(ds, key, build, kind)


@st.cache_resource(max_entries=4, show_spinner=False)
def _deck(key: tuple, _build):
    return _build()


def map_deck(
    ds: Dataset,
    kind: str,
    params: MapParams,
    k: int,
    graph: GraphParams,
    *,
    color: str,
    picked: int | None,
    search: str,
    group: tuple | None,
):
    """:func:`map_spec` drawn with WebGL (:mod:`songsim.ui.deck`) for a large library."""
    from .deck import deck_map
    from .maps import highlight, map_points, track_map
    from .similar import similar

    def build():
        xy = track_map(ds, kind, params).xy
        return deck_map(
            map_points(ds, xy, kind, k, graph),
            color=color,
            picked=picked,
            neighbours=[] if picked is None else similar(ds, kind, picked, 10)["row"].tolist(),
            highlight=highlight(ds, kind, k, graph, search, group),
        )

    vectors = _vectors_key(ds, kind)
    key = (ds.fingerprint, vectors, params, k, graph, color, picked, search, group)
    return _deck(key, build)


def loss_spec(ds: Dataset, manifest: dict) -> dict:
    """Training and validation loss per epoch of a checkpoint (its manifest)."""
    from .charts import loss_curves

    return _cached(
        ds, ("loss", manifest["checkpoint_id"]), lambda: loss_curves(manifest["history"])
    )
