"""The steps the CLI, the dashboard and the benches share, wired once.

Each step is a function of its input (a dataset, an embedding's track vectors) and a frozen
parameter object from :mod:`songsim.params`. A step takes a ``cache`` (:mod:`songsim.cache`:
none by default, Streamlit's in the dashboard, on disk for the embeddings) and keys its result on
its name, a fingerprint of its input (``input_key``, else the array's own :func:`array_key`),
its parameters and the version of the code that computes it (:data:`STEP_CODE`).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np

from .analysis.graph import IncidenceGraph, SongGraph, build_graph, incidence_graph
from .cache import NO_CACHE, StepCache, StepKey, array_key, code_version
from .data.datasets import Dataset
from .errors import SongsimError
from .params import Fitted, GraphParams, MapParams, SweepParams
from .progress import Callback

log = logging.getLogger("songsim")

#: The code each step's results depend on (paths in the package): part of its cache key.
STEP_CODE = {
    "embedding": ("embeddings", "models"),
    "song_graph": ("analysis/graph.py", "analysis/spectral.py", "analysis/communities.py"),
    "k_sweep": ("analysis/clustering.py", "params.py"),
    "map_neighbours": ("analysis/maps.py",),
    "track_map": ("analysis/maps.py", "params.py"),
    # steps of songsim.downstream
    "comparison": ("analysis/compare.py", "analysis/evaluation.py"),
    "embedding_scores": ("analysis/evaluation.py", "analysis/compare.py", "analysis/clustering.py"),
    "graph_layout": ("analysis/graph.py",),
    "with_playlists": ("data/matching.py", "data/datasets.py"),
    "track_tags": ("embeddings/kinds.py", "models/musicnn.py"),
    "group_tags": ("analysis/tags.py",),
}


def step_key(step: str, input_key: str, params, name: str | None = None) -> StepKey:
    """The cache key of one of :data:`STEP_CODE`'s steps on an input with fingerprint
    ``input_key`` and parameters ``params``."""
    return StepKey(step, input_key, params, code_version(*STEP_CODE[step]), name)


def dataset_graph(
    ds: Dataset,
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
    from .distributed import build_graph_blocks

    return build_graph_blocks(ds.playlists, ids, Path(edges_dir), client=client, **filters)


def song_graph(ds: Dataset, params: GraphParams = GraphParams(), *, cache: StepCache = NO_CACHE):
    """The step from a dataset's playlists to ``(SongGraph, CommunityResult)``: its graph
    (largest connected component) and that graph's communities (keyed on the dataset's
    fingerprint, playlists included; shared, read-only)."""
    from .analysis.communities import detect

    def compute():
        graph = dataset_graph(ds, min_playlists=params.min_playlists, min_weight=params.min_weight)
        result = detect(
            graph,
            method=params.method,
            max_communities=params.max_communities,
            refine_partition=params.refine,
            random_state=params.random_state,
        )
        return graph, result

    key = step_key("song_graph", ds.fingerprint, params)
    return cache.get(key, compute, message="Building the song graph…", shared=True)


def graph_key(ds: Dataset, params: GraphParams = GraphParams()) -> str:
    """What identifies the song graph of ``ds`` with ``params`` (its playlists included): the
    input key of every step after it, so a new upload changes every result downstream."""
    return step_key("song_graph", ds.fingerprint, params).digest


def with_playlists(
    ds: Dataset,
    playlists,
    *,
    source: str,
    playlists_key: str,
    cache: StepCache = NO_CACHE,
) -> Dataset:
    """The step from a dataset and a playlist table (an upload: ``playlists_key`` identifies its
    bytes) to the dataset with those playlists matched to its tracks
    (:meth:`~songsim.data.datasets.Dataset.with_playlists`; shared, read-only). Its fingerprint
    is the key of every step after it: the upload's graph, communities and comparisons."""
    key = step_key("with_playlists", f"{ds.fingerprint}|{playlists_key}", {"source": source})
    return cache.get(
        key,
        lambda: ds.with_playlists(playlists, source=source),
        message="Matching the playlists…",
        shared=True,
    )


def dataset_incidence_graph(ds: Dataset, *, min_playlists: int = 1) -> IncidenceGraph:
    """The song graph of a dataset's playlists held as its incidence (largest component), for
    graphs too big to hold: :func:`~songsim.analysis.graph.incidence_graph`."""
    _require_playlists(ds)
    return incidence_graph(
        ds.playlists, ds.tracks["track_id"].tolist(), min_playlists=min_playlists
    )


def _require_playlists(ds: Dataset) -> None:
    if ds.playlists.empty:
        raise SongsimError(f"dataset '{ds.name}' has no playlist entries matched to its tracks")


def _resolved(X) -> np.ndarray:
    """Track vectors ``X`` of the steps below: an array, or a function returning it (called on a
    cache miss only; ``input_key`` then required)."""
    return X() if callable(X) else X


def vectors_input_key(X, input_key: str | None) -> str:
    """The input key of a step on track vectors ``X``: ``input_key`` when given (required when
    ``X`` is a function), else the array's :func:`~songsim.cache.array_key`."""
    if input_key is None and callable(X):
        raise SongsimError("track vectors given as a function need an input_key")
    return input_key or array_key(X)


