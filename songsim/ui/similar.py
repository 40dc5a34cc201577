"""The Similar songs page's steps: a song's nearest songs by cosine similarity, a playlist grown
from it, a path to another song, and their M3U8 and CSV downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import search
from ..data.datasets import Dataset
from .stepcache import APP_CACHE, app_flow


def similar(
    ds: Dataset,
    kind: str,
    index: int,
    n: int,
    keep_duplicates: bool = False,
    *,
    tempo_within: float | None = None,
    keys: bool = False,
) -> pd.DataFrame:
    """The ``n`` songs most similar to track ``index`` (:func:`songsim.search.similar_songs`),
    with their similarities; copies of one recording once unless ``keep_duplicates``; only
    songs within ``tempo_within`` percent of its tempo (half or double allowed) and, with
    ``keys``, in keys it mixes into (:func:`songsim.describing.matching`)."""
    allowed = None
    if tempo_within or keys:
        from ..describing import matching

        table = app_flow(ds).get("descriptors")
        allowed = matching(table, index, tempo_within=tempo_within or None, keys=keys)
    idx, sim = search.similar_songs(
        ds, kind, index, n=n, keep_duplicates=keep_duplicates, allowed=allowed, cache=APP_CACHE
    )
    out = ds.tracks.iloc[idx][["track_id", "title", "artist", "label"]].copy()
    out.insert(0, "similarity", np.round(sim, 4))
    out.insert(0, "row", idx)
    return _with_measures(ds, out.reset_index(drop=True))


def _with_measures(ds: Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (a ``row`` column of track rows) with each song's BPM and Camelot code, once
    the tracks are measured."""
    from .tables import measures

    measured = measures(ds)
    if measured is None:
        return table
    picked = measured.iloc[table["row"].to_numpy()][["BPM", "Camelot"]].reset_index(drop=True)
    return pd.concat([table, picked], axis=1)


def grow(
    ds: Dataset,
    kind: str,
    index: int,
    length: int,
    keep_duplicates: bool = False,
    *,
    dj: bool = False,
) -> pd.DataFrame:
    """A playlist grown from track ``index`` (:func:`songsim.search.grown_playlist`); with
    ``dj``, put in DJ order (:func:`songsim.describing.dj_order`: tempo and key move smoothly)."""
    order = search.grown_playlist(
        ds, kind, index, length=length, keep_duplicates=keep_duplicates, cache=APP_CACHE
    )
    if dj:
        from ..describing import dj_order

        order = dj_order(list(order), app_flow(ds).get("descriptors"))
    out = ds.tracks.iloc[order][["track_id", "title", "artist", "label", "duration"]].copy()
    out["duration"] = out["duration"].round(1)
    out.insert(0, "row", order)
    return _with_measures(ds, out.reset_index(drop=True))


def exports(ds: Dataset, table: pd.DataFrame, name: str, library_at: str = "") -> tuple[str, str]:
    """``(m3u8 text, csv text)`` of a playlist table (:func:`grow`'s): the M3U8's paths under
    ``library_at`` when given, else as :meth:`~songsim.data.datasets.Dataset.player_path` finds
    them (for a visitor, relative to the library folder: never the server's absolute paths);
    the CSV uploads back as this playlist."""
    from ..io.export import playlist_csv, to_m3u8
    from .library import writes_allowed

    owner = writes_allowed()  # a visitor's M3U8 never holds the server's folders
    at = library_at.strip() or None
    paths = [ds.player_path(int(r), at, absolute=owner) for r in table["row"]]
    return to_m3u8(table, name=name, paths=paths), playlist_csv(table, name=name)


def library_folder(ds: Dataset) -> str:
    """The library folder to start the M3U8's paths at by default: the folder the dataset was
    ingested from, for the dashboard's owner (a visitor is shown no server path: ``""``, and
    paths relative to the library folder)."""
    from .library import writes_allowed

    sources = ds.info.get("sources") or []
    if ds.info.get("kind") != "audio" or not sources or not writes_allowed():
        return ""
    return str(sources[0])


def song_path(
    ds: Dataset, kind: str, start: int, end: int, length: int, keep_duplicates: bool = False
) -> pd.DataFrame:
    """A path of ``length`` songs from track ``start`` to track ``end``
    (:func:`songsim.search.song_path`) with each song's cosine similarity to the end."""
    from ..analysis.paths import path_distances

    order = search.song_path(
        ds, kind, start, end, length=length, keep_duplicates=keep_duplicates, cache=APP_CACHE
    )
    index = search.vector_index(ds, kind, cache=APP_CACHE)
    out = ds.tracks.iloc[order][["track_id", "title", "artist", "label", "duration"]].copy()
    out.insert(0, "to the end", (1.0 - path_distances(index.X, order)).round(3))
    out.insert(0, "row", order)
    return out.reset_index(drop=True)
