"""The Map page's steps: t-SNE and PCA maps of an embedding's tracks, the points with what their
tooltips and colours need, and the tracks a search or a picked group highlights (the Graph page
highlights them too)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import pipeline
from ..data.datasets import Dataset
from ..params import MapParams
from .cached import _track_tags, clusters, embedding, tags_computed
from .graphs import community_series
from .stepcache import APP_CACHE


def perplexity_range(ds: Dataset) -> tuple[int, int]:
    """``(lowest, highest)`` perplexity the slider offers for ``ds`` (equal when there is no
    choice: a library of fewer than 19 tracks)."""
    top = MapParams.max_perplexity(ds.n_tracks)
    return min(5, max(1, top - 1)), top


def track_map(ds: Dataset, kind: str, params: MapParams) -> pipeline.TrackMap:
    """The 2-D map of ``kind``'s track vectors (:func:`songsim.pipeline.track_map`): t-SNE's
    neighbours searched once per embedding, a map per perplexity."""
    return pipeline.track_map(
        lambda: embedding(ds, kind),  # fetched only when the map is not cached
        params,
        cache=APP_CACHE,
        input_key=pipeline.track_vectors_key(ds, kind),
    )


def map_caption(ds: Dataset, tm: pipeline.TrackMap) -> str:
    """What a map shows, in words, with what was changed to fit the library."""
    p = tm.fitted.params
    if p.method == "pca":
        a, b = tm.explained
        return f"PCA: the two components explain {a:.1%} and {b:.1%} of the variance"
    top = MapParams.max_perplexity(ds.n_tracks)
    limit = f"at most {top} for {ds.n_tracks} tracks" if top < MapParams.MAX_PERPLEXITY else None
    why = tm.fitted.note or limit
    return f"t-SNE of {ds.n_tracks} track vectors at perplexity {p.perplexity:g}" + (
        f" ({why})" if why else ""
    )


def map_points(ds: Dataset, xy: np.ndarray, kind: str, k: int, graph) -> pd.DataFrame:
    """Points of a 2-D map with what the tooltips and colours need (index = track row): the
    clusters at ``k``, the communities of the graph with parameters ``graph``."""
    from .charts import NO_GROUP

    pts = ds.tracks[["track_id", "title", "artist"]].copy()
    pts["x"], pts["y"] = xy[:, 0], xy[:, 1]
    pts["cluster"] = clusters(ds, kind, k).astype(str)
    comm = community_series(ds, graph)
    pts["community"] = (
        pd.Series(comm.astype(str), index=comm.index)
        .reindex(np.arange(ds.n_tracks))
        .fillna(NO_GROUP)
        .to_numpy()
    )
    if ds.labels is not None:
        pts["label"] = ds.labels
    if tags_computed(ds):  # musicnn has heard this dataset: its top tags in the tooltip
        from ..analysis.tags import top_tags

        pts["tags"] = [", ".join(t) for t in top_tags(_track_tags(ds, ds.audio_fingerprint), 3)]
    return pts


def highlight(
    ds: Dataset, kind: str, k: int, graph, search: str = "", group=None
) -> np.ndarray | None:
    """Which tracks to show in full ``(n_tracks,)`` bool — those whose title, artist or id
    contains ``search`` (any case) and that are in ``group`` (``("cluster" | "community", id)``)
    — or None when neither narrows anything."""
    from .charts import NO_GROUP

    mask = np.ones(ds.n_tracks, bool)
    text = search.strip().casefold()
    if text:
        t = ds.tracks
        found = (t["title"] + "\n" + t["artist"] + "\n" + t["track_id"]).str.casefold()
        mask &= found.str.contains(text, regex=False).to_numpy()
    if group is not None:
        what, gid = group
        if what == "cluster":
            mask &= clusters(ds, kind, k).astype(str) == gid
        else:
            comm = community_series(ds, graph).reindex(np.arange(ds.n_tracks))
            mask &= comm.astype("string").fillna(NO_GROUP).to_numpy() == gid
    return mask if (text or group is not None) else None
