"""Hostile inputs, made on the spot: small files whose headers, compression or shape would make a
careless reader spend gigabytes. Shared by ``bench/bench_hostile.py`` and the tests."""

from __future__ import annotations

import gzip
import io
import os
import struct
from pathlib import Path

import numpy as np


def _ogg_crc(data: bytes) -> int:
    """The Ogg page checksum (CRC-32, polynomial 0x04C11DB7, not reflected, initial 0)."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def ogg_claiming_rate(path: Path, rate: int = 200_000_000, seconds: float = 1.2) -> Path:
    """A valid Ogg Vorbis file (44.1 kHz noise) whose identification header then claims ``rate`` Hz.

    The first page holds only the identification packet: its sample-rate field (bytes 12–15 of
    the packet) is patched and the page's checksum recomputed, so libogg accepts the page.
    """
    import soundfile as sf

    y = np.random.default_rng(0).standard_normal(int(44100 * seconds)).astype(np.float32) * 0.1
    buf = io.BytesIO()
    sf.write(buf, y, 44100, format="OGG", subtype="VORBIS")
    data = bytearray(buf.getvalue())
    assert data[:4] == b"OggS"
    n_segments = data[26]
    body = 27 + n_segments
    assert data[body : body + 7] == b"\x01vorbis"
    data[body + 12 : body + 16] = struct.pack("<I", rate)
    page_len = body + sum(data[27:body])
    data[22:26] = b"\x00\x00\x00\x00"
    data[22:26] = struct.pack("<I", _ogg_crc(bytes(data[:page_len])))
    path.write_bytes(bytes(data))
    return path


def sparse_wav(path: Path, *, rate: int, seconds: float, channels: int = 1) -> Path:
    """A 16-bit PCM WAV whose header declares ``seconds`` at ``rate`` Hz; the data is a hole
    (a sparse file: a few kB on disk, zeros when read)."""
    n_bytes = int(rate * seconds) * 2 * channels
    header = b"RIFF" + struct.pack("<I", 36 + n_bytes) + b"WAVE"
    header += b"fmt " + struct.pack(
        "<IHHIIHH", 16, 1, channels, rate, rate * 2 * channels, 2 * channels, 16
    )
    header += b"data" + struct.pack("<I", n_bytes)
    with open(path, "wb") as f:
        f.write(header)
        f.truncate(len(header) + n_bytes)
    return path


def gzip_bomb(path: Path, inflated: int = 128 * 1024 * 1024) -> Path:
    """``.json.gz`` of a few hundred kB that inflates to ``inflated`` bytes of spaces."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as g:
        chunk = b" " * (1 << 20)
        for _ in range(inflated // len(chunk)):
            g.write(chunk)
    path.write_bytes(out.getvalue())
    return path


def deep_entry_m3u8(path: Path, repeats: int = 50_000) -> Path:
    """One M3U8 line of ``a/`` × ``repeats`` (100 kB at the default)."""
    path.write_bytes(b"#EXTM3U\n" + b"a/" * repeats + b"x.wav\n")
    return path


def spectrogram_folder(folder: Path, n: int, seed: int = 0) -> Path:
    """``n`` random 96 × 216 grayscale PNG spectrograms ``t0000.png``…"""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (96, 216), dtype=np.uint8)).save(
            folder / f"t{i:04d}.png"
        )
    return folder


def odd_audio_folder(folder: Path) -> Path:
    """A folder of things named like tracks that are not regular files, and a non-UTF-8 name,
    beside one real WAV."""
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    sf.write(folder / "real.wav", np.zeros(22050 * 2, np.float32), 22050)
    (folder / "folder.wav").mkdir()
    os.mkfifo(folder / "pipe.wav")
    os.symlink("loop.wav", folder / "loop.wav")
    os.symlink("missing-target", folder / "broken.wav")
    with open(os.fsencode(folder) + b"/caf\xe9.wav", "wb") as f:  # Latin-1 'café.wav'
        f.write((folder / "real.wav").read_bytes())
    return folder
