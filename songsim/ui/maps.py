"""The Map page's steps: t-SNE and PCA maps of an embedding's tracks, the points with what their
tooltips and colours need, and the tracks a search or a picked group highlights (the Graph page
highlights them too)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..cache import MemoryCache
from ..data.datasets import Dataset
from ..flow import Flow
from ..params import MapParams
from ..steps import TrackMap, drawn_map
from .graphs import community_series
from .results import clusters, ensure_embedded, tags_computed
from .stepcache import app_flow

#: Where background maps keep their neighbour searches (a thread has no Streamlit context).
_BACKGROUND = MemoryCache(max_entries=8)


def perplexity_range(ds: Dataset) -> tuple[int, int]:
    """``(lowest, highest)`` perplexity the slider offers for ``ds`` (equal when there is no
    choice: a library of fewer than 19 tracks)."""
    top = MapParams.max_perplexity(ds.n_tracks)
    return min(5, max(1, top - 1)), top


#: Tracks above which a t-SNE map is computed in the background (the page shows PCA meanwhile).
BACKGROUND_ABOVE = 10_000
_TASKS: dict = {}  # map key → BackgroundTask, shared by every session of this server


def _start_key(ds: Dataset, kind: str) -> str:
    return f"_map_start@{ds.name}@{kind}"


def track_map(ds: Dataset, kind: str, params: MapParams) -> TrackMap | None:
    """The 2-D map of ``kind``'s track vectors (the ``track_map`` step): t-SNE's neighbours
    searched once per embedding, a map per perplexity, started from the map this session last
    saw (a slider move redraws in a moment). Above :data:`BACKGROUND_ABOVE` tracks a t-SNE map
    is computed in a background task and this returns None until it is done
    (:func:`map_progress` says how far it is)."""
    import streamlit as st

    vectors = app_flow(ds).key("vectors_id", kind=kind).digest
    seen = st.session_state.get(_start_key(ds, kind))  # (vectors' id, its params, the last map)
    start = None
    if seen and seen[0] == vectors:
        if seen[1] == params:
            return seen[2]  # the map this session shows
        start = seen[2]
    ensure_embedded(ds, kind)
    if params.method == "pca" or ds.n_tracks <= BACKGROUND_ABOVE:
        tm = drawn_map(app_flow(ds), kind=kind, map=params, start=start)
    else:
        tm = _background(
            app_flow(ds).key("track_map", kind=kind, map=params, start=start).digest,
            lambda progress: drawn_map(
                Flow(ds, cache=_BACKGROUND, progress=progress), kind=kind, map=params, start=start
            ),
        )
    if tm is not None and params.method == "tsne":
        st.session_state[_start_key(ds, kind)] = (vectors, params, tm)
    return tm


def _background(key: str, compute):
    """The result of ``compute(progress=…)`` run once in a background task, or None while it runs."""
    from ..progress import BackgroundTask

    task = _TASKS.get(key)
    if task is None:
        while len(_TASKS) >= 8:  # forget the oldest finished tasks
            old = next((k for k, t in _TASKS.items() if not t.running), None)
            if old is None:
                break
            _TASKS.pop(old)
        task = _TASKS[key] = BackgroundTask(compute, "songsim-map").start()
    if task.running:
        return None
    if task.error is not None:
        _TASKS.pop(key, None)
        raise task.error
    return task.result


def map_progress() -> tuple[int, int, str] | None:
    """``(done, total, message)`` of a running background map, or None."""
    running = [t for t in _TASKS.values() if t.running]
    return (running[0].done, running[0].total, running[0].message) if running else None


def map_caption(ds: Dataset, tm: TrackMap) -> str:
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


#: What a map can be coloured by once the tracks are measured (:mod:`songsim.describing`).
MEASURES = ("tempo", "key", "loudness")


def color_options(ds: Dataset, graph) -> list[str]:
    """What the Map can colour by for ``ds``: clusters, communities (with a graph), labels (with
    them), and tempo, key and loudness (once measured)."""
    from .graphs import has_graph
    from .tables import measures

    return (
        ["cluster"]
        + (["community"] if has_graph(ds, graph) else [])
        + (["label"] if ds.labels is not None else [])
        + (list(MEASURES) if measures(ds) is not None else [])
    )


def default_color(options: list[str]) -> str:
    """The colouring a map starts with: labels, else communities, else clusters."""
    return next(c for c in ("label", "community", "cluster") if c in options)


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
    from ..describing import bands
    from .tables import measures

    if measures(ds) is not None:  # measured: the map can be coloured by tempo, key, loudness
        measured = bands(app_flow(ds).get("descriptors"))
        for column in MEASURES:
            pts[column] = measured[column].fillna(NO_GROUP).to_numpy()
    from ..analysis.tags import top_tags

    for vocabulary, column in (("MSD", "tags"), ("MTT", "sound")):
        if tags_computed(ds, vocabulary):  # heard already: its top tags in the tooltip
            probs = app_flow(ds).get("track_tags", vocabulary=vocabulary)
            pts[column] = [", ".join(t) for t in top_tags(probs, 3)]
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


def map_waiting() -> None:
    """Say how far the background t-SNE map is, every second, and show it once it is done."""
    import streamlit as st

    @st.fragment(run_every=1.0)
    def watch():
        state = map_progress()
        if state is None:
            st.rerun()  # done: draw it
        done, total, message = state
        st.progress(
            min(1.0, done / max(total, 1)),
            text=f"{message} ({done}/{total}) — computed in the background; the PCA map "
            "meanwhile (you may leave this page: the work goes on)",
        )

    watch()
