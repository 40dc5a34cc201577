"""DEEJ-A.I.-style spectrogram PNGs → clips.

Each ``<track_id>.png`` is a grayscale image with ``n_mels`` rows (96) and one column per frame.
An image of exactly ``n_frames`` columns (216) is one clip; a wider one is cut into up to
``n_clips`` windows of ``n_frames`` columns spread evenly over it. Pixels are min–max scaled to
[0, 1] per clip, as audio clips are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import AudioParams
from ..errors import AudioFormatError
from ..limits import check_pixels
from .scan import Scan, scan_folder


def scan_spectrograms(root: Path, *, within=None) -> Scan:
    """PNG files below ``root``, recursively, sorted by relative path, and the paths passed over
    (``within``: the rule for links of :func:`~songsim.io.scan.scan_folder`)."""
    return scan_folder(Path(root), (".png",), within=within)


def read_spectrogram_png(path: Path, params: AudioParams = AudioParams()) -> np.ndarray:
    """Clips of one spectrogram image.

    Returns
    -------
    X : np.ndarray [shape=(n_clips, n_mels, n_frames)] float32 in [0, 1]

    Raises
    ------
    AudioFormatError  if the file is not a PNG of ``n_mels`` rows and at least ``n_frames`` columns.
    """
    from PIL import Image

    try:
        with Image.open(path) as img:
            if img.format != "PNG":
                raise AudioFormatError(f"{path}: not a PNG image ({img.format})")
            img.draft("L", img.size)
            check_pixels(str(path), img.width, img.height, AudioFormatError)
            a = np.asarray(img.convert("L"), dtype=np.float32)
    except AudioFormatError:
        raise
    except Exception as exc:
        raise AudioFormatError(
            f"{path}: cannot read image ({' '.join(str(exc).split())})"
        ) from None
    n_mels, n_frames = params.shape
    if a.shape[0] != n_mels or a.shape[1] < n_frames:
        raise AudioFormatError(
            f"{path}: spectrogram is {a.shape[0]}×{a.shape[1]}, expected {n_mels} rows and at least {n_frames} columns"
        )
    n = min(params.n_clips, 1 + (a.shape[1] - n_frames) // (n_frames // 2))
    offsets = np.linspace(0, a.shape[1] - n_frames, n).astype(int)
    X = np.stack([a[:, o : o + n_frames] for o in offsets])
    lo = X.min(axis=(1, 2), keepdims=True)
    span = X.max(axis=(1, 2), keepdims=True) - lo
    return np.where(span > 0, (X - lo) / np.where(span > 0, span, 1), 0).astype(np.float32)
