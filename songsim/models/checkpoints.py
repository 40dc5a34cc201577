"""Checkpoints: weights as safetensors plus a JSON manifest, never a pickle.

A checkpoint is a folder (an entry of :mod:`songsim.storage`) with ``weights.safetensors`` and
``manifest.json``: model kind, latent size, input shape, audio parameters, the dataset it was
trained on (fingerprint, and the demo's spec for the demo), training parameters, loss history
and library versions. Loading rebuilds the model from the manifest and refuses, with a clear
message, weights whose architecture or input shape do not match what is asked for.
"""

from __future__ import annotations

from pathlib import Path

from ..config import cache_dir, package_dir
from ..errors import CheckpointError, DatasetError
from ..storage import current_version, new_version, read_manifest, write_manifest
from . import MODEL_NAMES

SHIPPED_DIR = package_dir() / "weights"


def checkpoint_entry(dataset: str, model: str, latent: int) -> Path:
    """Cache folder of the checkpoint of ``model`` with ``latent`` trained on ``dataset``."""
    return cache_dir() / "models" / dataset / f"{model}-{latent}"


def shipped_entry(model: str, latent: int) -> Path:
    """Folder of the weights shipped in the package: the CAE and VAE trained on the demo
    (``demo-<model>-<latent>``), the contrastive encoder pretrained for any library
    (``pretrained-contrastive-<latent>``)."""
    prefix = "pretrained" if model == "contrastive" else "demo"
    return SHIPPED_DIR / f"{prefix}-{model}-{latent}"


def save_checkpoint(entry: Path, model, manifest: dict) -> Path:
    """Write ``model``'s weights and ``manifest`` atomically as the current version of ``entry``."""
    from safetensors.torch import save_file

    from ..data.store import library_versions
    from .backbone import n_parameters

    with new_version(entry) as folder:
        state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(folder / "weights.safetensors"))
        write_manifest(
            folder,
            {
                **manifest,
                "model": model.kind,
                "latent": model.latent,
                "input_shape": list(model.input_shape),
                "n_parameters": n_parameters(model),
                "beta": getattr(model, "beta", None),
                "versions": library_versions(),
            },
        )
    return folder


def checkpoint_manifest(
    entry: Path,
    *,
    model: str | None = None,
    latent: int | None = None,
    input_shape: tuple[int, int] | None = None,
) -> tuple[Path, dict]:
    """``(version folder, manifest)`` of the current checkpoint of ``entry``, without loading it.

    The manifest is checked against its files' checksums and the architecture asked for, so a
    checkpoint that passes here loads (unless its folder changes in between).

    Raises
    ------
    CheckpointError  when there is none, it is corrupted, or it is not the architecture asked for.
    """
    folder = current_version(Path(entry))
    if folder is None:
        raise CheckpointError(f"{entry}: no checkpoint")
    try:
        manifest = read_manifest(folder)
    except DatasetError as exc:
        raise CheckpointError(str(exc)) from None
    kind, size, shape = (
        manifest.get("model"),
        manifest.get("latent"),
        tuple(manifest.get("input_shape", ())),
    )
    for what, want, have in (
        ("model", model, kind),
        ("latent size", latent, size),
        ("input shape", tuple(input_shape) if input_shape else None, shape),
    ):
        if want is not None and want != have:
            raise CheckpointError(f"{folder}: checkpoint has {what} {have}, expected {want}")
    if kind not in MODEL_NAMES:
        raise CheckpointError(f"{folder}: unknown model kind '{kind}'")
    return folder, manifest


def load_checkpoint(
    entry: Path,
    *,
    model: str | None = None,
    latent: int | None = None,
    input_shape: tuple[int, int] | None = None,
) -> tuple:
    """Load the current checkpoint of ``entry``; returns ``(model in eval mode, manifest)``.

    Raises
    ------
    CheckpointError  as :func:`checkpoint_manifest`, or when the weights do not fit the model.
    """
    from safetensors.torch import load_file

    from . import MODELS

    folder, manifest = checkpoint_manifest(
        entry, model=model, latent=latent, input_shape=input_shape
    )
    kind = manifest["model"]
    net = MODELS[kind](
        latent=manifest["latent"],
        input_shape=tuple(manifest["input_shape"]),
        beta=manifest.get("beta") or 1.0,
        temperature=(manifest.get("train_params") or {}).get("temperature", 0.1),
    )
    try:
        net.load_state_dict(load_file(str(folder / "weights.safetensors")), strict=True)
    except (RuntimeError, OSError, ValueError) as exc:
        raise CheckpointError(
            f"{folder}: weights do not match the {kind} architecture ({str(exc).splitlines()[0]})"
        ) from None
    return net.eval(), manifest


def describe(manifest: dict) -> str:
    """One line for people: when a checkpoint was trained, on what, and how long, e.g.
    "trained 2026-11-22 19:48 UTC on realmusic16 + demo (529 tracks), 8 epochs on cpu"."""
    import re

    found = re.search(
        r"v(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})", str(manifest.get("checkpoint_id", ""))
    )
    when = (
        f"{'-'.join(found.groups()[:3])} {found[4]}:{found[5]} UTC"
        if found
        else "at an unknown time"
    )
    data = manifest.get("dataset") or {}
    parts = data.get("parts") or [data]
    names = " + ".join(str(p.get("name", "?")) for p in parts)
    tracks = sum(int(p.get("tracks") or 0) for p in parts)
    h = manifest.get("history") or {}
    return (
        f"trained {when} on {names}"
        + (f" ({tracks} tracks)" if tracks else "")
        + (
            f", {h['epochs_run']} epoch{'s' * (h['epochs_run'] != 1)} on {h.get('device', '?')}"
            if "epochs_run" in h
            else ""
        )
    )
