"""Audio files → the mono audio of each clip window at the target sample rate, plus tags.

Which windows a track's clips come from is decided here (:func:`clip_starts`); what a clip's
spectrogram is, is :mod:`songsim.data.features`' job.

Decoding goes through libsndfile (``soundfile``), which reads WAV, FLAC, OGG Vorbis, Opus and
MP3. Each clip is read and resampled exactly as ``librosa.load(path, sr, offset, duration)``
would do it (mono mix, then soxr_hq), but from one open file and in one resampler call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import AudioParams
from ..errors import AudioFormatError
from ..limits import check_audio
from .scan import Scan, scan_folder

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")


def scan_audio(root: Path, *, within=None) -> Scan:
    """Audio files below ``root``, recursively, sorted by relative path, and the paths passed
    over (:func:`~songsim.io.scan.scan_folder`; ``within``: its rule for links)."""
    return scan_folder(Path(root), AUDIO_EXTENSIONS, within=within)


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


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def clip_starts(duration: float, params: AudioParams = AudioParams()) -> list[float]:
    """Start times in seconds of the clips taken from a track of ``duration`` seconds.

    The rule:

    * shorter than 1 s: no clip (the track is skipped as too short);
    * shorter than one clip: one clip from 0 s, zero-padded at the end;
    * otherwise up to ``n_clips`` clips spread evenly from ``skip_seconds`` (or from 0 s when
      the track is too short to skip its intro) to the end, overlapping by at most half a clip.
    """
    clip = params.clip_seconds
    if duration < 1.0:
        return []
    if duration <= clip:
        return [0.0]
    skip = (
        params.skip_seconds if duration >= params.skip_seconds + clip * params.n_clips / 2 else 0.0
    )
    last = duration - clip - skip
    n = int(min(params.n_clips, 1 + np.floor(last / (clip / 2))))
    if n <= 1:
        return [skip + last / 2]
    return [float(skip + last * i / (n - 1)) for i in range(n)]


def fit_length(y: np.ndarray, n: int) -> np.ndarray:
    """Cut or zero-pad the last axis of ``y`` to ``n`` samples."""
    if y.shape[-1] >= n:
        return y[..., :n]
    pad = [(0, 0)] * (y.ndim - 1) + [(0, n - y.shape[-1])]
    return np.pad(y, pad)
