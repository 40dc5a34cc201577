"""Training: device choice, AMP, split by track, early stopping, resumable checkpoints.

On CUDA the step runs under bf16 autocast with channels_last tensors; on the CPU in fp32 with
channels_last tensors too (oneDNN's convolutions ran 1.4× faster that way on 2 cores), and a
CPU run with a given seed is reproducible. After every epoch a resume file (model, optimiser,
scheduler and history: tensors and numbers only, loaded with ``weights_only=True``) is written
atomically, so an interrupted run continues where it stopped.
"""
from __future__ import annotations

import dataclasses
import os
import time
import uuid
from pathlib import Path

import numpy as np
import torch

from ..errors import SongsimError
from ..progress import Callback
from . import MODELS


@dataclasses.dataclass(frozen=True)
class TrainParams:
    """Hyper-parameters of a training run."""

    model: str = "cae"           # 'cae' or 'vae'
    latent: int = 64             # embedding size
    epochs: int = 6              # maximum number of epochs
    batch_size: int = 64
    lr: float = 2e-3             # initial learning rate (Adam), then cosine decay
    weight_decay: float = 0.0
    patience: int = 3            # early stopping: epochs without validation improvement
    val_fraction: float = 0.15   # share of tracks held out (all their clips)
    beta: float = 1.0            # VAE: weight of the KL term
    warmup_epochs: int = 3       # VAE: epochs over which the KL weight rises from 0 to 1
    seed: int = 0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def pick_device(name: str = "auto") -> torch.device:
    """'auto' → CUDA, then Apple MPS, then CPU; or the named device (error if unavailable)."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SongsimError("--device cuda: no CUDA GPU is available")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise SongsimError("--device mps: Apple MPS is not available")
    if name not in ("cpu", "cuda", "mps"):
        raise SongsimError(f"unknown device '{name}' (auto, cpu, cuda or mps)")
    return torch.device(name)


def split_by_track(clip_track: np.ndarray, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Clip indices ``(train, val)``: every clip of a validation track is in ``val``."""
    tracks = np.unique(clip_track)
    rng = np.random.default_rng(seed)
    n_val = max(1, int(round(val_fraction * len(tracks)))) if len(tracks) > 1 else 0
    val_tracks = rng.choice(tracks, size=n_val, replace=False)
    is_val = np.isin(clip_track, val_tracks)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def build_model(params: TrainParams, input_shape: tuple[int, int]) -> torch.nn.Module:
    if params.model not in MODELS:
        raise SongsimError(f"unknown model '{params.model}' (choose from {', '.join(MODELS)})")
    return MODELS[params.model](latent=params.latent, input_shape=input_shape, beta=params.beta)


def _kl_weight(params: TrainParams, epoch: float) -> float:
    return 1.0 if params.warmup_epochs <= 0 else min(1.0, epoch / params.warmup_epochs)


