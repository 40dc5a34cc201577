"""What the pages show of a track: its audio, spectrogram images, and labels as safe text."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ..data.datasets import Dataset


def track_audio(ds: Dataset, index: int):
    """``(data, sample_rate)`` to play a track — a re-rendered demo track or the source file — or None."""
    if ds.info.get("kind") == "demo":
        spec = ds.info.get("demo", {})
        return _demo_audio(int(spec.get("seed", 0)), int(spec.get("n_tracks", 320)), index)
    if ds.info.get("kind") == "audio" and ds.info.get("sources"):
        root = Path(ds.info["sources"][0]).resolve()
        path = (root / ds.tracks["track_id"].iloc[index]).resolve()
        if root in path.parents and path.is_file():
            return path.read_bytes(), None
    return None


@st.cache_data(max_entries=64, show_spinner=False)
def _demo_audio(seed: int, n_tracks: int, index: int) -> tuple[bytes, None]:
    """A demo track rendered again, as 16-bit WAV bytes (encoded once, then cached)."""
    import io

    import soundfile as sf

    from ..data.demo import render_demo_track

    y, sr = render_demo_track({"seed": seed, "n_tracks": n_tracks}, index)
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue(), None


def clip_png(ds: Dataset, clip: int) -> bytes:
    """PNG bytes of clip ``clip``'s spectrogram (for ``st.image``)."""
    return _clip_png(ds, ds.audio_fingerprint, clip)


@st.cache_data(max_entries=64, show_spinner=False)
def _clip_png(_ds: Dataset, audio_key: str, clip: int) -> bytes:
    from .charts import spectrogram_png

    return spectrogram_png(_ds.clips[clip])


def track_labels(ds: Dataset) -> list[str]:
    """ "Title — Artist (id)" of every track, for searchable song pickers."""
    return _track_labels(ds, ds.audio_fingerprint)


@st.cache_data(max_entries=256, show_spinner=False)
def _track_labels(_ds: Dataset, audio_key: str) -> list[str]:
    t = _ds.tracks
    return [
        f"{ti} — {ar} ({tid})" if ar else f"{ti} ({tid})"
        for ti, ar, tid in zip(t["title"], t["artist"], t["track_id"])
    ]


def play(ds: Dataset, index: int, container=st) -> None:
    audio = track_audio(ds, index)
    if audio is None:
        container.caption("No audio for this track (spectrogram dataset).")
    else:
        data, sr = audio
        container.audio(data, sample_rate=sr) if sr else container.audio(data)


def plain(text) -> str:
    """User text made safe for Streamlit markdown: markdown and HTML characters escaped."""
    import html as _html
    import re

    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>$])", r"\\\1", _html.escape(str(text), quote=False))


def track_label(ds: Dataset, i: int) -> str:
    return track_labels(ds)[i]
