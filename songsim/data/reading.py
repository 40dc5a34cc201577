"""One file of a library → what a dataset keeps of it: its content hash, and its clips as 8-bit
codes with their start times, tags, duration and audio print (the task a worker runs)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from ..config import AudioParams
from ..errors import AudioFormatError, SongsimError
from .clips import clips_hash, encode
from .duplicates import audio_print


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (32 hex digits), read a block at a time."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()[:32]


def read_one(path: str, rel: str, kind: str, params: AudioParams) -> dict | str:
    """Worker task: one file's clips as 8-bit codes with what is known of it (``title`` is the
    tags' only: empty when the file name stands in), or the reason it cannot be read. BLAS runs single-threaded here, so every process (this one, a local worker, a
    Dask worker) sums in one order and makes the same codes."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return _read_one(path, rel, kind, params)


def _read_one(path: str, rel: str, kind: str, params: AudioParams) -> dict | str:
    try:
        if kind == "audio":
            from ..io.audio import read_audio_clips, read_tags
            from .features import log_mel_clips

            y, starts, duration = read_audio_clips(Path(path), params)
            title, artist = read_tags(Path(path))
            title = "" if title == Path(path).stem else title  # a name, not a tag: per path
            codes = encode(log_mel_clips(y, params))
        else:
            from ..io.spectrograms import read_spectrogram_png

            codes = encode(read_spectrogram_png(Path(path), params))
            title, artist = "", ""
            duration = codes.shape[-1] * params.hop_length / params.sr
            starts = [0.0] * len(codes)
    except AudioFormatError as exc:
        return str(exc)
    return {
        "codes": codes,
        "starts": list(starts),
        "duration": float(duration),
        "title": str(title),
        "artist": str(artist),
        "clips_hash": clips_hash(codes, starts),
        "print": audio_print(codes),
    }


def scan_library(root: Path, kind: str, within=None):
    """The files a library folder holds (audio or PNGs), and those passed over; ``within``:
    folders no file's real path may leave (:func:`~songsim.io.scan.scan_folder`)."""
    from ..io.audio import scan_audio
    from ..io.spectrograms import scan_spectrograms

    scan = (scan_audio if kind == "audio" else scan_spectrograms)(root, within=within)
    if not scan.files:
        what = (
            "audio files (.wav .flac .ogg .opus .mp3)" if kind == "audio" else ".png spectrograms"
        )
        raise SongsimError(f"{root}: no {what} found")
    return scan


def track_ids(rels: list[str], kind: str) -> list[str]:
    """An audio track's id is its relative path; a PNG's its file stem (DEEJ-A.I. names them by
    Spotify id), or its relative path without ``.png`` where two PNGs share a stem."""
    if kind == "audio":
        return rels
    stems = [Path(r).stem for r in rels]
    seen = pd.Series(stems).value_counts()
    return [s if seen[s] == 1 else r[: -len(Path(r).suffix)] for s, r in zip(stems, rels)]
