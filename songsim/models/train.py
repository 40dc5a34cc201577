"""Training: device choice, AMP, split by track, early stopping, resumable checkpoints.

On CUDA the step runs under bf16 autocast with channels_last tensors; on the CPU in fp32 with
channels_last tensors too (oneDNN's convolutions ran 1.4× faster that way on 2 cores), and a
CPU run with a given seed is reproducible. After every epoch a resume file (model, optimiser,
scheduler and history: tensors and numbers only, loaded with ``weights_only=True``) is written
atomically, so an interrupted run continues where it stopped.
"""

from __future__ import annotations

import functools
import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ..devices import pick_device
from ..errors import SongsimError
from ..progress import Callback
from . import MODELS
from .batches import Batches
from .params import TrainParams

log = logging.getLogger("songsim")


SCHEDULES = ("cosine", "onecycle")


def split_by_track(
    clip_track: np.ndarray, val_fraction: float, random_state: int
) -> tuple[np.ndarray, np.ndarray]:
    """Clip indices ``(train, val)``: every clip of a validation track is in ``val``; at least one
    track is held out unless ``val_fraction`` is 0 (then ``val`` is empty)."""
    tracks = np.unique(clip_track)
    rng = np.random.default_rng(random_state)
    n_val = max(1, int(round(val_fraction * len(tracks)))) if len(tracks) > 1 else 0
    n_val = 0 if val_fraction <= 0 else n_val
    val_tracks = rng.choice(tracks, size=n_val, replace=False)
    is_val = np.isin(clip_track, val_tracks)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def build_model(params: TrainParams, input_shape: tuple[int, int]) -> torch.nn.Module:
    if params.model not in MODELS:
        raise SongsimError(f"unknown model '{params.model}' (choose from {', '.join(MODELS)})")
    return MODELS[params.model](
        latent=params.latent,
        input_shape=input_shape,
        beta=params.beta,
        temperature=params.temperature,
        teacher_dim=params.teacher_dim if params.distill else 0,
    )


def _kl_weight(params: TrainParams, epoch: float) -> float:
    return 1.0 if params.warmup_epochs <= 0 else min(1.0, epoch / params.warmup_epochs)


def _save_resume(path: Path, state: dict) -> None:
    """Write the resume state atomically; its folder is made here, once an epoch is done (a run
    that fails before leaves no empty checkpoint folder behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def _load_resume(path: Path | None, params: TrainParams, key: str | None) -> dict | None:
    """The resume state at ``path`` when it was written for ``params`` and ``key``, else None
    (a corrupt, truncated or foreign file is passed over with a warning)."""
    if path is None or not Path(path).is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(state, dict):
            raise ValueError("not a resume state")
    except Exception as exc:  # truncated, corrupt, or not a torch file at all
        log.warning(
            "%s: unreadable resume file ignored (%s)", path, " ".join(str(exc).split())[:200]
        )
        return None
    if state.get("params") != params.to_dict() or state.get("key") != key:
        log.warning("%s: resume file of other data or parameters ignored", path)
        return None
    return state


def _own_random_state(fn):
    """Run a training function seeded by its ``params.random_state`` on a fork of torch's
    global generators: the caller's random state is the same afterwards."""

    @functools.wraps(fn)
    def seeded(clips, clip_track, params=TrainParams(), **kwargs):
        cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(params.random_state)  # the initial weights and dropout
            return fn(clips, clip_track, params, **kwargs)

    return seeded


