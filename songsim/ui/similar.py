"""The Similar songs page's steps: a song's nearest songs by cosine similarity, a playlist grown
from it, and its M3U8 and CSV downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.datasets import Dataset
from .cached import (
    embedding,
)


def similar(ds: Dataset, kind: str, index: int, n: int) -> pd.DataFrame:
    from ..analysis.similar import nearest

    idx, sim = nearest(embedding(ds, kind), index, n=n)
    out = ds.tracks.iloc[idx][["track_id", "title", "artist", "label"]].copy()
    out.insert(0, "similarity", np.round(sim, 4))
    out.insert(0, "row", idx)
    return out.reset_index(drop=True)


def grow(ds: Dataset, kind: str, index: int, length: int) -> pd.DataFrame:
    from ..analysis.similar import grow_playlist

    order = grow_playlist(embedding(ds, kind), index, length=length)
    out = ds.tracks.iloc[order][["track_id", "title", "artist", "label", "duration"]].copy()
    out.insert(0, "row", order)
    return out.reset_index(drop=True)


def exports(table: pd.DataFrame, name: str) -> tuple[str, str]:
    """``(m3u8 text, csv text)`` of a playlist table, neutralised against formula injection."""
    from ..analysis.similar import to_csv, to_m3u8

    cols = [c for c in ("track_id", "title", "artist", "label", "duration") if c in table]
    return to_m3u8(table, name=name), to_csv(table[cols])
