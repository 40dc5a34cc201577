"""Steps from an embedding's track vectors to a 2-D map: t-SNE's neighbour search (once for
every perplexity) and the map itself, t-SNE or PCA."""

from __future__ import annotations

import dataclasses

import numpy as np

from ..flow import Lazy, step
from ..params import Fitted, MapParams


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

    def cache_identity(self) -> str:
        """A map named as a parameter (a warm start) is named by its key."""
        return self.key


@step(
    message="Finding nearest neighbours for t-SNE…",
    shared=True,
    keyed=lambda map: {"random_state": map.random_state},
)
def map_neighbours(track_vectors: np.ndarray, map: MapParams = MapParams()):
    """t-SNE's neighbour search over track vectors ``(n_tracks, d)``, once for every perplexity
    a map can take: a fitted :class:`~songsim.analysis.maps.TSNEMapper` (shared, read-only;
    it depends on the seed alone)."""
    from ..analysis.maps import TSNEMapper
    from ..tasks import default_jobs

    return TSNEMapper(
        max_perplexity=MapParams.MAX_PERPLEXITY,
        random_state=map.random_state,
        n_jobs=default_jobs(),
    ).fit(track_vectors)


@step(message="Drawing the map…")
def track_map(
    track_vectors: np.ndarray,
    map_neighbours: Lazy,
    map: MapParams = MapParams(),
    start: TrackMap | None = None,
    progress=None,
) -> TrackMap:
    """The 2-D map of track vectors ``(n_tracks, d)``; t-SNE's neighbours come from
    :func:`map_neighbours`, so a new perplexity only re-runs the optimisation — and with
    ``start`` (a t-SNE map of the same vectors, e.g. at the previous perplexity) only a short one
    from that map. The map's ``key`` is left for the caller (:func:`drawn_map`)."""
    from ..analysis.maps import pca_2d

    fitted = map.fit(len(track_vectors))
    p = fitted.params
    if p.method == "pca":
        xy, ratio = pca_2d(track_vectors, random_state=p.random_state)
        return TrackMap(xy, fitted, (ratio[0], ratio[1]))
    if progress:
        progress(0, 1, "t-SNE: finding each song's neighbours")
    warm = start is not None and start.fitted.params.method == "tsne"
    xy = map_neighbours().transform(
        p.perplexity, n_iter=p.n_iter, init=start.xy if warm else None, progress=progress
    )
    return TrackMap(xy, fitted)


def drawn_map(flow, **params) -> TrackMap:
    """:func:`track_map` from ``flow`` with ``params``, its ``key`` filled in (a later map may
    start from it). ``start`` counts only for a t-SNE map started from a t-SNE map."""
    start, p = params.get("start"), params.get("map", MapParams())
    if start is not None and not (p.method == "tsne" and start.fitted.params.method == "tsne"):
        params = {**params, "start": None}
    key = flow.key("track_map", **params).digest
    return dataclasses.replace(flow.get("track_map", **params), key=key)
