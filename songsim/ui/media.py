"""What the pages show of a track: its audio, spectrogram images, and labels as safe text."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ..data.datasets import Dataset

#: Seconds of a track the player gets: an excerpt from its first clip, never the whole file.
PREVIEW_SECONDS = 20.0


def track_audio(ds: Dataset, index: int) -> tuple[bytes, str] | None:
    """``(data, mime type)`` to play a track — a re-rendered demo track, or an excerpt of the
    source file of :data:`PREVIEW_SECONDS` from its first clip, encoded once — or None."""
    from ..errors import AudioFormatError

    if ds.info.get("kind") == "demo":
        spec = ds.info.get("demo", {})
        return _demo_audio(int(spec.get("seed", 0)), int(spec.get("n_tracks", 320)), index)
    path = ds.source_file(index)
    if path is None:
        return None
    starts = ds.clip_start[ds.track_clips(index)]
    stat = path.stat()
    try:
        start = float(starts.min()) if len(starts) else 0.0
        return _excerpt(str(path), stat.st_mtime_ns, stat.st_size, start)
    except AudioFormatError:
        return None


def _encode(y, sr: int, fmt: str, subtype: str) -> bytes:
    import io

    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, y, sr, format=fmt, subtype=subtype)
    return buf.getvalue()


@st.cache_data(max_entries=64, show_spinner=False)
def _excerpt(path: str, mtime_ns: int, size: int, start: float) -> tuple[bytes, str]:
    """Ogg Vorbis of the excerpt (about 200–400 kB), cached per file version and start."""
    from ..io.audio import read_excerpt

    y = read_excerpt(Path(path), start, PREVIEW_SECONDS, sr=22050)
    return _encode(y, 22050, "OGG", "VORBIS"), "audio/ogg"


@st.cache_data(max_entries=64, show_spinner=False)
def _demo_audio(seed: int, n_tracks: int, index: int) -> tuple[bytes, str]:
    """A demo track rendered again, as 16-bit WAV bytes (encoded once, then cached)."""
    from ..data.demo import render_demo_track

    y, sr = render_demo_track({"seed": seed, "n_tracks": n_tracks}, index)
    return _encode(y, sr, "WAV", "PCM_16"), "audio/wav"


def clip_png(ds: Dataset, clip: int) -> bytes:
    """PNG bytes of clip ``clip``'s spectrogram (for ``st.image``)."""
    return _clip_png(ds, ds.audio_fingerprint, clip)


@st.cache_data(max_entries=64, show_spinner=False)
def _clip_png(_ds: Dataset, audio_key: str, clip: int) -> bytes:
    from .charts import spectrogram_png

    return spectrogram_png(_ds.clips[clip])


def track_labels(ds: Dataset) -> list[str]:
    """ "Title — Artist (id)" of every track, for searchable song pickers."""
    return _track_labels(ds, ds.fingerprint)


@st.cache_data(max_entries=256, show_spinner=False)
def _track_labels(_ds: Dataset, key: str) -> list[str]:
    t = _ds.tracks
    return [
        f"{ti} — {ar} ({tid})" if ar else f"{ti} ({tid})"
        for ti, ar, tid in zip(t["title"], t["artist"], t["track_id"])
    ]


def play(ds: Dataset, index: int, container=st) -> None:
    audio = track_audio(ds, index)
    if audio is None:
        container.caption("No audio for this track (a spectrogram dataset, or its file is gone).")
    else:
        data, mime = audio
        container.audio(data, format=mime)


def plain(text) -> str:
    """User text made safe for Streamlit markdown: the one escaping rule for every caption,
    message and label that shows a title, a file or folder name or an error.

    HTML is escaped (``<`` → ``&lt;``) and every character markdown, Streamlit's directives
    (``:red[…]``, ``:material/…:``) or LaTeX (``$…$``) give a meaning is backslash-escaped, so
    ``![x](http://host/p.png)`` shows as those characters and fetches nothing.
    """
    import html as _html
    import re

    text = " ".join(str(text).split())  # one line: no block syntax from line starts
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>$:])", r"\\\1", _html.escape(text, quote=False))


def viewer_text(message) -> str:
    """A message for whoever looks at the page, without the server's folders: the cache becomes
    ``cache/…``, an ingest root its name, any other absolute path its last two parts. The full
    message goes to the server's log (logger ``songsim``)."""
    import logging
    import re

    from ..config import cache_dir
    from .settings import ingest_roots

    text = str(message)
    logging.getLogger("songsim").info("shown to a viewer: %s", text)
    known = [(str(cache_dir().resolve()), "cache"), (str(cache_dir()), "cache")]
    known += [(str(r), r.name or "/") for r in ingest_roots()]
    for prefix, name in sorted(known, key=lambda k: -len(k[0])):
        if prefix and prefix != "/":
            text = text.replace(prefix, name)
    return re.sub(
        r"(?<![\w.~])/(?:[^\s/:'\"]+/)+([^\s/:'\"]+/[^\s/:'\"]+)",
        lambda m: "…/" + m.group(1),
        text,
    )


def show_error(message, container=st) -> None:
    """``st.error`` of an exception or text: no server folder in it (:func:`viewer_text`),
    escaped by :func:`plain`."""
    container.error(plain(viewer_text(message)))


def track_label(ds: Dataset, i: int) -> str:
    return track_labels(ds)[i]


def counted(n: int, noun: str) -> str:
    """``1 playlist``, ``2 playlists``, ``1 entry``, ``3 entries``."""
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} " + (noun[:-1] + "ies" if noun.endswith("y") else noun + "s")
