"""Models for a dataset: load a matching checkpoint, else the shipped weights, else train.

A cached checkpoint matches when it was trained on a dataset with the same fingerprint. The
shipped CAE and VAE weights (``songsim/weights/demo-<model>-<latent>``) match the demo dataset
built from the same seed and synthesiser version. The shipped contrastive encoder
(``songsim/weights/pretrained-contrastive-<latent>``) is pretrained for any library whose clips
are made with the same audio parameters; training the contrastive encoder on a library starts
from it (fine-tuning) unless asked to start from scratch.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..data.datasets import Dataset
from ..errors import CheckpointError, SongsimError
from ..models import DEFAULT_LATENT
from ..models.checkpoints import (
    checkpoint_entry,
    checkpoint_manifest,
    load_checkpoint,
    save_checkpoint,
    shipped_entry,
)
from ..models.params import TrainParams
from ..progress import Callback
from ..storage import check_writable, current_version

log = logging.getLogger("songsim")

#: Audio parameters that fix what a clip looks like (the clip count and skipped intro do not).
CLIP_DEFINING = ("sr", "n_fft", "hop_length", "n_mels", "fmax", "clip_seconds", "top_db")


def _same_clips(ds: Dataset, audio_params: dict | None) -> bool:
    have = ds.params.to_dict()
    return bool(audio_params) and all(audio_params.get(k) == have[k] for k in CLIP_DEFINING)


def _matches(ds: Dataset, manifest: dict) -> bool:
    trained_on = manifest.get("dataset", {})
    if trained_on.get("fingerprint") == ds.audio_fingerprint:
        return True
    if manifest.get("pretrained"):
        return _same_clips(ds, manifest.get("audio_params"))
    return (
        ds.info.get("kind") == "demo" and trained_on.get("demo") == ds.info.get("demo") is not None
    )


def find_checkpoint(ds: Dataset, model: str, latent: int | None = None) -> Path | None:
    """The checkpoint entry that fits ``ds`` (cache first, then shipped), or None.

    Looked up by manifest alone (checksums verified, weights not loaded)."""
    found = fitting_checkpoint(ds, model, latent)
    return found and found[0]


def fitting_checkpoint(ds: Dataset, model: str, latent: int | None = None):
    """``(entry, manifest)`` of the checkpoint that fits ``ds`` (cache first, then shipped), with
    ``manifest["checkpoint_id"]``, or None: :func:`find_checkpoint` with what it read."""
    latent = latent or DEFAULT_LATENT[model]
    for entry in (checkpoint_entry(ds.name, model, latent), shipped_entry(model, latent)):
        try:
            _, manifest = checkpoint_manifest(
                entry, model=model, latent=latent, input_shape=ds.params.shape
            )
        except CheckpointError as exc:
            if current_version(entry) is not None:  # there is one, but it is corrupted or foreign
                log.warning("ignoring checkpoint: %s", exc)
            continue
        if _matches(ds, manifest):
            return entry, _with_id(entry, manifest)
    return None


def checkpoint_sizes(ds: Dataset, model: str) -> list[int]:
    """Latent sizes with a checkpoint entry of ``model`` for ``ds`` (its own or shipped), the
    default size first; whether each fits ``ds`` is :func:`find_checkpoint`'s to say."""
    default = DEFAULT_LATENT[model]
    found = {default}
    for named in (checkpoint_entry(ds.name, model, default), shipped_entry(model, default)):
        stem = named.name.rpartition("-")[0]  # "cae" or "demo-cae": the entry names "<stem>-<size>"
        for entry in named.parent.glob(f"{stem}-*"):
            size = entry.name.rpartition("-")[2]
            if size.isdigit() and entry.is_dir():
                found.add(int(size))
    return [default] + sorted(found - {default})


def get_model(
    ds: Dataset,
    model: str = "cae",
    *,
    latent: int | None = None,
    train_if_missing: bool = False,
    params: TrainParams | None = None,
    device: str = "auto",
    progress: Callback | None = None,
):
    """``(model, manifest)`` for ``ds``: a matching checkpoint, or a new training run.

    ``manifest["checkpoint_id"]`` names the checkpoint version (embeddings are keyed by it).
    Raises CheckpointError when none matches and ``train_if_missing`` is False.
    """
    latent = latent or DEFAULT_LATENT[model]
    entry = find_checkpoint(ds, model, latent)
    if entry is not None:
        net, manifest = load_checkpoint(
            entry, model=model, latent=latent, input_shape=ds.params.shape
        )
        return net, _with_id(entry, manifest)
    if not train_if_missing:
        raise CheckpointError(
            f"no {model} checkpoint with latent {latent} for dataset '{ds.name}' (train one "
            f"first: python -m songsim train {ds.name} --model {model} --latent {latent})"
        )
    return train_and_save(
        ds, params or TrainParams.for_model(model, latent=latent), device=device, progress=progress
    )


