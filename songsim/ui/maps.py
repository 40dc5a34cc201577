"""The Map page's steps: t-SNE and PCA maps of an embedding's tracks, the points with what their
tooltips and colours need, and the tracks a search or a picked group highlights (the Graph page
highlights them too)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ..data.datasets import Dataset
from ..errors import SongsimError
from .cached import (
    _embedding,
    _track_tags,
    clusters,
    tags_computed,
)
from .graphs import community_series

#: The perplexity slider's top; a small library allows less (see :func:`max_perplexity`).
MAX_PERPLEXITY = 50


@st.cache_resource(max_entries=8, show_spinner="Finding nearest neighbours for t-SNE…")
def _tsne_mapper(_ds: Dataset, audio_key: str, kind: str):
    from ..analysis.maps import TSNEMapper

    return TSNEMapper(max_perplexity=MAX_PERPLEXITY).fit(_embedding(_ds, audio_key, kind))


def max_perplexity(ds: Dataset) -> int:
    """The largest perplexity t-SNE allows for ``ds``: :data:`MAX_PERPLEXITY`, or (n − 1) / 3
    for a library of fewer than 151 tracks (at least 1)."""
    return int(max(1, min(MAX_PERPLEXITY, (ds.n_tracks - 1) // 3)))


def tsne(ds: Dataset, kind: str, perplexity: float) -> np.ndarray:
    """t-SNE map ``(n_tracks, 2)`` at ``perplexity`` (neighbours found once per embedding);
    the perplexity must be at most :func:`max_perplexity`."""
    if not 1 <= perplexity <= max_perplexity(ds):
        raise SongsimError(
            f"perplexity {perplexity:g} is outside 1–{max_perplexity(ds)} for {ds.n_tracks} tracks"
        )
    return _tsne(ds, ds.audio_fingerprint, kind, float(perplexity))


@st.cache_data(max_entries=32, show_spinner="Running t-SNE…")
def _tsne(_ds: Dataset, audio_key: str, kind: str, perplexity: float) -> np.ndarray:
    return _tsne_mapper(_ds, audio_key, kind).transform(perplexity)


def pca(ds: Dataset, kind: str) -> tuple[np.ndarray, list[float]]:
    """PCA map ``(n_tracks, 2)`` and the variance ratio of its two components."""
    return _pca(ds, ds.audio_fingerprint, kind)


@st.cache_data(max_entries=16, show_spinner=False)
def _pca(_ds: Dataset, audio_key: str, kind: str) -> tuple[np.ndarray, list[float]]:
    from ..analysis.maps import pca_2d

    return pca_2d(_embedding(_ds, audio_key, kind))


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
