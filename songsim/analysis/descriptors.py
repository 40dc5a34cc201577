"""Tempo, key and loudness of one track's decoded audio: the numbers every music tool shows.

* **Tempo** (BPM): the onset strength envelope's autocorrelation tempogram (librosa), averaged
  over the track; each lag's strength is weighted by a log-normal prior on tempo centred at
  :data:`TEMPO_PRIOR_BPM` with :data:`TEMPO_PRIOR_OCTAVES` octave's spread, and the best lag
  wins (refined to a fraction of a lag). The half/double rule is that prior: of a pulse and its
  double, the one nearer 120 BPM in octaves wins unless the other is clearly stronger. A
  narrower prior (0.5, 0.7 octave) scored worse on the corpus's ground truth
  (``bench/bench_descriptors.py``), so it is librosa's. Confidence in [0, 1]: the winner's share
  of the strength of its octave family (the lag, its half and its double).
* **Key** and mode: the track's mean chroma (STFT, librosa) correlated with the 24 rotations of
  Temperley's key profile (:data:`PROFILES`: it scored 0.77 against Krumhansl–Kessler's 0.47 on
  the corpus's MIDI key signatures); named ("A minor") and as a Camelot code ("8A").
* **Loudness**: integrated loudness (LUFS, ITU-R BS.1770-4 with EBU R128's gating: 400 ms blocks,
  75 % overlap, gates at −70 LUFS and 10 LU below) and loudness range (LU, EBU Tech 3342:
  short-term loudness over 3 s windows every second, gated at −70 LUFS and 20 LU below, the 10th
  to 95th percentile), both from one K-weighting of every channel (pyloudnorm's filters).

A track that is too short or silent gets None for what cannot be measured: never a guess.
"""

from __future__ import annotations

import dataclasses

import numpy as np

