"""The Similar songs page's steps: a song's nearest songs by cosine similarity, a playlist grown
from it, and its M3U8 and CSV downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import search
from ..data.datasets import Dataset
from .stepcache import APP_CACHE


def similar(
    ds: Dataset, kind: str, index: int, n: int, keep_duplicates: bool = False
) -> pd.DataFrame:
    """The ``n`` songs most similar to track ``index`` (:func:`songsim.search.similar_songs`),
    with their similarities; copies of one recording once unless ``keep_duplicates``."""
    idx, sim = search.similar_songs(
        ds, kind, index, n=n, keep_duplicates=keep_duplicates, cache=APP_CACHE
    )
    out = ds.tracks.iloc[idx][["track_id", "title", "artist", "label"]].copy()
    out.insert(0, "similarity", np.round(sim, 4))
    out.insert(0, "row", idx)
    return out.reset_index(drop=True)


def grow(
    ds: Dataset, kind: str, index: int, length: int, keep_duplicates: bool = False
) -> pd.DataFrame:
    """A playlist grown from track ``index`` (:func:`songsim.search.grown_playlist`)."""
    order = search.grown_playlist(
        ds, kind, index, length=length, keep_duplicates=keep_duplicates, cache=APP_CACHE
    )
    out = ds.tracks.iloc[order][["track_id", "title", "artist", "label", "duration"]].copy()
    out.insert(0, "row", order)
    return out.reset_index(drop=True)


def exports(table: pd.DataFrame, name: str) -> tuple[str, str]:
    """``(m3u8 text, csv text)`` of a playlist table, neutralised against formula injection."""
    from ..analysis.similar import to_csv, to_m3u8

    cols = [c for c in ("track_id", "title", "artist", "label", "duration") if c in table]
    return to_m3u8(table, name=name), to_csv(table[cols])
