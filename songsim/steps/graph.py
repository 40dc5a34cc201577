"""Steps from a dataset's playlists to its song graph: an upload matched to the tracks, the graph
and its communities, the counts ``songsim info`` shows, and the Graph page's drawing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.graph import IncidenceGraph, SongGraph, build_graph, incidence_graph
from ..cache import Codec
from ..errors import SongsimError
from ..flow import Lazy, step
from ..params import GraphParams


def dataset_graph(
    ds,
    *,
    min_playlists: int = 1,
    min_weight: int = 1,
    edges_dir: Path | None = None,
    client=None,
) -> SongGraph:
    """The song graph of a dataset's playlists (largest connected component).

    With ``edges_dir`` the edges are also written there as Parquet row blocks, on the Dask
    cluster of ``client`` when given (:func:`songsim.distributed.build_graph_blocks`); the
    graph is the same either way."""
    _require_playlists(ds)
    if client is not None and edges_dir is None:
        raise SongsimError("a cluster writes the graph's row blocks: give a folder for them")
    ids = ds.tracks["track_id"].tolist()
    filters = {"min_playlists": min_playlists, "min_weight": min_weight}
    if edges_dir is None:
        return build_graph(ds.playlists, ids, **filters)
    from ..distributed import build_graph_blocks

    return build_graph_blocks(ds.playlists, ids, Path(edges_dir), client=client, **filters)


def dataset_incidence_graph(ds, *, min_playlists: int = 1) -> IncidenceGraph:
    """The song graph of a dataset's playlists held as its incidence (largest component), for
    graphs too big to hold: :func:`~songsim.analysis.graph.incidence_graph`."""
    _require_playlists(ds)
    return incidence_graph(
        ds.playlists, ds.tracks["track_id"].tolist(), min_playlists=min_playlists
    )


def _require_playlists(ds) -> None:
    if ds.playlists.empty:
        raise SongsimError(f"dataset '{ds.name}' has no playlist entries matched to its tracks")


@step(message="Matching the playlists…", shared=True)
def with_playlists(dataset, upload=None):
    """The dataset with an uploaded playlist table matched to its tracks
    (:meth:`~songsim.data.datasets.Dataset.with_playlists`), or the dataset itself without one.
    ``upload`` has ``playlists`` (the table), ``source`` (its format) and a ``cache_identity()``
    (the file's digest). Shared, read-only: its fingerprint keys the upload's graph and all
    after it."""
    if upload is None:
        return dataset
    return dataset.with_playlists(upload.playlists, source=upload.source)


@step(message="Building the song graph…", shared=True)
def song_graph(dataset, graph: GraphParams = GraphParams()):
    """``(SongGraph, CommunityResult)`` of the dataset's playlists: the graph (largest connected
    component) and its communities. Shared, read-only."""
    from ..analysis.communities import detect

    g = dataset_graph(dataset, min_playlists=graph.min_playlists, min_weight=graph.min_weight)
    result = detect(
        g,
        method=graph.method,
        max_communities=graph.max_communities,
        refine_partition=graph.refine,
        random_state=graph.random_state,
    )
    return g, result


@step
def communities(song_graph: Lazy[tuple]) -> pd.Series | None:
    """Community of each track of the song graph, indexed by track row; None when the
    dataset's playlists give no graph."""
    from ..analysis.evaluation import community_labels

    try:
        built = song_graph()
    except SongsimError:
        return None
    return community_labels(*built)


@step(message="Laying out the graph…")
def graph_layout(
    song_graph, max_nodes: int, edges_per_node: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The song graph's drawing ``(keep, edges, positions)``: the top ``max_nodes`` nodes by
    degree (positions in the graph), each with its ``edges_per_node`` strongest edges
    ``(n_edges, 2)`` into ``keep`` (:meth:`~songsim.analysis.graph.SongGraph.backbone`), on a
    Fruchterman–Reingold layout ``(len(keep), 2)``."""
    from ..analysis.graph import layout_2d

    g, _ = song_graph
    keep, edges = g.backbone(max_nodes, edges_per_node)
    return keep, edges, layout_2d(len(keep), edges)


#: How ``songsim info``'s graph counts are stored: JSON metadata, no arrays.
COUNTS = Codec(encode=lambda v: ({}, v), decode=lambda arrays, meta: meta)


@step(codec=COUNTS, entry=lambda graph: f"counts-{graph.min_playlists}-{graph.min_weight}")
def graph_counts(dataset, graph: GraphParams = GraphParams()) -> dict:
    """``{"nodes", "edges", "lcc_nodes", …}`` of the dataset's song graph, or zeros and the
    ``error`` when its playlists give none (stored per dataset version: ``songsim info``)."""
    try:
        return dataset_graph(
            dataset, min_playlists=graph.min_playlists, min_weight=graph.min_weight
        ).summary()
    except SongsimError as exc:
        return {"nodes": 0, "edges": 0, "lcc_nodes": 0, "error": str(exc)}