#: Pitch classes as songsim names them (flats where DJs and Camelot charts use them).
PITCHES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
#: Key profiles (C major, C minor): Krumhansl–Kessler's probe-tone ratings and Temperley's
#: Kostka–Payne corpus frequencies.
PROFILES = {
    "krumhansl": (
        (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
        (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
    ),
    "temperley": (
        (0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
        (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330),
    ),
}
DEFAULT_PROFILE = "temperley"
TEMPO_PRIOR_BPM = 120.0
TEMPO_PRIOR_OCTAVES = 1.0
#: Shorter audio, or audio quieter than this (RMS, dBFS), gets no tempo or key.
MIN_SECONDS = 8.0
SILENT_DBFS = -60.0
#: A key whose best profile correlation is below this is unknown (no tonal centre: noise, drums).
MIN_KEY_CORRELATION = 0.3
HOP = 512


@dataclasses.dataclass(frozen=True)
class Descriptors:
    """What one track measures (None: could not be measured).

    tempo : BPM; tempo_confidence : in [0, 1]
    key : "A minor"; camelot : "8A"; key_strength : the profile correlation in [−1, 1]
    loudness : integrated, LUFS; loudness_range : LU
    """

    tempo: float | None = None
    tempo_confidence: float | None = None
    key: str | None = None
    camelot: str | None = None
    key_strength: float | None = None
    loudness: float | None = None
    loudness_range: float | None = None


def describe(y: np.ndarray, sr: int, *, profile: str = DEFAULT_PROFILE) -> Descriptors:
    """Tempo, key and loudness of audio ``y [shape=(n,) or (n, channels)]`` float at ``sr`` Hz
    (loudness from every channel, tempo and key from the mono mix at 22,050 Hz)."""
    import librosa

    y = np.asarray(y, dtype=np.float32)
    frames = y if y.ndim == 2 else y[:, None]
    lufs, lra = loudness(frames, sr)
    mono = frames.mean(axis=1)
    if sr != 22050:
        mono = librosa.resample(mono, orig_sr=sr, target_sr=22050, res_type="soxr_hq")
    if len(mono) < MIN_SECONDS * 22050 or _dbfs(mono) < SILENT_DBFS:
        return Descriptors(loudness=lufs, loudness_range=lra)
    bpm, confidence = tempo(mono, 22050)
    name, code, strength = key(mono, 22050, profile=profile)
    return Descriptors(bpm, confidence, name, code, strength, lufs, lra)


def _dbfs(y: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(y, dtype=np.float64)))) if len(y) else 0.0
    return 20 * np.log10(rms) if rms > 0 else -np.inf


def tempo_prior(bpm: np.ndarray) -> np.ndarray:
    """The log-normal prior on tempo: 1 at :data:`TEMPO_PRIOR_BPM`, falling with octaves away."""
    octaves = np.log2(np.maximum(bpm, 1e-9) / TEMPO_PRIOR_BPM)
    return np.exp(-0.5 * (octaves / TEMPO_PRIOR_OCTAVES) ** 2)


def tempo(y: np.ndarray, sr: int) -> tuple[float | None, float | None]:
    """``(BPM, confidence)`` of mono audio ``y`` (see the module's docstring); None, None when
    the track has no pulse."""
    import librosa

    envelope = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP)
    if not np.any(envelope > 0):
        return None, None
    gram = librosa.feature.tempogram(onset_envelope=envelope, sr=sr, hop_length=HOP)
    strength = gram.mean(axis=1)
    bpms = librosa.tempo_frequencies(len(strength), hop_length=HOP, sr=sr)
    usable = (bpms >= 30) & (bpms <= 300)
    if not usable.any() or strength[usable].max() <= 0:
        return None, None
    weighted = np.where(usable, strength * tempo_prior(bpms), 0)
    best = int(np.argmax(weighted))
    family = [lag for lag in (best // 2, best, best * 2) if 0 < lag < len(strength)]
    share = strength[best] / max(sum(_peak(strength, lag) for lag in family), 1e-12)
    bpm = 60.0 * sr / (HOP * _refined(strength, best))
    return round(float(bpm), 2), round(float(min(share, 1.0)), 3)


def _peak(values: np.ndarray, lag: int) -> float:
    """The largest value within one lag of ``lag`` (a lag's octave relative is rarely an integer)."""
    return float(values[max(lag - 1, 0) : lag + 2].max())


def _refined(strength: np.ndarray, lag: int) -> float:
    """The peak near ``lag`` to a fraction of a lag (a parabola through it and its neighbours)."""
    lo = max(lag - 1, 1)
    peak = lo + int(np.argmax(strength[lo : lag + 2]))
    if 1 <= peak < len(strength) - 1:
        a, b, c = strength[peak - 1], strength[peak], strength[peak + 1]
        bend = a - 2 * b + c
        if bend < 0:
            return peak + 0.5 * (a - c) / bend
    return float(peak)


def key(
    y: np.ndarray, sr: int, *, profile: str = DEFAULT_PROFILE
) -> tuple[str | None, str | None, float | None]:
    """``(name, Camelot code, strength)`` of mono audio ``y``: the best of the 24 rotations of
    ``profile`` against its mean chroma; None when nothing is tonal enough."""
    import librosa

    chroma = librosa.feature.chroma_stft(y=y, sr=sr, n_fft=4096, hop_length=HOP * 4)
    mean = chroma.mean(axis=1)
    if not np.isfinite(mean).all() or mean.std() == 0:
        return None, None, None
    tonic, minor, r = best_key(mean, profile)
    if r < MIN_KEY_CORRELATION:
        return None, None, round(r, 3)
    return key_name(tonic, minor), camelot(tonic, minor), round(r, 3)


def best_key(chroma: np.ndarray, profile: str = DEFAULT_PROFILE) -> tuple[int, bool, float]:
    """``(tonic pitch class, minor, correlation)`` of the profile rotation that best matches a
    12-bin ``chroma`` (index 0 = C)."""
    scores = key_scores(chroma, profile)
    best = int(np.argmax(scores))
    return best % 12, best >= 12, float(scores[best])


def key_scores(chroma: np.ndarray, profile: str = DEFAULT_PROFILE) -> np.ndarray:
    """Pearson correlations ``(24,)`` of ``chroma`` with the 12 major then 12 minor keys."""
    major, minor = (np.asarray(p, float) for p in PROFILES[profile])
    out = []
    for template in (major, minor):
        for tonic in range(12):
            out.append(np.corrcoef(chroma, np.roll(template, tonic))[0, 1])
    return np.nan_to_num(np.array(out), nan=-1.0)


def key_name(tonic: int, minor: bool) -> str:
    return f"{PITCHES[tonic]} {'minor' if minor else 'major'}"


def camelot(tonic: int, minor: bool) -> str:
    """The Camelot wheel's code of a key: C major 8B, A minor 8A; a fifth up is one step on."""
    number = (7 * tonic + (5 if minor else 8)) % 12 or 12
    return f"{number}{'A' if minor else 'B'}"


def compatible_camelot(code: str) -> set[str]:
    """The codes a DJ mixes into from ``code``: itself, its relative (same number, other
    letter) and one step either way round the wheel."""
    number, letter = int(code[:-1]), code[-1]
    other = "A" if letter == "B" else "B"
    steps = {(number - 2) % 12 + 1, number % 12 + 1}
    return {code, f"{number}{other}", *(f"{n}{letter}" for n in steps)}


def loudness(frames: np.ndarray, sr: int) -> tuple[float | None, float | None]:
    """``(integrated loudness LUFS, loudness range LU)`` of ``frames [shape=(n, channels)]``
    (BS.1770-4 and EBU Tech 3342 over one K-weighting: see the module's docstring); None for
    silence or audio shorter than one 400 ms block (the range needs 3 s)."""
    power = _weighted_power(frames, sr)
    lufs = _gated(_block_loudness(power, int(0.4 * sr), int(0.1 * sr)), relative=10)
    if lufs is None:
        return None, None
    short = _block_loudness(power, 3 * sr, sr)
    gated = short[short > -70]
    if len(gated) < 2:
        return round(lufs, 2), None
    gated = gated[gated > _mean_loudness(gated) - 20]
    lra = np.percentile(gated, 95) - np.percentile(gated, 10) if len(gated) >= 2 else None
    return round(lufs, 2), None if lra is None else round(float(lra), 2)


def _weighted_power(frames: np.ndarray, sr: int) -> np.ndarray:
    """Cumulative K-weighted power ``(n + 1,)`` summed over the channels with BS.1770's
    weights (pyloudnorm's filter stages)."""
    import pyloudnorm

    meter = pyloudnorm.Meter(sr)
    gains = np.array([1.0, 1.0, 1.0, 1.41, 1.41])
    total = np.zeros(len(frames) + 1)
    for ch in range(min(frames.shape[1], len(gains))):
        x = frames[:, ch].astype(np.float64)
        for stage in meter._filters.values():
            x = stage.apply_filter(x)
        total[1:] += gains[ch] * np.cumsum(x * x)
    return total


def _block_loudness(power: np.ndarray, window: int, hop: int) -> np.ndarray:
    """Loudness (LUFS) of every ``window``-sample block, one every ``hop`` samples."""
    n = len(power) - 1
    if n < window:
        return np.zeros(0)
    starts = np.arange(0, n - window + 1, hop)
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10((power[starts + window] - power[starts]) / window)


def _mean_loudness(blocks: np.ndarray) -> float:
    return float(-0.691 + 10 * np.log10(np.mean(10 ** ((blocks + 0.691) / 10))))


def _gated(blocks: np.ndarray, relative: float) -> float | None:
    """BS.1770's gated loudness of block loudnesses: −70 LUFS, then ``relative`` LU below."""
    blocks = blocks[blocks > -70]
    if not len(blocks):
        return None
    blocks = blocks[blocks > _mean_loudness(blocks) - relative]
    return _mean_loudness(blocks) if len(blocks) else None
