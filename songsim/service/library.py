"""What ``songsim serve`` answers from: one dataset's tracks, one embedding's vector index, the
ids a music server knows them by, and the artists' mean vectors — loaded once, and loaded again
in the background when the library changes (a new dataset version or new vectors), while the
previous one keeps answering.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import numpy as np

from ..data.datasets import Dataset
from ..data.store import dataset_entry, load_dataset
from ..errors import SongsimError
from ..storage import current_version

#: Seconds between two looks at whether the library changed.
RECHECK_SECONDS = 2.0


@dataclasses.dataclass
class Served:
    """One loaded version of the library.

    Attributes
    ----------
    version : str                   the dataset version it was loaded from
    ds : Dataset
    index : VectorIndex             the embedding's track vectors (unit rows ``index.X``)
    item_ids : np.ndarray [shape=(n_tracks,)] object   the id each track is served under (a
                                    linked server's id, or songsim's track id), None if none
    row_of : dict                   served id → track row
    served : np.ndarray [shape=(n_tracks,)] bool       tracks that have an id
    album : np.ndarray [shape=(n_tracks,)] object
    artists : "Artists"
    """

    version: str
    ds: Dataset
    index: object
    item_ids: np.ndarray
    row_of: dict
    served: np.ndarray
    album: np.ndarray
    artists: Artists
    linked: bool

    def __post_init__(self):
        t = self.ds.tracks  # as Python lists: a request reads a few rows, without pandas
        self.titles = t["title"].fillna("").astype(str).tolist()
        self.authors = t["artist"].fillna("").astype(str).tolist()
        self.albums = [str(a or "") for a in self.album]
        self.ids = [None if i is None else str(i) for i in self.item_ids]

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
    from ..linking import linked_ids
    from ..search import vector_index

    ds = load_dataset(name)
    index = vector_index(ds, kind)
    linked = linked_ids(ds)
    n = ds.n_tracks
    artist_names = ds.tracks["artist"].fillna("").astype(str).to_numpy(dtype=object)
    if linked is not None:
        item_ids = linked.server_ids
        songs = linked.link.songs.set_index("server_id")
        album = np.array(
            [songs["album"].get(i, "") if i is not None else "" for i in item_ids], object
        )
        artist_keys = np.array(
            [songs["artist_id"].get(i) if i is not None else None for i in item_ids], object
        )
    else:
        item_ids = ds.tracks["track_id"].astype(str).to_numpy(dtype=object)
        album = np.full(n, "", dtype=object)
        artist_keys = np.where(artist_names == "", None, artist_names)
    served = np.array([i is not None for i in item_ids])
    row_of = {}
    for row in np.flatnonzero(served)[::-1]:
        row_of[str(item_ids[row])] = int(row)
    if linked is not None:
        row_of.update({k: v for k, v in linked.row_of.items()})
    artists = artists_of(index.X, np.where(served, artist_keys, None), artist_names)
    return Served(version, ds, index, item_ids, row_of, served, album, artists, linked is not None)


class Library:
    """The served library of dataset ``name`` and embedding ``kind``; :meth:`current` is what a
    request reads (it never waits for a reload once one version is loaded)."""

    def __init__(self, name: str, kind: str):
        self.name, self.kind = name, kind
        self._lock = threading.Lock()
        self._served: Served | None = None
        self._checked = 0.0
        self._reloading = False
        self.error: str | None = None

    def version(self) -> str:
        found = current_version(dataset_entry(self.name))
        if found is None:
            raise SongsimError(f"no dataset named '{self.name}' in the cache")
        return found.name

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
                    changed = self.version() != served.version
                except SongsimError:
                    changed = False  # a version being swapped: look again later
                if changed and not self._reloading:
                    self._reloading = True
                    threading.Thread(target=self._reload, daemon=True).start()
        return served

    def _reload(self) -> None:
        try:
            self._served = load_served(self.name, self.kind, self.version())
            self.error = None
        except Exception as exc:  # keep answering from the version loaded
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._reloading = False
