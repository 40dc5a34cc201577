"""Which torch device to compute on: the one choice shared by training, embedding and k-means."""

from __future__ import annotations

import torch

from .errors import SongsimError


def pick_device(name: str = "auto") -> torch.device:
    """'auto' → CUDA, then Apple MPS, then CPU; or the named device (error if unavailable)."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SongsimError("device 'cuda': no CUDA GPU is available")
    if name == "mps" and not _mps_available():
        raise SongsimError("device 'mps': Apple MPS is not available")
    if name not in ("cpu", "cuda", "mps"):
        raise SongsimError(f"unknown device '{name}' (auto, cpu, cuda or mps)")
    return torch.device(name)


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())
