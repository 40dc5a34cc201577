"""The dashboard's charts and map drawings, each a step of the flow (:mod:`songsim.flow`).

Pages pass what was chosen (the embedding, k, the graph's parameters, the colouring, the picked
song…) and never a key: each drawing is declared with the steps it reads, so the runner keys it
through them — a new checkpoint, upload or tagger run draws anew, and a rerun that changes
nothing a chart shows reuses it (≈ 20–60 ms a chart).
"""

from __future__ import annotations

import numpy as np

from ..data.datasets import Dataset
from ..flow import Lazy, step
from ..params import GraphParams, MapParams
from ..steps import TrackMap
from .stepcache import app_flow


@step
def sweep_chart(k_sweep, k: int) -> dict:
    """Silhouette and elbow curves of the k sweep, with ``k`` marked (a Vega-Lite spec)."""
    from .charts import spec, sweep_charts

    return spec(
        sweep_charts(k_sweep.table(), elbow_k=k_sweep.elbow_k_, best_k=k_sweep.best_k_, chosen_k=k)
    )


@step
def cluster_sizes_chart(cluster_labels, k: int) -> dict:
    """Bars of the cluster sizes at ``k``, clickable (a click highlights the cluster)."""
    from .charts import bar_sizes, spec

    sizes = np.bincount(cluster_labels, minlength=k).tolist()
    return spec(bar_sizes(sizes, selectable=True))


@step
def community_sizes_chart(song_graph) -> dict:
    """Bars of the community sizes of the song graph, clickable."""
    from .charts import bar_sizes, spec

    return spec(bar_sizes(song_graph[1].sizes, what="community", selectable=True))


@step
def loss_chart(checkpoint) -> dict:
    """Training and validation loss per epoch of the checkpoint."""
    from .charts import loss_curves, spec

    return spec(loss_curves(checkpoint[1]["history"]))


@step
def graph_drawing(
    dataset,
    song_graph,
    cluster_labels: Lazy,
    *,
    graph: GraphParams = GraphParams(),
    kind: str,
    k: int,
    color: str,
    max_nodes: int,
    picked: int | None,
    group: tuple | None,
) -> dict:
    """The drawn graph: its ``max_nodes`` nodes of highest degree coloured by ``color``
    ('community' or 'cluster': the clusters at ``k``), the ``picked`` song and its strongest
    links marked, ``group`` (``("cluster" | "community", id)``) highlighted."""
    from .charts import graph_chart, spec
    from .graphs import graph_neighbours, graph_view
    from .maps import highlight

    ds = dataset
    nodes, lines = graph_view(
        ds, graph, max_nodes, cluster_labels() if color == "cluster" else None
    )
    mask = highlight(ds, kind, k, graph, group=group)
    return spec(
        graph_chart(
            nodes,
            lines,
            color=color,
            picked=picked,
            neighbours=[]
            if picked is None
            else graph_neighbours(ds, graph, picked)["row"].tolist(),
            highlight=None if mask is None else mask[nodes.index.to_numpy()],
        )
    )


def _drawing(ds, kind, drawn, k, graph, color, picked, search, group, webgl: bool):
    """The map ``drawn`` of ``kind`` coloured by ``color``: a Vega-Lite spec, or a WebGL deck
    (:mod:`songsim.ui.deck`) when ``webgl`` — one body for both, so they cannot drift."""
    from .charts import scatter_map, spec
    from .deck import deck_map
    from .maps import highlight, map_points
    from .similar import similar

    points = map_points(ds, drawn.xy, kind, k, graph)
    neighbours = [] if picked is None else similar(ds, kind, picked, 10)["row"].tolist()
    mask = highlight(ds, kind, k, graph, search, group)
    if webgl:
        return deck_map(points, color=color, picked=picked, neighbours=neighbours, highlight=mask)
    return spec(
        scatter_map(points, color=color, picked=picked, neighbours=neighbours, highlight=mask)
    )


