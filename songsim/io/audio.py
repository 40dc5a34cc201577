"""Audio files → mono clips at the target sample rate, plus tags.

Decoding goes through libsndfile (``soundfile``), which reads WAV, FLAC, OGG Vorbis, Opus and
MP3. Each clip is read and resampled exactly as ``librosa.load(path, sr, offset, duration)``
would do it (mono mix, then soxr_hq), but from one open file and in one resampler call.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ..config import AudioParams
from ..data.features import clip_starts, fit_length, log_mel_clips
from ..errors import AudioFormatError
from ..limits import check_audio
from .scan import Scan, scan_folder

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")


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


def scan_audio(root: Path) -> Scan:
    """Audio files below ``root``, recursively, sorted by relative path, and the paths passed
    over (:func:`~songsim.io.scan.scan_folder`)."""
    return scan_folder(Path(root), AUDIO_EXTENSIONS)


#: Samples (all channels) decoded at once while mixing a clip down to mono.
BLOCK_SAMPLES = 1 << 20


def read_tags(path: Path) -> tuple[str, str]:
    """``(title, artist)`` from the file's tags, else ``(file stem, "")``."""
    title, artist = path.stem, ""
    try:
        import mutagen

        tags = mutagen.File(path, easy=True)
        if tags is not None and tags.tags is not None:
            title = (tags.get("title") or [title])[0] or title
            artist = (tags.get("artist") or [""])[0]
    except Exception:  # tags are a nicety; a file with broken tags may still decode
        pass
    return str(title), str(artist)


def read_audio_clips(
    path: Path, params: AudioParams = AudioParams()
) -> tuple[np.ndarray, list[float], float]:
    """Mono audio of each clip of a file at ``params.sr``.

    Returns
    -------
    y : np.ndarray [shape=(n_clips, clip_samples)] float32
    starts : list of float   clip start times in seconds
    duration : float         track length in seconds

    Raises
    ------
    AudioFormatError  if the file cannot be decoded or is shorter than one second.
    """
    import soundfile as sf

    try:
        with sf.SoundFile(str(path)) as f:
            sr_native, n_frames = f.samplerate, f.frames
            # The header's numbers decide what decoding costs: refuse those no recording has.
            check_audio(str(path), sr_native, f.channels, n_frames, AudioFormatError)
            duration = n_frames / sr_native
            starts = clip_starts(duration, params)
            if not starts:
                raise AudioFormatError(f"{path}: too short ({duration:.2f} s, at least 1 s needed)")
            seg_frames = int(params.clip_seconds * sr_native)  # truncation, as librosa.load
            segments = []
            for start in starts:
                f.seek(int(start * sr_native))
                segments.append(fit_length(_read_mono(f, seg_frames), seg_frames))
    except AudioFormatError:
        raise
    except Exception as exc:  # libsndfile raises several types for corrupt data
        raise AudioFormatError(f"{path}: cannot decode audio ({_one_line(exc)})") from None
    return resample_clips(np.stack(segments), sr_native, params), starts, duration


def _read_mono(f, n_frames: int) -> np.ndarray:
    """The next ``n_frames`` frames of an open SoundFile mixed to mono, decoded a block at a
    time so memory does not grow with the channel count; fewer at the end of the file."""
    block = max(1, BLOCK_SAMPLES // f.channels)
    parts = []
    for done in range(0, n_frames, block):
        part = f.read(frames=min(block, n_frames - done), dtype="float32", always_2d=True)
        if not len(part):
            break
        parts.append(part.mean(axis=1))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def read_excerpt(path: Path, start: float, seconds: float, sr: int = 22050) -> np.ndarray:
    """Mono audio ``[shape=(≤ seconds·sr,)]`` float32 of ``seconds`` from ``start`` (s), at ``sr``:
    a bounded preview, whatever the file's length.

    Raises AudioFormatError if the file cannot be decoded.
    """
    import soundfile as sf
    import soxr

    try:
        with sf.SoundFile(str(path)) as f:
            check_audio(str(path), f.samplerate, f.channels, f.frames, AudioFormatError)
            f.seek(min(int(start * f.samplerate), max(0, f.frames - 1)))
            y = _read_mono(f, int(seconds * f.samplerate))
            sr_native = f.samplerate
    except AudioFormatError:
        raise
    except Exception as exc:
        raise AudioFormatError(f"{path}: cannot decode audio ({_one_line(exc)})") from None
    return soxr.resample(y, sr_native, sr, quality="HQ") if sr_native != sr else y


def resample_clips(
    y: np.ndarray, sr_native: int, params: AudioParams = AudioParams()
) -> np.ndarray:
    """Resample clips ``[shape=(n, samples)]`` at ``sr_native`` to ``(n, clip_samples)`` at ``params.sr``."""
    import soxr

    if sr_native != params.sr:
        # soxr treats columns as channels: each clip is resampled on its own, as librosa.load does.
        y = soxr.resample(np.ascontiguousarray(y.T), sr_native, params.sr, quality="HQ").T
    return fit_length(np.ascontiguousarray(y, dtype=np.float32), params.clip_samples)


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


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
