"""Parameters and paths shared by every step.

Audio parameters follow DEEJ-A.I.: 5 s clips at 22 050 Hz, 2048-point FFT, hop 512 and 96 mel
bands up to 11 025 Hz give spectrograms of shape ``(96, 216)``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

#: The k a k sweep tries unless told otherwise: every default k range (the CLI's, the dashboard's,
#: :class:`songsim.params.SweepParams`, :class:`songsim.analysis.clustering.KSweep`) is this one.
DEFAULT_KS = range(2, 21)


@dataclasses.dataclass(frozen=True)
class AudioParams:
    """How audio becomes log-mel clips.

    Attributes
    ----------
    sr : int            sample rate in Hz the audio is resampled to
    n_fft : int         FFT size in samples
    hop_length : int    hop between frames in samples
    n_mels : int        number of mel bands (rows of a clip)
    fmax : float        highest mel band edge in Hz
    clip_seconds : float  clip length in seconds
    n_clips : int       clips taken per track, spread evenly over it
    skip_seconds : float  seconds skipped at the start of a track (intros) when it is long enough
    top_db : float      dynamic range kept by ``power_to_db`` in dB
    """

    sr: int = 22050
    n_fft: int = 2048
    hop_length: int = 512
    n_mels: int = 96
    fmax: float = 11025.0
    clip_seconds: float = 5.0
    n_clips: int = 6
    skip_seconds: float = 10.0
    top_db: float = 80.0

    @property
    def clip_samples(self) -> int:
        """Samples in one clip at ``sr`` (110 250 by default)."""
        return int(round(self.clip_seconds * self.sr))

    @property
    def n_frames(self) -> int:
        """Frames in one clip with a centred STFT (216 by default)."""
        return 1 + self.clip_samples // self.hop_length

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_mels, n_frames)`` of one clip."""
        return (self.n_mels, self.n_frames)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> AudioParams:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def cache_dir() -> Path:
    """The cache root: ``$SONGSIM_CACHE`` or ``./cache``; created on demand."""
    from .errors import DatasetError

    path = Path(os.environ.get("SONGSIM_CACHE", "cache")).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(
            f"{path}: cannot create the cache folder ({exc.strerror or exc})"
        ) from None
    return path


def package_dir() -> Path:
    """The installed ``songsim`` package folder (shipped weights live in ``weights/``)."""
    return Path(__file__).resolve().parent
