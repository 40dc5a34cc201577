"""One audio file → an :class:`AudioTrack`: its clip windows decoded (:mod:`songsim.io.audio`)
and turned into scaled log-mel clips (:mod:`songsim.data.features`), with its tags and label."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ..config import AudioParams
from ..io.audio import clip_starts, fit_length, read_audio_clips, read_tags, resample_clips
from .features import log_mel_clips


@dataclasses.dataclass
class AudioTrack:
    """One ingested audio file: its clips and what we know about it."""

    track_id: str  # relative path inside the folder, '/'-separated (stable)
    title: str
    artist: str
    label: str | None
    duration: float  # seconds
    starts: list[float]  # clip start times in seconds
    clips: np.ndarray  # [shape=(n_clips, n_mels, n_frames)] float32 in [0, 1]


def clips_from_signal(
    y: np.ndarray, sr: int, params: AudioParams = AudioParams()
) -> tuple[np.ndarray, list[float]]:
    """Scaled log-mel clips of an in-memory mono signal, by the same rule as a file.

    Returns ``(X [shape=(n_clips, n_mels, n_frames)], starts)``.
    """
    starts = clip_starts(len(y) / sr, params)
    seg = int(params.clip_seconds * sr)
    segments = np.stack([fit_length(y[int(s * sr) : int(s * sr) + seg], seg) for s in starts])
    return log_mel_clips(resample_clips(segments, sr, params), params), starts


def load_track(
    path: Path, root: Path, params: AudioParams = AudioParams(), *, label_from_parent: bool = False
) -> AudioTrack:
    """Ingest one audio file below ``root``: clips as scaled log-mel spectrograms, tags, label."""
    path, root = Path(path), Path(root)
    y, starts, duration = read_audio_clips(path, params)
    title, artist = read_tags(path)
    rel = path.relative_to(root)
    label = rel.parent.name if label_from_parent and rel.parent != Path(".") else None
    return AudioTrack(
        rel.as_posix(), title, artist, label, duration, starts, log_mel_clips(y, params)
    )
