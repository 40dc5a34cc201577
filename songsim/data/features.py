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
    """
    return scale_log_mel(mel_power(y, params), params)


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
