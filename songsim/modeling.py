"""Models for a dataset: load a matching checkpoint, else the shipped demo weights, else train.

A cached checkpoint matches when it was trained on a dataset with the same fingerprint; the
shipped weights (``songsim/weights/demo-<model>-<latent>``) match the demo dataset built from the
same seed and synthesiser version.
"""
from __future__ import annotations

import logging
from pathlib import Path

from .datasets import Dataset
from .errors import CheckpointError
from .models.checkpoints import checkpoint_entry, load_checkpoint, save_checkpoint, shipped_entry
from .models.train import TrainParams, train
from .progress import Callback
from .storage import current_version

log = logging.getLogger("songsim")


def _matches(ds: Dataset, manifest: dict) -> bool:
    trained_on = manifest.get("dataset", {})
    if trained_on.get("fingerprint") == ds.audio_fingerprint:
        return True
    return ds.info.get("kind") == "demo" and trained_on.get("demo") == ds.info.get("demo") is not None


def find_checkpoint(ds: Dataset, model: str, latent: int = 64) -> Path | None:
    """The checkpoint entry that fits ``ds`` (cache first, then shipped), or None."""
    for entry in (checkpoint_entry(ds.name, model, latent), shipped_entry(model, latent)):
        try:
            _, manifest = load_checkpoint(entry, model=model, latent=latent, input_shape=ds.params.shape)
        except CheckpointError as exc:
            if current_version(entry) is not None:  # there is one, but it is corrupted or foreign
                log.warning("ignoring checkpoint: %s", exc)
            continue
        if _matches(ds, manifest):
            return entry
    return None


def get_model(ds: Dataset, model: str = "cae", *, latent: int = 64, train_if_missing: bool = True,
              params: TrainParams | None = None, device: str = "auto", progress: Callback | None = None):
    """``(model, manifest)`` for ``ds``: a matching checkpoint, or a new training run.

    ``manifest["checkpoint_id"]`` names the checkpoint version (embeddings are keyed by it).
    Raises CheckpointError when none matches and ``train_if_missing`` is False.
    """
    entry = find_checkpoint(ds, model, latent)
    if entry is not None:
        net, manifest = load_checkpoint(entry, model=model, latent=latent, input_shape=ds.params.shape)
        return net, _with_id(entry, manifest)
    if not train_if_missing:
        raise CheckpointError(f"no {model} checkpoint with latent {latent} for dataset '{ds.name}' (train one first)")
    return train_and_save(ds, params or TrainParams(model=model, latent=latent), device=device, progress=progress)


def train_and_save(ds: Dataset, params: TrainParams, *, device: str = "auto", progress: Callback | None = None,
                   entry: Path | None = None):
    """Train on ``ds`` (resuming an interrupted run) and save the checkpoint; returns ``(model, manifest)``."""
    entry = entry or checkpoint_entry(ds.name, params.model, params.latent)
    entry.mkdir(parents=True, exist_ok=True)
    resume = entry / "resume.pt"
    if progress is None:
        from .progress import terminal_callback

        progress = terminal_callback()
    net, history = train(ds.clips, ds.clip_track, params, device=device, resume_path=resume, progress=progress)
    manifest = {"dataset": {"name": ds.name, "fingerprint": ds.audio_fingerprint, "demo": ds.info.get("demo")},
                "audio_params": ds.params.to_dict(), "train_params": params.to_dict(), "history": history}
    save_checkpoint(entry, net, manifest)
    resume.unlink(missing_ok=True)
    net, manifest = load_checkpoint(entry)
    return net, _with_id(entry, manifest)


def _with_id(entry: Path, manifest: dict) -> dict:
    return {**manifest, "checkpoint_id": f"{entry.name}/{current_version(entry).name}"}
