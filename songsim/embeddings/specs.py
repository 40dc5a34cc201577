"""What makes an embedding's vectors (:class:`Spec`), and where they are stored.

A spec names the kind, its parameters (a model kind's checkpoint id, the PCA basis's dataset),
the store's folder and the key of its vectors: the digest of the kind, its parameters and the
version of the code that computes it. :func:`embedding_key` identifies a dataset's track vectors
without computing them, so the steps after an embedding change their keys with its checkpoint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from ..cache import code_version
from ..config import cache_dir
from ..data.datasets import Dataset
from ..errors import SongsimError
from ..progress import Callback
from ..storage import check_name
from .baselines import N_MFCC
from .names import COMPOSITES, MODEL_KINDS, TAGGERS, split_kind

MUSICNN_PARAMS = {"weights": "msd", "layer": "mean_pool", "scaling": "standardised"}

TRANSFORM = {"mfcc": "zscore", **dict.fromkeys(TAGGERS, "zscore-unit")}


#: Tracks per embedding task (a batch read, embedded and stored together).
@dataclasses.dataclass(frozen=True)
class Spec:
    """What makes one embedding's vectors: its kind, parameters (with the checkpoint id or the
    PCA basis's dataset), the store's folder name, and the key of its stored vectors."""

    kind: str
    params: dict
    entry: str
    key: str
    model_entry: str | None = None  # a model kind's checkpoint folder


def _plain_params(kind: str, n_components: int = 64, random_state: int = 0) -> dict | None:
    """What an embedding of a kind without a model depends on (None for the model kinds)."""
    return {
        "pca": {"n_components": n_components, "random_state": random_state},
        "mfcc": {"n_mfcc": N_MFCC},
        "musicnn": MUSICNN_PARAMS,
        **{
            k: {"weights": folder, "layer": layer, "scaling": "standardised"}
            for k, (folder, layer) in TAGGERS.items()
            if k != "musicnn"
        },
    }.get(kind)


#: The code each stored kind's vectors depend on (part of its key; a model's weights are pinned
#: by its checkpoint id).
KIND_CODE = {
    "pca": ("embeddings/baselines.py",),
    "mfcc": ("embeddings/baselines.py",),
    **dict.fromkeys(
        TAGGERS, ("embeddings/musicnn.py", "models/musicnn.py", "models/vgg.py", "io/audio.py")
    ),
    **dict.fromkeys(
        MODEL_KINDS,
        (
            "models/backbone.py",
            "models/cae.py",
            "models/vae.py",
            "models/contrastive.py",
            "models/inference.py",
        ),
    ),
}


def spec(
    ds: Dataset,
    kind: str,
    *,
    latent: int | None = None,
    n_components: int = 64,
    random_state: int = 0,
    train_if_missing: bool = False,
    progress: Callback | None = None,
) -> Spec:
    """The :class:`Spec` of ``kind`` for ``ds``: a model kind's checkpoint is looked up by its
    manifest (no weights loaded; trained first only when ``train_if_missing``)."""
    kind, named = split_kind(kind)
    if kind == "raw" or kind in COMPOSITES:
        raise SongsimError(f"the {kind} embedding is made from others, not stored")
    params = _plain_params(kind, n_components, random_state)
    model_entry = None
    if kind in MODEL_KINDS:
        from ..models import DEFAULT_LATENT
        from .modeling import checkpoint_id, fitting_checkpoint, get_model

        latent = latent or named or DEFAULT_LATENT[kind]
        found = fitting_checkpoint(ds, kind, latent)
        if found is None:
            if not train_if_missing:
                from ..errors import CheckpointError

                raise CheckpointError(
                    f"no {kind} checkpoint with latent {latent} for dataset '{ds.name}' (train "
                    f"one first: python -m songsim train {ds.name} --model {kind} --latent {latent})"
                )
            get_model(ds, kind, latent=latent, train_if_missing=True, progress=progress)
            found = fitting_checkpoint(ds, kind, latent)
        params = {"latent": latent, "checkpoint": checkpoint_id(found[0])}
        model_entry = str(found[0])
    elif kind == "pca":
        params = {**params, "fitted_on": ds.audio_fingerprint}
    elif kind in TAGGERS:
        from .musicnn import needs_audio

        needs_audio(ds)
    entry = kind + "".join(
        f"-{k}{v}" for k, v in sorted(params.items()) if k not in ("checkpoint", "fitted_on")
    )
    described = {"kind": kind, "params": params, "code": code_version(*KIND_CODE[kind])}
    key = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:32]
    return Spec(kind, params, entry, key, model_entry)


def store_of(ds: Dataset, sp: Spec):
    """The :class:`~songsim.embeddings.vectors.VectorStore` of ``sp`` for ``ds``."""
    from .vectors import VectorStore

    return VectorStore(cache_dir() / "embeddings" / check_name(ds.name) / sp.entry, sp.key)


def vectors_key(ds: Dataset, sp: Spec) -> str:
    """What identifies the track vectors of ``sp`` for ``ds`` (its stored file's name)."""
    return _digest(f"{sp.key}:{ds.audio_fingerprint}")


def embedding_key(ds: Dataset, kind: str, random_state: int = 0) -> str:
    """What identifies the track vectors of embedding ``kind`` of ``ds`` (seeded by
    ``random_state``) without computing them (:attr:`Embedding.key`): a model kind's checkpoint
    is looked up by its manifest; raises CheckpointError when none fits."""
    k, _ = split_kind(kind)
    if k == "raw":
        return _digest(f"raw:{ds.audio_fingerprint}")
    if k in COMPOSITES:
        return _digest(f"{k}:" + ":".join(embedding_key(ds, part) for part in COMPOSITES[k]))
    return vectors_key(ds, spec(ds, kind, random_state=random_state))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]