@step
def map_chart(
    dataset,
    vectors_id,
    cluster_labels,
    descriptors_version,
    *,
    kind: str,
    drawn: TrackMap,
    k: int,
    graph: GraphParams = GraphParams(),
    color: str,
    heard: tuple,
    picked: int | None,
    search: str,
    group: tuple | None,
) -> dict:
    """The map ``drawn`` as a Vega-Lite spec (tooltips with the tags of the taggers that have
    ``heard`` the library)."""
    return _drawing(dataset, kind, drawn, k, graph, color, picked, search, group, webgl=False)


@step(shared=True)
def map_deck_drawing(
    dataset,
    vectors_id,
    cluster_labels,
    descriptors_version,
    *,
    kind: str,
    drawn: TrackMap,
    k: int,
    graph: GraphParams = GraphParams(),
    color: str,
    heard: tuple,
    picked: int | None,
    search: str,
    group: tuple | None,
):
    """The map ``drawn`` drawn with WebGL for a large library (one object for every session,
    read-only); keyed as :func:`map_chart` is."""
    return _drawing(dataset, kind, drawn, k, graph, color, picked, search, group, webgl=True)


def sweep_spec(ds: Dataset, kind: str, k: int) -> dict:
    """Silhouette and elbow curves of ``kind``'s k sweep, with ``k`` marked."""
    from .results import ensure_embedded

    ensure_embedded(ds, kind)
    return app_flow(ds).get("sweep_chart", kind=kind, k=k)


def cluster_sizes_spec(ds: Dataset, kind: str, k: int) -> dict:
    """Bars of the cluster sizes at ``k``, clickable (a click highlights the cluster)."""
    from .results import ensure_embedded

    ensure_embedded(ds, kind)
    return app_flow(ds).get("cluster_sizes_chart", kind=kind, k=k)


def community_sizes_spec(ds: Dataset, graph: GraphParams) -> dict:
    """Bars of the community sizes of the graph with parameters ``graph``, clickable."""
    return app_flow(ds).get("community_sizes_chart", graph=graph)


def graph_spec(ds: Dataset, graph: GraphParams, kind: str, k: int, **drawing) -> dict:
    """:func:`graph_drawing` of the graph with parameters ``graph`` (``color``, ``max_nodes``,
    ``picked``, ``group`` as keywords)."""
    return app_flow(ds).get("graph_drawing", graph=graph, kind=kind, k=k, **drawing)


def _map(name: str, ds: Dataset, kind: str, params: MapParams, k: int, graph, **drawing):
    from .maps import track_map
    from .results import tags_computed

    heard = (tags_computed(ds, "MSD"), tags_computed(ds, "MTT"))
    drawn = track_map(ds, kind, params)
    return app_flow(ds).get(name, kind=kind, drawn=drawn, k=k, graph=graph, heard=heard, **drawing)


def map_spec(ds: Dataset, kind: str, params: MapParams, k: int, graph: GraphParams, **drawing):
    """The 2-D map of ``kind`` with parameters ``params`` as a Vega-Lite spec, coloured by
    ``color`` ('cluster' at ``k``, 'community' of ``graph``, or 'label'); the ``picked`` song and
    its 10 nearest songs marked; the songs ``search`` and ``group`` leave highlighted."""
    return _map("map_chart", ds, kind, params, k, graph, **drawing)


def map_deck(ds: Dataset, kind: str, params: MapParams, k: int, graph: GraphParams, **drawing):
    """:func:`map_spec` drawn with WebGL (:mod:`songsim.ui.deck`) for a large library."""
    return _map("map_deck_drawing", ds, kind, params, k, graph, **drawing)


def loss_spec(ds: Dataset, kind: str, latent: int) -> dict:
    """Training and validation loss per epoch of the checkpoint of ``kind`` at ``latent``."""
    return app_flow(ds).get("loss_chart", model_kind=kind, latent=latent)