def pretrained_start(ds: Dataset, params: TrainParams) -> tuple[dict | None, str | None]:
    """``(weights, checkpoint id)`` of the shipped pretrained model to fine-tune from, or ``(None, None)``."""
    entry = shipped_entry(params.model, params.latent)
    try:
        net, manifest = load_checkpoint(
            entry, model=params.model, latent=params.latent, input_shape=ds.params.shape
        )
    except CheckpointError:
        return None, None
    if not (manifest.get("pretrained") and _same_clips(ds, manifest.get("audio_params"))):
        return None, None
    return net.state_dict(), _with_id(entry, manifest)["checkpoint_id"]


def train_and_save(
    ds: Dataset | list[Dataset],
    params: TrainParams,
    *,
    device: str = "auto",
    progress: Callback | None = None,
    entry: Path | None = None,
    from_scratch: bool = False,
    pretrained: bool = False,
    teacher: np.ndarray | None = None,
):
    """Train on ``ds`` (resuming an interrupted run) and save the checkpoint; returns ``(model, manifest)``.

    Parameters
    ----------
    ds : one dataset, or several with the same audio parameters (their clips are pooled)
    from_scratch : the contrastive encoder otherwise starts from the shipped pretrained weights
    pretrained : mark the checkpoint as pretrained for any library (how the shipped encoder is made)
    teacher : np.ndarray [shape=(n_clips, d)] a teacher's vector of each pooled clip, when
        ``params.distill`` (:func:`songsim.embeddings.teacher_vectors`)
    """
    datasets = ds if isinstance(ds, list) else [ds]
    first = datasets[0]
    for other in datasets[1:]:
        if other.params.shape != first.params.shape or not _same_clips(
            other, first.params.to_dict()
        ):
            raise SongsimError(
                f"datasets '{first.name}' and '{other.name}' have different audio parameters"
            )
    entry = entry or checkpoint_entry(
        "+".join(d.name for d in datasets), params.model, params.latent
    )
    check_writable(entry.parent)  # a read-only or full cache is found before training, not after
    init, init_id = (
        (None, None)
        if from_scratch or pretrained or params.model != "contrastive"
        else pretrained_start(first, params)
    )
    resume = entry / "resume.pt"
    if progress is None:
        from ..progress import terminal_callback

        progress = terminal_callback()
    if len(datasets) > 1:
        from ..data.clips import ConcatClips

        clips = ConcatClips([d.clips for d in datasets])
    else:
        clips = first.clips
    offsets = np.cumsum([0] + [d.n_tracks for d in datasets[:-1]])
    clip_track = np.concatenate([d.clip_track + o for d, o in zip(datasets, offsets)])
    net, history = train(
        clips,
        clip_track,
        params,
        device=device,
        resume_path=resume,
        resume_key=f"{'+'.join(d.audio_fingerprint for d in datasets)}:{init_id}",
        progress=progress,
        init_state=init,
        teacher=teacher,
    )
    trained_on = {
        "name": first.name,
        "fingerprint": first.audio_fingerprint,
        "demo": first.info.get("demo"),
    }
    if len(datasets) > 1:
        trained_on = {
            "name": "+".join(d.name for d in datasets),
            "fingerprint": None,
            "parts": [
                {"name": d.name, "fingerprint": d.audio_fingerprint, "tracks": d.n_tracks}
                for d in datasets
            ],
        }
    manifest = {
        "dataset": trained_on,
        "audio_params": first.params.to_dict(),
        "train_params": params.to_dict(),
        "history": history,
        "pretrained": pretrained,
        "initialised_from": init_id,
    }
    save_checkpoint(entry, net, manifest)
    resume.unlink(missing_ok=True)
    net, manifest = load_checkpoint(entry)
    return net, _with_id(entry, manifest)


def train(*args, **kwargs):
    """:func:`songsim.models.train.train` (imported when called: torch loads to train, not to
    look a checkpoint up)."""
    from ..models.train import train as run

    return run(*args, **kwargs)


def checkpoint_id(entry: Path) -> str:
    """``<entry>/<version>``: names the current checkpoint of ``entry`` (embeddings are keyed by it)."""
    return f"{entry.name}/{current_version(entry).name}"


def _with_id(entry: Path, manifest: dict) -> dict:
    return {**manifest, "checkpoint_id": checkpoint_id(entry)}
