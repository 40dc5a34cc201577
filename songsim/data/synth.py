"""The demo's synthesiser: eight styles of synthetic songs rendered as real audio.

Each track is 22 050 Hz mono, 24 s, made of drums, bass, chords, leads and noise with its
style's tempo, rhythm, timbre, pitch range and scale, all drawn from one seed
(:func:`render_track`). :mod:`songsim.data.demo` turns these into the demo corpus.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.signal import lfilter

SR = 22050
SECONDS = 24.0
DEMO_VERSION = 1  # bump when the synthesiser changes: shipped weights are keyed by it


@dataclasses.dataclass(frozen=True)
class Style:
    name: str
    bpm: tuple[float, float]  # tempo range
    root: tuple[int, int]  # MIDI note range of the key's root
    scale: tuple[int, ...]  # semitone steps of the scale
    drums: str  # rhythm pattern name ('' for none)
    lead: str  # lead timbre
    noise: float  # background noise level
    mood: tuple[float, float]  # (energy, electronic) — related styles are close


STYLES = (
    Style("ambient", (60, 70), (45, 52), (0, 2, 4, 6, 7, 9, 11), "", "pad", 0.02, (0.0, 0.6)),
    Style("techno", (124, 132), (36, 43), (0, 3, 5, 7, 10), "four", "saw", 0.01, (0.7, 1.0)),
    Style(
        "drum-and-bass", (170, 176), (33, 38), (0, 3, 5, 7, 10), "break", "sub", 0.01, (0.9, 0.8)
    ),
    Style(
        "reggae", (70, 80), (43, 50), (0, 2, 4, 5, 7, 9, 11), "onedrop", "skank", 0.005, (0.35, 0.1)
    ),
    Style("piano", (60, 96), (55, 67), (0, 2, 4, 5, 7, 9, 11), "", "piano", 0.002, (0.1, 0.0)),
    Style(
        "metal",
        (150, 190),
        (38, 45),
        (0, 1, 3, 5, 7, 8, 10),
        "double",
        "distorted",
        0.04,
        (1.0, 0.2),
    ),
    Style("hip-hop", (84, 94), (40, 47), (0, 3, 5, 7, 10), "boombap", "rhodes", 0.03, (0.45, 0.45)),
    Style("chiptune", (140, 160), (64, 72), (0, 2, 4, 7, 9), "noise8", "square", 0.0, (0.75, 0.65)),
)


def midi_hz(note: np.ndarray | float) -> np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(note, dtype=float) - 69) / 12)


# -- instruments -------------------------------------------------------------------------------


def _osc(kind: str, f: float, n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / SR
    ph = 2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)
    if kind == "sine":
        return np.sin(ph)
    frac = (f * t + rng.uniform()) % 1.0
    if kind == "saw":
        return 2 * frac - 1
    if kind == "square":
        return np.where(frac < 0.5, 1.0, -1.0)
    if kind == "triangle":
        return 4 * np.abs(frac - 0.5) - 1
    raise ValueError(kind)


def _note(timbre: str, f: float, n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / SR
    if timbre == "piano":
        partials = sum(
            np.sin(2 * np.pi * f * k * np.sqrt(1 + 0.0004 * k * k) * t) / k**1.3
            for k in range(1, 7)
        )
        return partials * np.exp(-t * (2.0 + f / 400))
    if timbre == "pad":
        x = sum(_osc("sine", f * d, n, rng) for d in (1.0, 1.003, 0.997, 2.0))
        return x * np.minimum(1, t / 1.5) * np.minimum(1, (n / SR - t) / 1.5 + 1e-3)
    if timbre == "saw":
        x = lfilter([0.25], [1, -0.75], _osc("saw", f, n, rng))
        return x * np.exp(-t * 8)
    if timbre == "sub":
        return _osc("sine", f, n, rng) * np.minimum(1, t / 0.01) * np.exp(-t * 1.5)
    if timbre == "skank":
        x = (
            _osc("square", f, n, rng)
            + _osc("square", f * 1.5, n, rng)
            + _osc("square", f * 2, n, rng)
        )
        return lfilter([0.5], [1, -0.5], x) * np.exp(-t * 30)
    if timbre == "distorted":
        x = (
            _osc("saw", f, n, rng)
            + _osc("saw", f * 1.498, n, rng)
            + 0.5 * _osc("saw", f * 2.01, n, rng)
        )
        return np.tanh(4 * x) * np.minimum(1, t / 0.005)
    if timbre == "rhodes":
        x = _osc("sine", f, n, rng) + 0.3 * _osc("sine", 2 * f, n, rng) * np.exp(-t * 6)
        return x * np.exp(-t * 1.2)
    if timbre == "square":
        return _osc("square", f, n, rng) * (0.6 + 0.4 * np.exp(-t * 10))
    if timbre == "triangle":
        return _osc("triangle", f, n, rng)
    raise ValueError(timbre)


def _drum(kind: str, rng: np.random.Generator) -> np.ndarray:
    n = int(0.35 * SR)
    t = np.arange(n) / SR
    noise = rng.standard_normal(n)
    if kind == "kick":
        f = 50 + 90 * np.exp(-t * 30)
        return np.sin(2 * np.pi * np.cumsum(f) / SR) * np.exp(-t * 9)
    if kind == "snare":
        return 0.7 * lfilter([1, -1], [1], noise) * np.exp(-t * 18) + 0.4 * np.sin(
            2 * np.pi * 190 * t
        ) * np.exp(-t * 25)
    if kind == "hat":
        return lfilter([1, -1], [1, 0.3], noise)[: n // 4] * np.exp(-t[: n // 4] * 60) * 0.5
    if kind == "crash":
        return lfilter([1, -1], [1], noise) * np.exp(-t * 5) * 0.5
    if kind == "chipnoise":
        return np.sign(noise[: n // 5]) * np.exp(-t[: n // 5] * 40) * 0.4
    raise ValueError(kind)


# 16 steps per bar: which step each drum hits.
PATTERNS = {
    "four": {"kick": (0, 4, 8, 12), "snare": (4, 12), "hat": (2, 6, 10, 14)},
    "break": {"kick": (0, 10), "snare": (4, 12, 15), "hat": tuple(range(0, 16, 2))},
    "onedrop": {"kick": (8,), "snare": (8,), "hat": (2, 6, 10, 14)},
    "double": {"kick": tuple(range(16)), "snare": (4, 12), "crash": (0,)},
    "boombap": {"kick": (0, 7, 10), "snare": (4, 12), "hat": tuple(range(0, 16, 2))},
    "noise8": {"chipnoise": (0, 2, 4, 6, 8, 10, 12, 14), "kick": (0, 8)},
}


def _place(out: np.ndarray, sound: np.ndarray, start: int, gain: float) -> None:
    if start >= len(out):
        return
    m = min(len(sound), len(out) - start)
    out[start : start + m] += gain * sound[:m]


def render_track(style_index: int, track_seed: int, *, seconds: float = SECONDS) -> np.ndarray:
    """Render one demo track.

    Parameters
    ----------
    style_index : index into :data:`STYLES`
    track_seed : the track's own seed (from :func:`track_table`)

    Returns
    -------
    y : np.ndarray [shape=(seconds * 22050,)] float32 mono in [-1, 1]
    """
    style = STYLES[style_index]
    rng = np.random.default_rng(track_seed)
    n = int(seconds * SR)
    out = np.zeros(n)
    bpm = rng.uniform(*style.bpm)
    step = 60.0 / bpm / 4  # a sixteenth note in seconds
    root = int(rng.integers(style.root[0], style.root[1] + 1))
    scale = np.array(style.scale)
    swing = 0.12 if style.drums == "boombap" else 0.0

    # drums
    if style.drums:
        kit = {k: _drum(k, rng) for k in PATTERNS[style.drums]}
        pattern = PATTERNS[style.drums]
        n_steps = int(seconds / step)
        for i in range(n_steps):
            pos = i % 16
            when = (i + (swing if i % 2 else 0)) * step
            for kind, hits in pattern.items():
                if pos in hits and (kind != "crash" or (i // 16) % 4 == 0):
                    _place(
                        out,
                        kit[kind],
                        int(when * SR),
                        rng.uniform(0.6, 0.9) if kind != "hat" else 0.3,
                    )

    # harmony / lead
    degrees = rng.integers(0, len(scale), size=64)
    if style.lead in ("pad",):
        chord_len = rng.uniform(5, 8)
        for k, start in enumerate(np.arange(0, seconds, chord_len)):
            d = degrees[k % 64]
            for interval in (0, 2, 4):
                note = (
                    root + scale[(d + interval) % len(scale)] + 12 * ((d + interval) // len(scale))
                )
                _place(
                    out,
                    _note("pad", midi_hz(note), int((chord_len + 1.5) * SR), rng),
                    int(start * SR),
                    0.12,
                )
    elif style.lead in ("piano",):
        t = 0.0
        k = 0
        while t < seconds:
            d = int(degrees[k % 64])
            octave = int(rng.integers(-1, 2))
            note = root + scale[d] + 12 * octave
            dur = step * rng.choice([2, 2, 4, 6])
            _place(out, _note("piano", midi_hz(note), int(1.5 * SR), rng), int(t * SR), 0.35)
            if k % 4 == 0:
                _place(
                    out,
                    _note("piano", midi_hz(root - 12 + scale[d % len(scale)]), int(2 * SR), rng),
                    int(t * SR),
                    0.25,
                )
            t += dur
            k += 1
    elif style.lead == "skank":
        bass_line = root - 12 + scale[degrees[:8] % len(scale)]
        for i in range(int(seconds / step)):
            if i % 8 == 4:  # the off-beat stab
                chord_root = root + scale[degrees[(i // 16) % 8] % len(scale)]
                _place(
                    out,
                    _note("skank", midi_hz(chord_root), int(0.15 * SR), rng),
                    int(i * step * SR),
                    0.15,
                )
            if i % 4 == 0:
                _place(
                    out,
                    _note("sub", midi_hz(bass_line[(i // 4) % 8]), int(step * 4 * SR), rng),
                    int(i * step * SR),
                    0.5,
                )
    else:
        lead = {
            "saw": "saw",
            "sub": "sub",
            "distorted": "distorted",
            "rhodes": "rhodes",
            "square": "square",
        }[style.lead]
        every = {"saw": 1, "sub": 8, "distorted": 2, "rhodes": 16, "square": 1}[lead]
        gain = {"saw": 0.3, "sub": 0.6, "distorted": 0.18, "rhodes": 0.2, "square": 0.12}[lead]
        for i in range(0, int(seconds / step), every):
            if lead == "square":  # fast arpeggio over a chord
                d = degrees[(i // 16) % 64] + (0, 2, 4, 2)[i % 4]
                note = root + scale[d % len(scale)] + 12 * (d // len(scale))
            elif lead == "rhodes":
                d = degrees[(i // 16) % 64]
                for interval in (0, 2, 4, 6):
                    note = (
                        root
                        + scale[(d + interval) % len(scale)]
                        + 12 * ((d + interval) // len(scale))
                    )
                    _place(
                        out,
                        _note(lead, midi_hz(note), int(step * every * SR * 1.2), rng),
                        int(i * step * SR),
                        gain / 2,
                    )
                continue
            else:
                d = degrees[(i // every) % 16]
                note = root + scale[d % len(scale)]
            _place(
                out,
                _note(lead, midi_hz(note), int(step * every * SR), rng),
                int(i * step * SR),
                gain,
            )
        if lead == "square":  # triangle bass
            for i in range(0, int(seconds / step), 4):
                note = root - 24 + scale[degrees[(i // 16) % 64] % len(scale)]
                _place(
                    out,
                    _note("triangle", midi_hz(note), int(step * 4 * SR), rng),
                    int(i * step * SR),
                    0.25,
                )

    if style.noise:
        hiss = rng.standard_normal(n) * style.noise
        if style.name == "hip-hop":  # vinyl crackle
            hiss += (rng.random(n) < 0.0008) * rng.standard_normal(n) * 0.4
        out += lfilter([1.0], [1, -0.6], hiss)
    out /= max(1e-9, np.abs(out).max())
    return (0.9 * out).astype(np.float32)
