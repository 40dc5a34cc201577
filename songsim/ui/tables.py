"""The Data page's tables: the tracks (searchable, a page of them at a time) and the songs that
have several paths."""

from __future__ import annotations

import pandas as pd

from ..data.datasets import Dataset
from ..errors import SongsimError

#: Rows of the track table sent to the browser at once.
TABLE_ROWS = 1_000


def track_table(ds: Dataset, search: str = "") -> tuple[pd.DataFrame, int]:
    """``(rows to show, how many match)``: the tracks whose id, title or artist contains
    ``search`` (any case), at most :data:`TABLE_ROWS` of them."""
    t = ds.tracks
    shown = t[["track_id", "title", "artist", "label", "duration"]].copy()
    shown["duration"] = shown["duration"].round(1)
    measured = measures(ds)
    if measured is not None:
        shown = shown.join(measured)
    text = search.strip().casefold()
    if text:
        found = (t["title"] + "\n" + t["artist"] + "\n" + t["track_id"]).str.casefold()
        shown = shown[found.str.contains(text, regex=False).to_numpy()]
    return shown.head(TABLE_ROWS), len(shown)


def measures(ds: Dataset) -> pd.DataFrame | None:
    """Each track's tempo (BPM), key, Camelot code and loudness (LUFS) as the Data page shows
    them (index = track row), or None while none is stored."""
    from .stepcache import app_flow

    table = app_flow(ds).get("descriptors")
    if table["loudness"].isna().all() and table["tempo"].isna().all():
        return None
    return pd.DataFrame(
        {
            "BPM": pd.to_numeric(table["tempo"]).round(1),
            "key": table["key"],
            "Camelot": table["camelot"],
            "LUFS": pd.to_numeric(table["loudness"]).round(1),
        }
    )


def measured(ds: Dataset) -> bool:
    """Whether any track of ``ds`` has stored measures (then pages filter and colour by them)."""
    return measures(ds) is not None


def group_measures(ds: Dataset, groups, what: str) -> pd.DataFrame | None:
    """Per group (``what``: "cluster" or "community"): its tempo, key and loudness in words, or
    None while no track is measured."""
    from .stepcache import app_flow

    if measures(ds) is None:
        return None
    table = app_flow(ds).get("group_measures", groups=groups)
    return table.rename(columns={"group": what})


def cluster_measures(ds: Dataset, kind: str, k: int) -> pd.DataFrame | None:
    """:func:`group_measures` of the clusters of ``kind`` at ``k``."""
    from .results import clusters

    return group_measures(ds, clusters(ds, kind, k), "cluster")


def community_measures(ds: Dataset, graph) -> pd.DataFrame | None:
    """:func:`group_measures` of the communities of the graph with parameters ``graph``."""
    import numpy as np

    from .graphs import community_series

    comm = community_series(ds, graph).reindex(np.arange(ds.n_tracks))
    groups = np.array([None if pd.isna(c) else int(c) for c in comm], dtype=object)
    return group_measures(ds, groups, "community")


def explained_by_measures(ds: Dataset, kind: str, k: int) -> pd.DataFrame | None:
    """How much of the clusters of ``kind`` at ``k`` tempo, key or loudness alone explains (AMI,
    V-measure), or None while no track is measured."""
    from ..describing import explained
    from .results import clusters
    from .stepcache import app_flow

    if measures(ds) is None:
        return None
    return explained(clusters(ds, kind, k), app_flow(ds).get("descriptors"))


def unmeasured(ds: Dataset) -> int | None:
    """How many tracks have no stored tempo, key and loudness (None: this dataset has no audio
    to measure — spectrogram images)."""
    from ..describing import to_describe

    if ds.info.get("kind") not in ("audio", "demo"):
        return None
    return to_describe(ds)


def measure_library(ds: Dataset, bar) -> int:
    """Measure the tracks of ``ds`` not measured yet (owner only), moving ``bar``; how many."""
    from ..describing import describe_library, to_describe
    from .library import writes_allowed
    from .session import progress_callback

    if not writes_allowed():
        raise SongsimError("This dashboard is read-only: measuring is turned off.")
    todo = to_describe(ds)
    describe_library(ds, progress=progress_callback(bar))
    return todo


def duplicate_table(ds: Dataset) -> pd.DataFrame:
    """One row per song with several paths: the song (its first path), how many paths, all of
    them."""
    from ..data.duplicates import duplicate_paths

    ids = ds.tracks["track_id"].tolist()
    groups = duplicate_paths(ids, ds.songs)
    return pd.DataFrame(
        [{"song": ids[s], "paths": len(p), "all paths": " | ".join(p)} for s, p in groups.items()],
        columns=["song", "paths", "all paths"],
    )
