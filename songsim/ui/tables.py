"""The Data page's tables: the tracks (searchable, a page of them at a time) and the songs that
have several paths."""

from __future__ import annotations

import pandas as pd

from ..data.datasets import Dataset

#: Rows of the track table sent to the browser at once.
TABLE_ROWS = 1_000


def track_table(ds: Dataset, search: str = "") -> tuple[pd.DataFrame, int]:
    """``(rows to show, how many match)``: the tracks whose id, title or artist contains
    ``search`` (any case), at most :data:`TABLE_ROWS` of them."""
    t = ds.tracks
    shown = t[["track_id", "title", "artist", "label", "duration"]]
    text = search.strip().casefold()
    if text:
        found = (t["title"] + "\n" + t["artist"] + "\n" + t["track_id"]).str.casefold()
        shown = shown[found.str.contains(text, regex=False).to_numpy()]
    return shown.head(TABLE_ROWS), len(shown)


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