@_own_random_state
def train(
    clips: np.ndarray,
    clip_track: np.ndarray,
    params: TrainParams = TrainParams(),
    *,
    device: str = "auto",
    resume_path: Path | None = None,
    resume_key: str | None = None,
    progress: Callback | None = None,
    amp: bool | None = None,
    channels_last: bool | None = None,
    init_state: dict | None = None,
    on_epoch: Callable[[int, torch.nn.Module, dict], None] | None = None,
    teacher: np.ndarray | None = None,
) -> tuple[torch.nn.Module, dict]:
    """Train a model on clips.

    Parameters
    ----------
    clips : [shape=(n_clips, n_mels, n_frames)] float32 in [0, 1]: an array, or a dataset's
        :class:`~songsim.data.clips.ClipStore` (each batch is read from disk as it is needed)
    clip_track : np.ndarray [shape=(n_clips,)] track of each clip (for the split, and the
        contrastive encoder's positives); labels never reach training
    resume_path : where the per-epoch resume state is kept; an existing one is resumed from
        when it was written for the same parameters and ``resume_key``; a corrupt or foreign
        one is ignored with a warning on the ``songsim`` logger
    resume_key : what the data is (e.g. the datasets' audio fingerprints): a resume file of
        other data is never resumed from
    amp : bf16 autocast; defaults to True on CUDA, False elsewhere
    channels_last : defaults to True on CUDA and the CPU, False on MPS
    init_state : weights to start from (fine-tuning), instead of a random initialisation; a
        checkpoint without the distillation head fills the rest from the random initialisation
    teacher : np.ndarray [shape=(n_clips, params.teacher_dim)] a teacher's vector of each clip
        (musicnn's), which the contrastive encoder's embedding learns to predict when
        ``params.distill`` > 0
    on_epoch : called after every epoch as ``on_epoch(epoch, model, history)`` (epoch from 1; the
        model as it is then, on the training device): ablations score the embedding there

    Returns
    -------
    model : the weights of the best validation epoch, in eval mode, on the CPU
    history : ``{"train_loss": [...], "val_loss": [...], "lr": [...], "best_epoch", "epochs_run",
               "seconds", "clips_per_second", "device", "stopped_early", "resumed_from"}``
    """
    dev = pick_device(device)
    amp = dev.type == "cuda" if amp is None else amp
    channels_last = dev.type in ("cuda", "cpu") if channels_last is None else channels_last
    gen = torch.Generator().manual_seed(params.random_state)
    clip_track = np.asarray(clip_track, dtype=np.int64)
    train_idx, val_idx = split_by_track(clip_track, params.val_fraction, params.random_state)
    if len(train_idx) == 0 or (
        params.model == "contrastive" and len(np.unique(clip_track[train_idx])) < 2
    ):
        raise SongsimError("not enough tracks to train on")
    targets = _teacher(teacher, params, len(clips))
    model = build_model(params, tuple(clips.shape[1:]))
    if init_state is not None:
        model.load_state_dict({**model.state_dict(), **init_state})
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(dev, memory_format=memory_format)
    opt = (
        torch.optim.AdamW(model.parameters(), lr=params.lr, weight_decay=params.weight_decay)
        if params.weight_decay
        else torch.optim.Adam(model.parameters(), lr=params.lr)
    )
    n_batches = -(-len(train_idx) // params.batch_size)
    if params.schedule not in SCHEDULES:
        raise SongsimError(f"unknown schedule '{params.schedule}' ({', '.join(SCHEDULES)})")
    per_step = params.schedule == "onecycle"
    if per_step:  # warm up over the first 10 % of the steps, then anneal (cosine) to lr/1e4
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=params.lr, total_steps=max(1, params.epochs * n_batches), pct_start=0.1
        )
    else:
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(
            opt, T_max=max(1, params.epochs), eta_min=params.lr / 20
        )
    history = {"train_loss": [], "val_loss": [], "lr": [], "best_epoch": -1, "resumed_from": None}
    best_state, best_val, bad_epochs, start_epoch = None, float("inf"), 0, 0
    state = _load_resume(resume_path, params, resume_key)
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        history = state["history"]
        best_state, best_val, bad_epochs = (
            state["best_model"],
            state["best_val"],
            state["bad_epochs"],
        )
        start_epoch = history["resumed_from"] = len(history["train_loss"])

    batches = Batches(clips, clip_track, params, dev, memory_format, targets)

    def autocast():
        return torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=amp)

    def validate(kl_weight: float) -> float:
        # a fixed generator: the same validation views every epoch, so losses are comparable
        return evaluate_loss(
            model,
            batches(val_idx, torch.Generator().manual_seed(params.random_state + 1), shuffle=True),
            autocast,
            kl_weight,
            params.distill,
        )

    t0, seen = time.perf_counter(), 0
    if start_epoch == 0 and len(val_idx):
        history["initial_val_loss"] = validate(_kl_weight(params, 0))
    for epoch in range(start_epoch, params.epochs):
        model.train()
        total, count = 0.0, 0
        for b, (xb, groups, tb) in enumerate(batches(train_idx, gen, shuffle=True)):
            with autocast():
                loss, _ = model.loss(
                    xb,
                    groups=groups,
                    kl_weight=_kl_weight(params, epoch + b / n_batches),
                    targets=tb,
                    distill=params.distill,
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if per_step:
                sched.step()
            total += loss.item() * len(xb)
            count += len(xb)
            seen += len(xb)
            if progress:
                progress(
                    epoch * n_batches + b + 1,
                    params.epochs * n_batches,
                    f"epoch {epoch + 1}/{params.epochs}",
                )
        history["train_loss"].append(total / max(count, 1))
        history["lr"].append(opt.param_groups[0]["lr"])
        if not per_step:
            sched.step()
        val = validate(_kl_weight(params, epoch + 1)) if len(val_idx) else history["train_loss"][-1]
        history["val_loss"].append(val)
        if val < best_val - 1e-6:
            best_val, bad_epochs, history["best_epoch"] = val, 0, epoch
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        else:
            bad_epochs += 1
        if resume_path is not None:
            _save_resume(
                Path(resume_path),
                {
                    "params": params.to_dict(),
                    "key": resume_key,
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(),
                    "generator": gen.get_state(),
                    "torch_rng": torch.get_rng_state(),
                    "history": history,
                    "best_model": best_state,
                    "best_val": best_val,
                    "bad_epochs": bad_epochs,
                },
            )
        if on_epoch is not None:
            on_epoch(epoch + 1, model, history)
            model.to(dev, memory_format=memory_format).train()  # as the callback may leave it
        if bad_epochs >= params.patience:
            history["stopped_early"] = True
            break
    seconds = time.perf_counter() - t0
    history.update(
        {
            "epochs_run": len(history["train_loss"]),
            "seconds": seconds,
            "clips_per_second": seen / seconds if seconds else None,
            "device": str(dev),
            "amp_bf16": amp,
            "channels_last": channels_last,
        }
    )
    history.setdefault("stopped_early", False)
    model = model.to("cpu", memory_format=torch.contiguous_format)
    model.load_state_dict(best_state)
    if getattr(model, "teacher_head", None) is not None:
        model.teacher_head = None  # used in training only: a checkpoint holds the encoder
    return model.eval(), history


def _teacher(teacher: np.ndarray | None, params: TrainParams, n_clips: int):
    """The teacher's vectors as a tensor ``(n_clips, teacher_dim)``, checked; None unless
    distilling."""
    if not params.distill:
        return None
    if params.model != "contrastive":
        raise SongsimError("only the contrastive encoder learns from a teacher (distill)")
    if teacher is None or teacher.shape != (n_clips, params.teacher_dim):
        got = None if teacher is None else teacher.shape
        raise SongsimError(
            f"distilling needs a teacher vector per clip: ({n_clips}, {params.teacher_dim}), got {got}"
        )
    return torch.from_numpy(np.ascontiguousarray(teacher, dtype=np.float32))


@torch.no_grad()
def evaluate_loss(model, batches, autocast, kl_weight: float, distill: float = 0.0) -> float:
    """Mean loss of ``model`` over ``batches`` of ``(x, groups, targets)`` (eval mode, no
    sampling)."""
    model.eval()
    total, count = 0.0, 0
    for xb, groups, tb in batches:
        with autocast():
            loss, _ = model.loss(
                xb, groups=groups, kl_weight=kl_weight, targets=tb, distill=distill
            )
        total += loss.item() * len(xb)
        count += len(xb)
    return total / max(count, 1)


@torch.no_grad()
def reconstruct(model: torch.nn.Module, clips: np.ndarray) -> np.ndarray:
    """Reconstructions ``(n, n_mels, n_frames)`` of ``clips [shape=(n, n_mels, n_frames)]``."""
    model = model.eval()
    x = torch.from_numpy(np.ascontiguousarray(clips, dtype=np.float32)).unsqueeze(1)
    return model(x).squeeze(1).numpy()
