"""Audio → log-mel clips: the one implementation every input path uses.

Real files, the demo corpus and the benchmark all end here, so a spectrogram means the same
thing everywhere: a power mel spectrogram with a centred, zero-padded Hann STFT (librosa's
defaults), ``power_to_db(ref=max)`` with ``top_db`` of range, then min–max scaled to [0, 1].
"""

from __future__ import annotations

import functools

import numpy as np

from ..config import AudioParams


@functools.lru_cache(maxsize=8)
def mel_basis(params: AudioParams) -> np.ndarray:
    """Mel filter bank, ``np.ndarray [shape=(n_mels, 1 + n_fft // 2)]``, float32 (librosa's)."""
    import librosa

    return librosa.filters.mel(
        sr=params.sr, n_fft=params.n_fft, n_mels=params.n_mels, fmax=params.fmax
    ).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _window(n_fft: int) -> np.ndarray:
    """Periodic Hann window, as ``scipy.signal.get_window('hann', n_fft)``."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)


def mel_power(y: np.ndarray, params: AudioParams = AudioParams()) -> np.ndarray:
    """Power mel spectrogram of a batch of equal-length signals.

    Parameters
    ----------
    y : np.ndarray [shape=(n, samples)]  mono audio at ``params.sr``

    Returns
    -------
    S : np.ndarray [shape=(n, n_mels, 1 + samples // hop_length)], float32
    """
    import scipy.fft

    y = np.asarray(y, dtype=np.float32)
    if y.ndim == 1:
        y = y[None, :]
    pad = params.n_fft // 2
    padded = np.pad(y, ((0, 0), (pad, pad)))
    frames = np.lib.stride_tricks.sliding_window_view(padded, params.n_fft, axis=-1)
    frames = frames[:, :: params.hop_length]  # (n, t, n_fft)
    spec = scipy.fft.rfft(frames * _window(params.n_fft), axis=-1, workers=-1)
    power = spec.real**2 + spec.imag**2  # (n, t, 1 + n_fft // 2)
    return np.matmul(mel_basis(params), power.transpose(0, 2, 1).astype(np.float32))


def scale_log_mel(S: np.ndarray, params: AudioParams = AudioParams()) -> np.ndarray:
    """``power_to_db(ref=max)`` per clip, clipped to ``top_db``, min–max scaled to [0, 1].

    Parameters
    ----------
    S : np.ndarray [shape=(n, n_mels, t)]  power mel spectrograms

    Returns
    -------
    X : np.ndarray [shape=(n, n_mels, t)], float32 in [0, 1]; a silent clip is all zeros.
    """
    amin = 1e-10
    db = 10.0 * np.log10(np.maximum(S, amin))
    ref = 10.0 * np.log10(np.maximum(S.max(axis=(1, 2), keepdims=True), amin))
    db = np.maximum(db - ref, -params.top_db)
    lo = db.min(axis=(1, 2), keepdims=True)
    span = -lo  # the maximum is 0 dB by construction
    with np.errstate(invalid="ignore", divide="ignore"):
        X = np.where(span > 0, (db - lo) / np.where(span > 0, span, 1), 0.0)
    return X.astype(np.float32)


def log_mel_clips(y: np.ndarray, params: AudioParams = AudioParams()) -> np.ndarray:
    """Scaled log-mel spectrograms of a batch of clips.

    Parameters
    ----------
    y : np.ndarray [shape=(n, clip_samples)]  mono audio at ``params.sr``

    Returns
    -------
    X : np.ndarray [shape=(n, n_mels, n_frames)], float32 in [0, 1] (96×216 by default)

    Clips are transformed :data:`CLIPS_AT_ONCE` at a time, so memory does not grow with their
    number (an STFT costs about 2 MB a clip).
    """
    y = np.atleast_2d(y)
    parts = [
        scale_log_mel(mel_power(y[i : i + CLIPS_AT_ONCE], params), params)
        for i in range(0, len(y), CLIPS_AT_ONCE)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, *params.shape), np.float32)


#: Clips whose spectrograms are computed at once.
CLIPS_AT_ONCE = 8