def _save_resume(path: Path, state: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train(clips: np.ndarray, clip_track: np.ndarray, params: TrainParams = TrainParams(), *,
          device: str = "auto", resume_path: Path | None = None, progress: Callback | None = None,
          amp: bool | None = None, channels_last: bool | None = None) -> tuple[torch.nn.Module, dict]:
    """Train a model on clips.

    Parameters
    ----------
    clips : np.ndarray [shape=(n_clips, n_mels, n_frames)] float32 in [0, 1]
    clip_track : np.ndarray [shape=(n_clips,)] track of each clip (for the split)
    resume_path : where the per-epoch resume state is kept; an existing one is resumed from
    amp : bf16 autocast; defaults to True on CUDA, False elsewhere
    channels_last : defaults to True on CUDA and the CPU, False on MPS

    Returns
    -------
    model : the weights of the best validation epoch, in eval mode, on the CPU
    history : ``{"train_loss": [...], "val_loss": [...], "lr": [...], "best_epoch", "epochs_run",
               "seconds", "clips_per_second", "device", "stopped_early", "resumed_from"}``
    """
    dev = pick_device(device)
    amp = dev.type == "cuda" if amp is None else amp
    channels_last = dev.type in ("cuda", "cpu") if channels_last is None else channels_last
    torch.manual_seed(params.seed)
    gen = torch.Generator().manual_seed(params.seed)
    train_idx, val_idx = split_by_track(clip_track, params.val_fraction, params.seed)
    if len(train_idx) == 0:
        raise SongsimError("not enough tracks to train on")
    X = torch.from_numpy(np.ascontiguousarray(clips, dtype=np.float32)).unsqueeze(1)
    model = build_model(params, tuple(clips.shape[1:])).to(dev)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    opt = torch.optim.Adam(model.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, params.epochs), eta_min=params.lr / 20)
    history = {"train_loss": [], "val_loss": [], "lr": [], "best_epoch": -1, "resumed_from": None}
    best_state, best_val, bad_epochs, start_epoch = None, float("inf"), 0, 0
    if resume_path is not None and Path(resume_path).is_file():
        state = torch.load(resume_path, map_location="cpu", weights_only=True)
        if state.get("params") == params.to_dict():
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
            gen.set_state(state["generator"])
            torch.set_rng_state(state["torch_rng"])
            history = state["history"]
            best_state, best_val, bad_epochs = state["best_model"], state["best_val"], state["bad_epochs"]
            start_epoch = history["resumed_from"] = len(history["train_loss"])

    def batches(idx: np.ndarray, shuffle: bool):
        order = idx[torch.randperm(len(idx), generator=gen).numpy()] if shuffle else idx
        for i in range(0, len(order), params.batch_size):
            xb = X[torch.from_numpy(np.sort(order[i:i + params.batch_size]))].to(dev, non_blocking=True)
            yield xb.contiguous(memory_format=memory_format)

    def autocast():
        return torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=amp)

    t0, seen = time.perf_counter(), 0
    n_batches = -(-len(train_idx) // params.batch_size)
    if start_epoch == 0 and len(val_idx):
        history["initial_val_loss"] = evaluate_loss(model, X, val_idx, batches, autocast, _kl_weight(params, 0))
    for epoch in range(start_epoch, params.epochs):
        model.train()
        total = 0.0
        for b, xb in enumerate(batches(train_idx, shuffle=True)):
            with autocast():
                loss, _ = model.loss(xb, kl_weight=_kl_weight(params, epoch + b / n_batches))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
            seen += len(xb)
            if progress:
                progress(epoch * n_batches + b + 1, params.epochs * n_batches, f"epoch {epoch + 1}/{params.epochs}")
        history["train_loss"].append(total / len(train_idx))
        history["lr"].append(opt.param_groups[0]["lr"])
        sched.step()
        val = evaluate_loss(model, X, val_idx, batches, autocast, _kl_weight(params, epoch + 1)) if len(val_idx) else history["train_loss"][-1]
        history["val_loss"].append(val)
        if val < best_val - 1e-6:
            best_val, bad_epochs, history["best_epoch"] = val, 0, epoch
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        else:
            bad_epochs += 1
        if resume_path is not None:
            _save_resume(Path(resume_path), {
                "params": params.to_dict(), "model": model.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "generator": gen.get_state(), "torch_rng": torch.get_rng_state(),
                "history": history, "best_model": best_state, "best_val": best_val, "bad_epochs": bad_epochs})
        if bad_epochs >= params.patience:
            history["stopped_early"] = True
            break
    seconds = time.perf_counter() - t0
    history.update({"epochs_run": len(history["train_loss"]), "seconds": seconds,
                    "clips_per_second": seen / seconds if seconds else None, "device": str(dev),
                    "amp_bf16": amp, "channels_last": channels_last})
    history.setdefault("stopped_early", False)
    model = model.to("cpu", memory_format=torch.contiguous_format)
    model.load_state_dict(best_state)
    return model.eval(), history


@torch.no_grad()
def evaluate_loss(model, X, idx, batches, autocast, kl_weight: float) -> float:
    """Mean loss of ``model`` over the clips ``idx`` (eval mode, no sampling)."""
    model.eval()
    total = 0.0
    for xb in batches(idx, shuffle=False):
        with autocast():
            loss, _ = model.loss(xb, kl_weight=kl_weight)
        total += loss.item() * len(xb)
    return total / len(idx)


@torch.no_grad()
def embed_clips(model: torch.nn.Module, clips: np.ndarray, *, batch_size: int = 256, device: str = "auto") -> np.ndarray:
    """Latent vectors ``(n_clips, latent)`` float32 of ``clips [shape=(n_clips, n_mels, n_frames)]``."""
    dev = pick_device(device)
    model = model.to(dev).eval()
    out = []
    for i in range(0, len(clips), batch_size):
        xb = torch.from_numpy(np.ascontiguousarray(clips[i:i + batch_size], dtype=np.float32)).unsqueeze(1).to(dev)
        out.append(model.embed(xb).float().cpu().numpy())
    model.to("cpu")
    return np.concatenate(out) if out else np.zeros((0, model.latent), np.float32)


@torch.no_grad()
def reconstruct(model: torch.nn.Module, clips: np.ndarray) -> np.ndarray:
    """Reconstructions ``(n, n_mels, n_frames)`` of ``clips [shape=(n, n_mels, n_frames)]``."""
    model = model.eval()
    x = torch.from_numpy(np.ascontiguousarray(clips, dtype=np.float32)).unsqueeze(1)
    return model(x).squeeze(1).numpy()
