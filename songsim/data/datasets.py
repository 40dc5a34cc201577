"""The Dataset: tracks, their clips, the playlists that link them, and its fingerprints.

Stored by :mod:`songsim.data.store`; playlist entries are matched to tracks by
:mod:`songsim.data.matching`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import AudioParams
from ..errors import SongsimError
from ..io.table import COLUMNS as PLAYLIST_COLUMNS
from ..io.table import compact
from .matching import match_tracks

TRACK_COLUMNS = ["track_id", "title", "artist", "label", "duration"]


@dataclasses.dataclass
class Dataset:
    """Tracks with their clips and playlists.

    Attributes
    ----------
    name : str
    tracks : pd.DataFrame       one row per track, columns :data:`TRACK_COLUMNS` (label may be None)
    clips : np.ndarray          [shape=(n_clips, n_mels, n_frames)] float32 in [0, 1]
    clip_track : np.ndarray     [shape=(n_clips,)] int, row in ``tracks`` of each clip
    clip_start : np.ndarray     [shape=(n_clips,)] float, start of each clip in seconds
    playlists : pd.DataFrame    playlist entries matched to ``tracks.track_id``
    params : AudioParams
    info : dict                 kind, sources, skipped_files, unmatched_playlist_entries, …
    """

    name: str
    tracks: pd.DataFrame
    clips: np.ndarray
    clip_track: np.ndarray
    clip_start: np.ndarray
    playlists: pd.DataFrame
    params: AudioParams
    info: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        self.playlists = compact(self.playlists)  # text as codes (see songsim.io.playlists)

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
        """A dataset from one entry per track: its row of ``tracks``, its clips
        ``[shape=(n_clips_i, n_mels, n_frames)]`` and their start times in seconds; playlist
        entries are matched to the tracks (``info["unmatched_playlist_entries"]`` counts the rest).
        """
        if not len(tracks):
            raise SongsimError(f"dataset '{name}': no track could be read")
        if playlists is None:
            playlists = pd.DataFrame(columns=PLAYLIST_COLUMNS)
        table = tracks[TRACK_COLUMNS].reset_index(drop=True)
        matched, unmatched = match_tracks(playlists, table)
        return cls(
            name=name,
            tracks=table,
            clips=np.concatenate(clips).astype(np.float32),
            clip_track=np.repeat(np.arange(len(table)), [len(c) for c in clips]),
            clip_start=np.concatenate([np.asarray(s, dtype=np.float32) for s in starts]),
            playlists=matched,
            params=params,
            info={**info, "unmatched_playlist_entries": unmatched},
        )

    @property
    def n_tracks(self) -> int:
        return len(self.tracks)

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
        """The audio file track ``row`` was read from, when it is still a regular file inside
        the ingested folder (never a path outside it); None for the demo, PNG datasets, or a
        file that is gone."""
        from ..limits import is_regular_file

        if self.info.get("kind") != "audio" or not self.info.get("sources"):
            return None
        root = Path(self.info["sources"][0]).resolve()
        path = (root / str(self.tracks["track_id"].iloc[row])).resolve()
        return path if root in path.parents and is_regular_file(path) else None

    def track_row(self, track_id: str) -> int:
        """Row of ``track_id`` in :attr:`tracks`; SongsimError when there is none."""
        rows = np.flatnonzero(self.tracks["track_id"].to_numpy() == track_id)
        if not len(rows):
            raise SongsimError(f"no track '{track_id}' in dataset '{self.name}'")
        return int(rows[0])

    @property
    def fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the clips, the track table (ids, titles, artists,
        labels: everything a view shows of a track) and the playlists."""
        if "_fingerprint" not in self.__dict__:
            h = self._clips_hash()
            h.update(
                pd.util.hash_pandas_object(
                    self.tracks[["track_id", "title", "artist", "label"]].astype(str), index=False
                ).values.tobytes()
            )
            h.update(
                pd.util.hash_pandas_object(
                    self.playlists[["playlist_id", "track_id"]], index=False
                ).values.tobytes()
            )
            self.__dict__["_fingerprint"] = self._digest(h)
        return self.__dict__["_fingerprint"]

    @property
    def audio_fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the clips and track ids only: what models and
        embeddings depend on, unchanged when only the playlists change."""
        if "_audio_fingerprint" not in self.__dict__:
            h = self._clips_hash()
            h.update("\n".join(self.tracks["track_id"]).encode())
            self.__dict__["_audio_fingerprint"] = self._digest(h)
        return self.__dict__["_audio_fingerprint"]

    def _clips_hash(self):
        """A SHA-256 that has read the clips (as float16), hashed once and copied for each
        fingerprint."""
        if "_clips_sha" not in self.__dict__:
            h = hashlib.sha256(np.ascontiguousarray(self.clips.astype(np.float16)).tobytes())
            self.__dict__["_clips_sha"] = h
        return self.__dict__["_clips_sha"].copy()

    def _digest(self, h) -> str:
        """The fingerprint of what ``h`` has read, followed by the audio parameters."""
        h.update(repr(sorted(self.params.to_dict().items())).encode())
        return h.hexdigest()[:16]

    def summary(self) -> dict:
        """Counts for ``songsim info``: tracks, clips, playlists, labels, skipped, unmatched."""
        labels = self.labels
        return {
            "name": self.name,
            "kind": self.info.get("kind"),
            "tracks": int(self.n_tracks),
            "clips": int(len(self.clips)),
            "playlists": int(self.playlists["playlist_id"].nunique()),
            "playlist_entries": int(len(self.playlists)),
            "labels": 0 if labels is None else int(len(set(labels) - {""})),
            "skipped_files": len(self.info.get("skipped_files", [])),
            "unmatched_playlist_entries": int(self.info.get("unmatched_playlist_entries", 0)),
            "fingerprint": self.fingerprint,
        }

    def with_playlists(self, playlists: pd.DataFrame, *, source: str) -> Dataset:
        """A copy whose playlists are replaced by ``playlists`` (matched here); the clips are shared."""
        matched, unmatched = match_tracks(playlists, self.tracks)
        info = {**self.info, "playlist_sources": [source], "unmatched_playlist_entries": unmatched}
        out = dataclasses.replace(self, playlists=matched, info=info)
        if "_audio_fingerprint" in self.__dict__:
            out.__dict__["_audio_fingerprint"] = self.__dict__["_audio_fingerprint"]
        return out
