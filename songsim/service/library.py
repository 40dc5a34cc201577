"""What ``songsim serve`` answers from: one dataset's tracks, one embedding's vector index, the
ids a music server knows them by, and the artists' mean vectors — loaded once, and loaded again
in the background when the library changes (a new dataset version or new vectors), while the
previous one keeps answering.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import threading
import time

import numpy as np

from ..data.store import dataset_entry, load_dataset
from ..errors import SongsimError
from ..storage import current_version

#: Seconds between two looks at whether the library changed.
RECHECK_SECONDS = 2.0


@dataclasses.dataclass
class Served:
    """One loaded version of the library: only what answers need (the track table itself is
    not kept: its columns are read once into these lists).

    Attributes
    ----------
    version : str                   the dataset version it was loaded from
    index : VectorIndex             the embedding's track vectors (unit rows ``index.X``)
    songs : np.ndarray [shape=(n_tracks,)] int          each track's song (copies share one)
    ids : list [n_tracks]           the id each track is served under (a linked server's id, or
                                    songsim's track id), None where there is none
    titles, authors, albums : list [n_tracks] of str
    row_of : dict                   served id → track row
    served : np.ndarray [shape=(n_tracks,)] bool        tracks that have an id
    artists : Artists
    linked : bool                   ids are a music server's
    measures : list [n_tracks] of dict, or None   each track's tempo, key, camelot, loudness
                                    (:mod:`songsim.describing`), None while none is measured
    """

    version: str
    index: object
    songs: np.ndarray
    ids: list
    titles: list
    authors: list
    albums: list
    row_of: dict
    served: np.ndarray
    artists: Artists
    linked: bool
    measures: list | None = None

    @property
    def n_tracks(self) -> int:
        return len(self.songs)

    def row(self, item_id: str) -> int | None:
        return self.row_of.get(item_id)

    def track(self, row: int, distance: float) -> dict:
        """A song as AudioMuse-AI's API writes it: ``item_id``, ``title``, ``author``,
        ``album``, ``distance``."""
        return {
            "item_id": self.ids[row],
            "title": self.titles[row],
            "author": self.authors[row],
            "album": self.albums[row],
            "distance": round(float(distance), 6),
            **(self.measures[row] if self.measures is not None else {}),
        }


@dataclasses.dataclass
class Artists:
    """Artists by the mean of their songs' unit vectors.

    Attributes
    ----------
    ids, names : np.ndarray [shape=(n_artists,)] object
    means : np.ndarray [shape=(n_artists, d)] float32, unit rows
    member : np.ndarray [shape=(n_tracks,)] int   the artist of each served track (-1: none)
    """

    ids: np.ndarray
    names: np.ndarray
    means: np.ndarray
    member: np.ndarray

    def find(self, query: str) -> int | None:
        """The artist whose id is ``query``, else whose name is (ignoring case)."""
        hit = np.flatnonzero(self.ids == query)
        if not len(hit):
            hit = np.flatnonzero(np.char.lower(self.names.astype(str)) == query.lower())
        return int(hit[0]) if len(hit) else None


def artists_of(X: np.ndarray, keys: np.ndarray, names: np.ndarray) -> Artists:
    """:class:`Artists` of the tracks whose artist key is ``keys[row]`` (None: left out)."""
    known = np.array([k is not None and str(k) != "" for k in keys])
    ids, member = np.unique(np.asarray(keys[known], dtype=str), return_inverse=True)
    full = np.full(len(keys), -1, dtype=np.int64)
    full[known] = member
    means = np.zeros((len(ids), X.shape[1]), dtype=np.float64)
    np.add.at(means, full[known], X[known])
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    means = (means / np.where(norms > 0, norms, 1)).astype(np.float32)
    first = np.zeros(len(ids), dtype=np.int64)
    first[full[known][::-1]] = np.flatnonzero(known)[::-1]
    return Artists(ids.astype(object), np.asarray(names, dtype=object)[first], means, full)


def load_served(name: str, kind: str, version: str) -> Served:
    """The library ``name`` as :class:`Served` (vectors of ``kind`` computed when missing)."""
    from .. import heap
    from ..describing import served_measures
    from ..linking import linked_ids
    from ..search import vector_index

    ds = load_dataset(name)
    index = vector_index(ds, kind)
    linked = linked_ids(ds)
    t = ds.tracks
    titles = t["title"].fillna("").astype(str).tolist()
    authors = t["artist"].fillna("").astype(str).tolist()
    if linked is not None:
        ids = [None if i is None else str(i) for i in linked.server_ids]
        songs = linked.link.songs.set_index("server_id")
        album_of, artist_of = songs["album"].to_dict(), songs["artist_id"].to_dict()
        albums = [album_of.get(i, "") if i is not None else "" for i in ids]
        artist_keys = np.array([artist_of.get(i) if i is not None else None for i in ids], object)
    else:
        ids = t["track_id"].astype(str).tolist()
        albums = [""] * len(ids)
        artist_keys = np.array([a or None for a in authors], dtype=object)
    served = np.array([i is not None for i in ids])
    row_of = {}
    for row in np.flatnonzero(served)[::-1]:  # the first track of an id wins
        row_of[ids[row]] = int(row)
    if linked is not None:
        row_of.update(linked.row_of)
    names = np.array(authors, dtype=object)
    artists = artists_of(index.X, np.where(served, artist_keys, None), names)
    out = Served(
        version,
        index,
        ds.songs.copy(),
        ids,
        titles,
        authors,
        albums,
        row_of,
        served,
        artists,
        linked is not None,
        served_measures(ds),
    )
    del ds, t, linked
    gc.collect()
    heap.trim()  # what loading freed goes back to the system
    return out


class Library:
    """The served library of dataset ``name`` and embedding ``kind``; :meth:`current` is what a
    request reads (it never waits for a reload once one version is loaded)."""

    def __init__(self, name: str, kind: str):
        self.name, self.kind = name, kind
        self._lock = threading.Lock()
        self._served: Served | None = None
        self._checked = 0.0
        self._reloading = False
        self._failed: str | None = None  # a version that could not be loaded: not tried again
        self.error: str | None = None

    def version(self) -> str:
        """The dataset's version and its measures' (tempo, key, loudness): a new one of either
        is loaded in the background."""
        from ..describing import entry_of

        found = current_version(dataset_entry(self.name))
        if found is None:
            raise SongsimError(f"no dataset named '{self.name}' in the cache")
        measured = current_version(entry_of(self.name))
        return found.name + (f"+{measured.name}" if measured else "")

    def load(self) -> Served:
        """Load now (the first time, before the server starts)."""
        self._served = load_served(self.name, self.kind, self.version())
        self._checked = time.monotonic()
        return self._served

    def current(self) -> Served:
        served = self._served or self.load()
        now = time.monotonic()
        if now - self._checked >= RECHECK_SECONDS and not self._reloading:
            with self._lock:
                self._checked = now
                try:
                    version = self.version()
                except SongsimError:
                    version = served.version  # a version being swapped: look again later
                changed = version not in (served.version, self._failed)
                if changed and not self._reloading:
                    self._reloading = True
                    threading.Thread(target=self._reload, daemon=True).start()
        return served

    def _reload(self) -> None:
        version = None
        try:
            version = self.version()
            self._served = load_served(self.name, self.kind, version)
            self.error = None
        except Exception as exc:  # keep answering from the version loaded; the operator is told
            self._failed = version
            self.error = type(exc).__name__  # (no message: it may name a folder of the server)
            logging.getLogger("songsim").warning("serve: reloading %s failed: %s", self.name, exc)
        finally:
            self._reloading = False
