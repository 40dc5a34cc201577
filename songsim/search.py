"""Similar songs: the vector index of an embedding, the nearest songs of one, and playlists grown
from it — copies of one recording counted once (the steps the CLI's ``similar`` and the Similar
songs page share)."""

from __future__ import annotations

import numpy as np

from .cache import NO_CACHE, StepCache
from .data.datasets import Dataset
from .steps import Flow


def vector_index(ds: Dataset, kind: str, *, cache: StepCache = NO_CACHE, build: bool = True):
    """The ``vector_index`` step of ``kind`` (:mod:`songsim.steps.embedding`): exact for a small
    library, a stored HNSW graph (built or updated when ``build``) for a large one. Shared,
    read-only."""
    return Flow(ds, cache=cache).get("vector_index", kind=kind, build_index=build)


def _searched(ds: Dataset, kind: str, keep_duplicates: bool, cache: StepCache):
    """``(vector index, each track's song or None)``: what a search of ``ds`` by ``kind`` reads
    (songs None: every copy of a recording is a song of its own)."""
    index = vector_index(ds, kind, cache=cache, build=cache is not NO_CACHE)
    return index, None if keep_duplicates else ds.songs


def similar_songs(
    ds: Dataset,
    kind: str,
    track: int,
    *,
    n: int = 10,
    keep_duplicates: bool = False,
    allowed: np.ndarray | None = None,
    cache: StepCache = NO_CACHE,
) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, cosine similarities)`` of the ``n`` songs most similar to track ``track`` by
    embedding ``kind`` (stored: nothing is computed but the search), through the dataset's vector
    index; copies of one recording are one song (and the track's own copies are left out)
    unless ``keep_duplicates``; only rows ``allowed [shape=(n_tracks,)] bool`` when given (a
    tempo range, compatible keys: :func:`songsim.describing.matching`)."""
    from .analysis.similar import nearest

    index, songs = _searched(ds, kind, keep_duplicates, cache)
    return nearest(index.X, track, n=n, songs=songs, index=index, allowed=allowed)


def grown_playlist(
    ds: Dataset,
    kind: str,
    start: int,
    *,
    length: int = 12,
    keep_duplicates: bool = False,
    cache: StepCache = NO_CACHE,
) -> list[int]:
    """Track rows of a playlist grown from ``start`` (:func:`~songsim.analysis.similar.
    grow_playlist`), one track per song unless ``keep_duplicates``."""
    from .analysis.similar import grow_playlist

    index, songs = _searched(ds, kind, keep_duplicates, cache)
    return grow_playlist(index.X, start, length=length, songs=songs, index=index)


def song_path(
    ds: Dataset,
    kind: str,
    start: int,
    end: int,
    *,
    length: int = 12,
    keep_duplicates: bool = False,
    cache: StepCache = NO_CACHE,
) -> list[int]:
    """Track rows of a path of ``length`` songs from ``start`` to ``end``
    (:func:`~songsim.analysis.paths.line_path`), one track per song unless ``keep_duplicates``."""
    from .analysis.paths import line_path

    index, songs = _searched(ds, kind, keep_duplicates, cache)
    return line_path(index.X, start, end, length=length, songs=songs, index=index)
