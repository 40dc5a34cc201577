"""The Dataset: tracks, their clips, the playlists that link them, and its fingerprints.

A dataset is a view of a library, never the library in memory: its track table is loaded, its
clips stay on disk and are read in batches (:mod:`songsim.data.clips`), and its playlists and clip
start times are read the first time something asks for them. Stored by
:mod:`songsim.data.store`; playlist entries are matched to tracks by :mod:`songsim.data.matching`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import AudioParams
from ..errors import SongsimError
from ..io.table import COLUMNS as PLAYLIST_COLUMNS
from ..io.table import compact
from .clips import ArrayClips, ClipStore, clips_hash, encode
from .matching import match_tracks

#: What a view shows of a track.
TRACK_COLUMNS = ["track_id", "title", "artist", "label", "duration"]
#: What the dataset keeps about each track besides: its song (the row of the first track of its
#: duplicate group, :mod:`songsim.data.duplicates`), its clips (how many, their hash, where they
#: are) and the file it was read from (path in the folder, size, modification time, content hash).
STORAGE_COLUMNS = [
    "song",
    "n_clips",
    "clips_hash",
    "shard",
    "offset",
    "file",
    "file_size",
    "file_mtime_ns",
    "file_hash",
]


def _resolve(value):
    return value() if callable(value) else value


class Dataset:
    """Tracks with their clips and playlists.

    Attributes
    ----------
    name : str
    tracks : pd.DataFrame       one row per track: :data:`TRACK_COLUMNS` (label may be None) and
                                :data:`STORAGE_COLUMNS`
    clips : ClipStore           ``[shape=(n_clips, n_mels, n_frames)]`` float32 in [0, 1], read
                                on demand (``clips[rows]``, ``clips.batches()``)
    clip_track : np.ndarray     [shape=(n_clips,)] int, row in ``tracks`` of each clip
    clip_start : np.ndarray     [shape=(n_clips,)] float32, start of each clip in seconds
    playlists : pd.DataFrame    playlist entries matched to ``tracks.track_id``
    params : AudioParams
    info : dict                 kind, sources, skipped_files, unmatched_playlist_entries, …
    """

    def __init__(
        self,
        name: str,
        tracks: pd.DataFrame,
        clips: ClipStore,
        playlists: pd.DataFrame | Callable[[], pd.DataFrame],
        params: AudioParams,
        info: dict,
        *,
        clip_start: np.ndarray | Callable[[], np.ndarray],
        stored: dict | None = None,
    ):
        self.name, self.clips, self.params = name, clips, params
        self._tracks = tracks
        self.info = dict(info)
        self._playlists, self._clip_start = playlists, clip_start
        self._stored = stored or {}  # the manifest's fingerprints and counts, while they hold
        if len(clips) != int(tracks["n_clips"].sum()):
            raise SongsimError(f"dataset '{name}': its clips do not match its track table")

    @classmethod
    def assemble(
        cls,
        name: str,
        tracks: pd.DataFrame,
        clips: Sequence[np.ndarray],
        starts: Sequence[Sequence[float]],
        playlists: pd.DataFrame | None,
        params: AudioParams,
        info: dict,
    ) -> Dataset:
        """A dataset in memory from one entry per track: its row of ``tracks``
        (:data:`TRACK_COLUMNS`), its clips ``[shape=(n_clips_i, n_mels, n_frames)]`` in [0, 1] and
        their start times in seconds; playlist entries are matched to the tracks
        (``info["unmatched_playlist_entries"]`` counts the rest)."""
        from .duplicates import audio_print, song_groups

        if not len(tracks):
            raise SongsimError(f"dataset '{name}': no track could be read")
        if playlists is None:
            playlists = pd.DataFrame(columns=PLAYLIST_COLUMNS)
        table = tracks[TRACK_COLUMNS].reset_index(drop=True)
        codes = [encode(c) for c in clips]
        table["n_clips"] = [len(c) for c in codes]
        table["clips_hash"] = [clips_hash(c, s) for c, s in zip(codes, starts)]
        table["song"] = song_groups(
            table["duration"].to_numpy(),
            [audio_print(c) for c in codes],
            table["clips_hash"].tolist(),
            codes.__getitem__,
        )
        for col in ("shard", "file", "file_hash"):
            table[col] = None
        table["offset"] = np.concatenate([[0], np.cumsum(table["n_clips"])[:-1]])
        table["file_size"] = table["file_mtime_ns"] = -1
        matched, unmatched = match_tracks(playlists, table)
        return cls(
            name,
            table,
            ArrayClips(np.concatenate(codes)),
            matched,
            params,
            {**info, "unmatched_playlist_entries": unmatched},
            clip_start=np.concatenate([np.asarray(s, dtype=np.float32) for s in starts]),
        )

    # -- what is read on demand ------------------------------------------------------------------

    @property
    def tracks(self) -> pd.DataFrame:
        return self._tracks

    @tracks.setter
    def tracks(self, table: pd.DataFrame) -> None:
        """A new track table (same clips): what was derived from the old one is forgotten."""
        self._tracks = table
        self._stored = {}
        for derived in ("_clip_track", "_offsets"):
            self.__dict__.pop(derived, None)

    @property
    def playlists(self) -> pd.DataFrame:
        if callable(self._playlists):
            self._playlists = compact(self._playlists())
        elif not getattr(self, "_compacted", False):
            self._playlists = compact(self._playlists)  # text as codes (songsim.io.playlists)
        self._compacted = True
        return self._playlists

    @playlists.setter
    def playlists(self, table: pd.DataFrame) -> None:
        self._playlists, self._compacted = table, False
        self._stored = {k: v for k, v in self._stored.items() if k == "audio_fingerprint"}

    @property
    def clip_start(self) -> np.ndarray:
        self._clip_start = _resolve(self._clip_start)
        return self._clip_start

    @property
    def clip_track(self) -> np.ndarray:
        """Row in ``tracks`` of each clip, ``(n_clips,)`` int64."""
        if "_clip_track" not in self.__dict__:
            counts = self.tracks["n_clips"].to_numpy()
            self._clip_track = np.repeat(np.arange(len(counts)), counts)
        return self._clip_track

    def track_clips(self, row: int) -> np.ndarray:
        """Clip rows of track ``row``."""
        offsets = self._clip_offsets()
        return np.arange(offsets[row], offsets[row + 1])

    def _clip_offsets(self) -> np.ndarray:
        if "_offsets" not in self.__dict__:
            self._offsets = np.concatenate([[0], np.cumsum(self.tracks["n_clips"].to_numpy())])
        return self._offsets

    def clip_rows(self, rows) -> np.ndarray:
        """Clip rows of the tracks ``rows``, track by track."""
        offsets = self._clip_offsets()
        parts = [np.arange(offsets[r], offsets[r + 1]) for r in np.asarray(rows, dtype=np.int64)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    # -- what a dataset is -----------------------------------------------------------------------

    @property
    def n_tracks(self) -> int:
        return len(self.tracks)

    @property
    def n_clips(self) -> int:
        return len(self.clips)

    @property
    def songs(self) -> np.ndarray:
        """The song of each track ``(n_tracks,)``: the row of the first track with the same
        recording (itself when it has no duplicate)."""
        return self.tracks["song"].to_numpy()

    @property
    def labels(self) -> np.ndarray | None:
        """Label of each track, ``(n_tracks,)`` object array, or None when the dataset has none."""
        if "label" not in self.tracks or self.tracks["label"].isna().all():
            return None
        return self.tracks["label"].fillna("").to_numpy(dtype=object)

    @property
    def complete_labels(self) -> np.ndarray | None:
        """:attr:`labels` when every track has one, else None: labels are scored against
        clusterings only when complete (a partial labelling is compared on its labelled part
        only, by :func:`songsim.analysis.compare.aligned`)."""
        labels = self.labels
        return None if labels is None or (labels == "").any() else labels

    def source_file(self, row: int) -> Path | None:
        """The audio file track ``row`` was read from, when it is still a regular file there,
        by the rule the ingest followed: a dashboard's ingest confined files to its folders
        (``info["within"]``: a link out of them is never followed), the command line followed
        links. None for the demo, PNG datasets, or a file that is gone."""
        from ..io.scan import confined
        from ..limits import is_regular_file

        if self.info.get("kind") != "audio" or not self.info.get("sources"):
            return None
        root = Path(self.info["sources"][0])
        rel = str(self.tracks["file"].iloc[row] or self.tracks["track_id"].iloc[row])
        path = root / rel
        if ".." in Path(rel).parts or not is_regular_file(path):
            return None
        return path if confined(path, self.info.get("within")) else None

    def player_path(self, row: int, library_at: str | None = None, *, absolute: bool = True) -> str:
        """Where a media player finds track ``row``'s audio, for a playlist file: under
        ``library_at`` when the user names where (their copy of) the library folder is (joined
        with a backslash when that is a Windows path); else, with ``absolute``, the source file's
        absolute path while it is there (:meth:`source_file`); else the path relative to the
        library folder, which a playlist saved in that folder resolves (and the id itself for
        spectrogram datasets). ``absolute`` False: a visitor of the dashboard is never shown
        where the files are on the server."""
        rel = str(self.tracks["file"].iloc[row] or self.tracks["track_id"].iloc[row])
        if library_at:
            sep = "\\" if "\\" in library_at and "/" not in library_at else "/"
            return library_at.rstrip("/\\") + sep + rel.replace("/", sep)
        found = self.source_file(row) if absolute else None
        return str(found.absolute()) if found is not None else rel

    def track_row(self, track_id: str) -> int:
        """Row of ``track_id`` in :attr:`tracks`; SongsimError when there is none."""
        rows = np.flatnonzero(self.tracks["track_id"].to_numpy() == track_id)
        if not len(rows):
            raise SongsimError(f"no track '{track_id}' in dataset '{self.name}'")
        return int(rows[0])

    @property
    def audio_fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of each track's id and clips (by their hash) and the
        audio parameters: what models and embeddings depend on, unchanged when only the
        playlists change. Computed from the track table: no clip is read."""
        if "audio_fingerprint" not in self._stored:
            h = hashlib.sha256(repr(sorted(self.params.to_dict().items())).encode())
            for tid, ch in zip(self.tracks["track_id"], self.tracks["clips_hash"]):
                h.update(f"{tid}\t{ch}\n".encode())
            self._stored["audio_fingerprint"] = h.hexdigest()[:16]
        return self._stored["audio_fingerprint"]

    @property
    def fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the audio fingerprint, everything a view shows of a
        track (titles, artists, labels, duplicates) and the playlists."""
        if "fingerprint" not in self._stored:
            h = hashlib.sha256(self.audio_fingerprint.encode())
            shown = self.tracks[["title", "artist", "label", "song"]].astype(str)
            h.update(pd.util.hash_pandas_object(shown, index=False).values.tobytes())
            h.update(
                pd.util.hash_pandas_object(
                    self.playlists[["playlist_id", "track_id"]], index=False
                ).values.tobytes()
            )
            self._stored["fingerprint"] = h.hexdigest()[:16]
        return self._stored["fingerprint"]

    def summary(self) -> dict:
        """Counts for ``songsim info``: tracks, songs, clips, playlists, labels, skipped,
        unmatched (from the manifest when the dataset was loaded: no table is read)."""
        if "summary" in self._stored:
            return {**self._stored["summary"], "name": self.name}
        labels = self.labels
        songs = int(len(np.unique(self.songs)))
        out = {
            "name": self.name,
            "kind": self.info.get("kind"),
            "tracks": int(self.n_tracks),
            "songs": songs,
            "duplicates": int(self.n_tracks - songs),
            "clips": int(self.n_clips),
            "playlists": int(self.playlists["playlist_id"].nunique()),
            "playlist_entries": int(len(self.playlists)),
            "labels": 0 if labels is None else int(len(set(labels) - {""})),
            "skipped_files": len(self.info.get("skipped_files", [])),
            "unmatched_playlist_entries": int(self.info.get("unmatched_playlist_entries", 0)),
            "fingerprint": self.fingerprint,
        }
        self._stored["summary"] = out
        return out

    def with_playlists(self, playlists: pd.DataFrame, *, source: str) -> Dataset:
        """A copy whose playlists are replaced by ``playlists`` (matched here); the tracks and
        clips are shared."""
        missed: list[str] = []
        matched, unmatched = match_tracks(playlists, self.tracks, examples=missed)
        info = {
            **self.info,
            "playlist_sources": [source],
            "unmatched_playlist_entries": unmatched,
            "unmatched_examples": missed,
        }
        return Dataset(
            self.name,
            self.tracks,
            self.clips,
            matched,
            self.params,
            info,
            clip_start=lambda: self.clip_start,
            stored={"audio_fingerprint": self.audio_fingerprint},
        )