def track_vectors_key(ds: Dataset, kind: str) -> str:
    """What identifies one embedding's track vectors of ``ds`` — the dataset's clips, the kind's
    parameters and code, and the checkpoint that makes them — the input key of every step
    after it: a new checkpoint changes every sweep, map and score downstream."""
    return _embedding_key(ds, kind).digest


def _embedding_key(ds: Dataset, kind: str) -> StepKey:
    from .embeddings.kinds import embedding_key

    return step_key("embedding", embedding_key(ds, kind), {"kind": kind})


def track_vectors(
    ds: Dataset,
    kind: str,
    *,
    cache: StepCache = NO_CACHE,
    train_if_missing: bool = False,
    progress: Callback | None = None,
) -> np.ndarray:
    """The step from a dataset to one embedding's track vectors ``(n_tracks, d)`` float32:
    :func:`songsim.embeddings.embed`, whose vectors are stored per track on disk. Keyed on what
    makes the vectors, the checkpoint included (:func:`track_vectors_key`)."""
    from .embeddings import embed

    def compute() -> np.ndarray:
        return embed(ds, kind, train_if_missing=train_if_missing, progress=progress).track

    return cache.get(_embedding_key(ds, kind), compute, message="Computing embeddings…")


def k_sweep(
    X: np.ndarray,
    params: SweepParams = SweepParams(),
    *,
    cache: StepCache = NO_CACHE,
    input_key: str | None = None,
):
    """The step from track vectors ``X [shape=(n_tracks, d)]`` to their fitted
    :class:`~songsim.analysis.clustering.KSweep`, over the ks ``params.fit(n_tracks)`` allows."""
    from .analysis.clustering import KSweep

    def compute():
        vectors = _resolved(X)
        p = params.fit(len(vectors)).params
        sample = p.sample(len(vectors))
        return KSweep(
            p.ks,
            method=p.method,
            random_state=p.random_state,
            n_init=p.n_init,
            sample_size=sample,
            fit_size=sample,
        ).fit(vectors)

    key = step_key("k_sweep", vectors_input_key(X, input_key), params)
    return cache.get(key, compute, message="Sweeping k…")


def sweep_key(input_key: str, params: SweepParams = SweepParams()) -> str:
    """What identifies the k sweep of the track vectors with key ``input_key``: the input key
    of the steps after it."""
    return step_key("k_sweep", input_key, params).digest


@dataclasses.dataclass(frozen=True)
class TrackMap:
    """A 2-D map of an embedding's tracks.

    xy : np.ndarray [shape=(n_tracks, 2)] float32
    fitted : the parameters used and what was changed to fit the tracks (:class:`Fitted`)
    explained : PCA's variance ratio of its two components (None for t-SNE)
    key : what identifies this map (a later map may start from it)
    """

    xy: np.ndarray
    fitted: Fitted[MapParams]
    explained: tuple[float, float] | None = None
    key: str = ""


def map_neighbours(
    X: np.ndarray,
    params: MapParams = MapParams(),
    *,
    cache: StepCache = NO_CACHE,
    input_key: str | None = None,
):
    """t-SNE's neighbour search over ``X [shape=(n_tracks, d)]``, once for every perplexity a map
    can take: a fitted :class:`~songsim.analysis.maps.TSNEMapper` (shared, read-only)."""
    from .analysis.maps import TSNEMapper

    def compute():
        from .tasks import default_jobs

        return TSNEMapper(
            max_perplexity=MapParams.MAX_PERPLEXITY,
            random_state=params.random_state,
            n_jobs=default_jobs(),
        ).fit(_resolved(X))

    # the search depends on the seed only: one for every perplexity and iteration count
    key = step_key(
        "map_neighbours", vectors_input_key(X, input_key), {"random_state": params.random_state}
    )
    return cache.get(key, compute, message="Finding nearest neighbours for t-SNE…", shared=True)


def track_map(
    X: np.ndarray,
    params: MapParams = MapParams(),
    *,
    cache: StepCache = NO_CACHE,
    input_key: str | None = None,
    start: TrackMap | None = None,
    progress: Callback | None = None,
) -> TrackMap:
    """The step from track vectors ``X [shape=(n_tracks, d)]`` to their 2-D map; t-SNE's
    neighbours come from :func:`map_neighbours` through the same ``cache``, so a new perplexity
    only re-runs the optimisation — and with ``start`` (a t-SNE map of the same vectors, e.g. at
    the previous perplexity) only a short one from that map (the key names ``start``)."""
    from .analysis.maps import pca_2d

    input_key = vectors_input_key(X, input_key)
    warm = start is not None and params.method == "tsne" and start.fitted.params.method == "tsne"
    key = step_key("track_map", input_key, {"params": params, "start": start.key if warm else None})

    def compute() -> TrackMap:
        vectors = _resolved(X)
        fitted = params.fit(len(vectors))
        p = fitted.params
        if p.method == "pca":
            xy, ratio = pca_2d(vectors, random_state=p.random_state)
            return TrackMap(xy, fitted, (ratio[0], ratio[1]), key.digest)
        if progress:
            progress(0, 1, "t-SNE: finding each song's neighbours")
        mapper = map_neighbours(vectors, p, cache=cache, input_key=input_key)
        xy = mapper.transform(
            p.perplexity, n_iter=p.n_iter, init=start.xy if warm else None, progress=progress
        )
        return TrackMap(xy, fitted, key=key.digest)

    return cache.get(key, compute, message="Drawing the map…")
