"""Song embeddings behind one interface: raw, PCA, MFCC statistics, CAE, VAE and contrastive
latents, the pretrained musicnn tagger, and the contrastive encoder fused with it.

Every kind gives clip vectors ``(n_clips, d)`` and track vectors ``(n_tracks, d)`` (the mean of
each track's clip vectors). All but ``raw`` are stored under
``<cache>/embeddings/<dataset>/<kind>-<params>/`` and reused while the dataset fingerprint and the
parameters match.

=====  ======================================================  ========
kind   clip vector                                             d
=====  ======================================================  ========
raw    the flattened scaled log-mel spectrogram                20 736
pca    its first r principal components (default 64)           r
mfcc   mean and std over frames of 20 MFCCs, z-scored          40
cae    the convolutional autoencoder's latent vector           latent
vae    the VAE's posterior mean                                latent
contr. the contrastive encoder's time-pooled embedding,         latent
       L2-normalised per clip
musi.  the pretrained musicnn tagger's ``mean_pool`` of the     753
       clip window's first 3 s, heard at 16 kHz (audio only),
       standardised over the dataset and L2-normalised;
       its 50 tag probabilities come with it (``tags``)
fused  contrastive ‖ musicnn, each unit length, over √2        latent+753
       (a track: its two unit track vectors, joined)
=====  ======================================================  ========

A model kind at a size other than its default is named ``kind@latent`` (``cae@32``): every
checkpoint that fits a dataset is an embedding of its own (:func:`available_kinds`).

On real music no model here heard (docs/RESULTS.md), ``fused`` has the best precision@10 and
``musicnn`` the best AMI, but both decode the audio again (about a second a track); the default
is the fast ``contrastive`` encoder, the best of the rest. :data:`PREFERENCE` puts the kinds in
that order and :func:`best_kind` picks the default from it.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..analysis.similar import normalize_rows
from ..cache import Codec, DiskCache, StepKey, code_version
from ..config import cache_dir
from ..data.datasets import Dataset
from ..errors import SongsimError
from ..progress import Callback
from ..storage import check_name
from .baselines import N_MFCC, mfcc_vectors, pca_vectors, raw_vectors, track_means

MUSICNN_PARAMS = {"weights": "msd", "layer": "mean_pool", "scaling": "standardised"}

KINDS = ("raw", "pca", "mfcc", "cae", "vae", "contrastive", "musicnn", "fused")
MODEL_KINDS = ("cae", "vae", "contrastive")
#: Kinds that listen to the source audio again (slow: scored only when asked for by name).
AUDIO_KINDS = ("musicnn", "fused")
#: The default first (the fast contrastive encoder), then the kinds from best to worst by
#: precision@10 and AMI on the real-music benchmark (docs/RESULTS.md).
PREFERENCE = ("contrastive", "fused", "musicnn", "mfcc", "vae", "cae", "pca", "raw")


def split_kind(name: str) -> tuple[str, int | None]:
    """``"cae@32"`` → ``("cae", 32)``; a plain kind → ``(kind, None)`` (the model's own size).

    Raises SongsimError for an unknown kind, or a size on a kind without a model."""
    kind, at, size = name.partition("@")
    if kind not in KINDS:
        raise SongsimError(f"unknown embedding '{name}' (choose from {', '.join(KINDS)})")
    if not at:
        return kind, None
    if kind not in MODEL_KINDS or not size.isdigit() or int(size) < 1:
        raise SongsimError(
            f"embedding '{name}': only {', '.join(MODEL_KINDS)} take a latent size (e.g. cae@32)"
        )
    return kind, int(size)


def kind_name(kind: str, latent: int | None = None) -> str:
    """The name of ``kind`` at ``latent``: the plain kind at its default size, else ``kind@latent``."""
    from ..models import DEFAULT_LATENT

    if latent is None or kind not in MODEL_KINDS or latent == DEFAULT_LATENT[kind]:
        return kind
    return f"{kind}@{latent}"


@dataclasses.dataclass
class Embedding:
    """Vectors of one embedding kind for one dataset.

    Attributes
    ----------
    kind : str
    clip : np.ndarray [shape=(n_clips, d)] float32
    track : np.ndarray [shape=(n_tracks, d)] float32
    params : dict   what produced them (components, latent, checkpoint…)
    """

    kind: str
    clip: np.ndarray
    track: np.ndarray
    params: dict
    tags: np.ndarray | None = None  # musicnn: [shape=(n_clips, 50)] tag probabilities per clip

    def track_tags(self, clip_track: np.ndarray, n_tracks: int) -> np.ndarray | None:
        """Tag probabilities per track ``(n_tracks, 50)`` (mean over its clips), or None."""
        return None if self.tags is None else track_means(self.tags, clip_track, n_tracks)


def _plain_params(kind: str, n_components: int = 64, random_state: int = 0) -> dict | None:
    """What an embedding of a kind without a model depends on (None for the model kinds)."""
    return {
        "pca": {"n_components": n_components, "random_state": random_state},
        "mfcc": {"n_mfcc": N_MFCC},
        "musicnn": MUSICNN_PARAMS,
    }.get(kind)


def _store(ds: Dataset) -> DiskCache:
    """Where ``ds``'s embeddings are kept: ``<cache>/embeddings/<dataset>/``."""
    return DiskCache(cache_dir() / "embeddings" / check_name(ds.name))


def _step_key(ds: Dataset, kind: str, params: dict) -> StepKey:
    """The embedding step's key: one stored entry per kind and parameters but the checkpoint (a
    new checkpoint's vectors replace the old ones), matched on all of them, the dataset's clips
    and the code that computes them."""
    name = kind + "".join(f"-{k}{v}" for k, v in sorted(params.items()) if k != "checkpoint")
    return StepKey(
        "embedding", ds.audio_fingerprint, {"kind": kind, **params}, KIND_CODE[kind], name
    )


#: The code each stored kind's vectors depend on (part of its cache key; a model's weights are
#: pinned by its checkpoint id).
KIND_CODE = {
    "pca": code_version("embeddings/baselines.py"),
    "mfcc": code_version("embeddings/baselines.py"),
    "musicnn": code_version("embeddings/musicnn.py", "models/musicnn.py", "io/audio.py"),
    **dict.fromkeys(MODEL_KINDS, code_version("models")),
}

#: An :class:`Embedding` on disk: its clip, track (and tag) vectors, its kind and parameters.
EMBEDDING_CODEC = Codec(
    encode=lambda e: (
        {"clip": e.clip, "track": e.track, **({"tags": e.tags} if e.tags is not None else {})},
        {"kind": e.kind, "params": e.params},
    ),
    decode=lambda a, meta: Embedding(
        meta["kind"], a["clip"], a["track"], meta["params"], a.get("tags")
    ),
)


def embed(
    ds: Dataset,
    kind: str,
    *,
    latent: int | None = None,
    n_components: int = 64,
    random_state: int = 0,
    train_if_missing: bool = True,
    progress: Callback | None = None,
) -> Embedding:
    """Clip and track vectors of ``ds`` for one embedding ``kind`` (computed once, then cached).

    For ``cae``/``vae``/``contrastive`` the model comes from :func:`songsim.embeddings.modeling.get_model`
    (a matching checkpoint, the shipped weights, or a training run when ``train_if_missing``);
    ``latent`` defaults to the size in the name (``cae@32``), else to the model's own size.
    """
    kind, named_latent = split_kind(kind)
    latent = latent or named_latent
    if kind == "fused":  # made of two cached embeddings: nothing of its own to store
        return _fused(
            embed(ds, "contrastive", train_if_missing=train_if_missing, progress=progress),
            embed(ds, "musicnn", progress=progress),
        )
    if kind == "raw":
        clip = raw_vectors(ds.clips)
        return Embedding(kind, clip, track_means(clip, ds.clip_track, ds.n_tracks), {})
    params = _plain_params(kind, n_components, random_state)
    model = None
    if kind in MODEL_KINDS:
        from ..models import DEFAULT_LATENT
        from .modeling import checkpoint_id, find_checkpoint, get_model

        latent = latent or DEFAULT_LATENT[kind]
        entry = find_checkpoint(ds, kind, latent)  # by manifest: no weights loaded yet
        params = {"latent": latent, "checkpoint": entry and checkpoint_id(entry)}

    def load_model() -> dict:  # the weights, loaded (or trained) only when vectors are computed
        nonlocal model
        model, manifest = get_model(
            ds, kind, latent=latent, train_if_missing=train_if_missing, progress=progress
        )
        return {"latent": latent, "checkpoint": manifest["checkpoint_id"]}

    if kind in MODEL_KINDS and params["checkpoint"] is None:
        params = load_model()  # no checkpoint fits: train one, and key on it

    def compute() -> Embedding:
        if kind in MODEL_KINDS and model is None:
            load_model()  # the checkpoint found above (get_model looks it up the same way)
        clip, tags = CLIP_VECTORS[kind](ds, model, params, progress)
        return Embedding(kind, clip, track_means(clip, ds.clip_track, ds.n_tracks), params, tags)

    return _store(ds).get(_step_key(ds, kind, params), compute, codec=EMBEDDING_CODEC)


def _pca_clips(ds: Dataset, model, params: dict, progress) -> tuple[np.ndarray, None]:
    return pca_vectors(
        ds.clips, n_components=params["n_components"], random_state=params["random_state"]
    ), None


def _mfcc_clips(ds: Dataset, model, params: dict, progress) -> tuple[np.ndarray, None]:
    return mfcc_vectors(ds.clips, top_db=ds.params.top_db), None


def _musicnn_clips(ds: Dataset, model, params: dict, progress) -> tuple[np.ndarray, np.ndarray]:
    from .musicnn import musicnn_vectors

    return musicnn_vectors(ds, progress=progress)


def _latent_clips(ds: Dataset, model, params: dict, progress) -> tuple[np.ndarray, None]:
    from ..models.train import embed_clips

    clip = embed_clips(model, ds.clips)
    if model.kind == "contrastive":  # its loss compares directions only
        clip = normalize_rows(clip, dtype=np.float32)
    return clip, None


#: How each stored kind computes its clip vectors ``(n_clips, d)`` (and musicnn its tags):
#: ``(dataset, model or None, params, progress) -> (clip, tags or None)``. ``raw`` and ``fused``
#: are made from others and not stored.
CLIP_VECTORS = {
    "pca": _pca_clips,
    "mfcc": _mfcc_clips,
    "musicnn": _musicnn_clips,
    **dict.fromkeys(MODEL_KINDS, _latent_clips),
}


def fuse(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a ‖ b`` row by row ``(n, d_a + d_b)`` float32, each part unit length, the whole unit
    length: how ``fused`` joins the contrastive and musicnn vectors."""
    parts = [normalize_rows(a, np.float32), normalize_rows(b, np.float32)]
    return np.hstack(parts) * np.float32(np.sqrt(0.5))


def _fused(contrastive: Embedding, musicnn: Embedding) -> Embedding:
    """contrastive ‖ musicnn (:func:`fuse`), clips and tracks."""
    params = {"contrastive": contrastive.params, "musicnn": musicnn.params}
    return Embedding(
        "fused",
        fuse(contrastive.clip, musicnn.clip),
        fuse(contrastive.track, musicnn.track),
        params,
        musicnn.tags,
    )


def embedding_stored(ds: Dataset, kind: str) -> bool:
    """Whether the embedding of a kind without a model (``pca``, ``mfcc``, ``musicnn``) is stored
    for ``ds`` at its default parameters (a cheap check: the manifest only, no checksums)."""
    params = _plain_params(kind)
    return params is not None and _store(ds).has(_step_key(ds, kind, params))


def available_kinds(ds: Dataset, has_checkpoint=None) -> list[str]:
    """Embedding kinds that can be had for ``ds`` without training a model (``musicnn`` only
    for datasets with audio), in :data:`KINDS` order; a model kind once per size that has a
    checkpoint fitting ``ds`` (``cae``, then ``cae@16``, ``cae@32``…).

    ``has_checkpoint(ds, kind, latent)`` tells whether a model of ``kind`` at ``latent`` fits
    ``ds``; default: :func:`songsim.embeddings.modeling.find_checkpoint` (the dashboard passes a
    cached one)."""
    from .modeling import checkpoint_sizes

    if has_checkpoint is None:
        from .modeling import find_checkpoint

        def has_checkpoint(ds, kind, latent):
            return find_checkpoint(ds, kind, latent) is not None

    def has_audio(ds):
        from .musicnn import needs_audio

        try:
            needs_audio(ds)
        except SongsimError:
            return False
        return True

    names = []
    for k in KINDS:
        if k in MODEL_KINDS:
            names += [
                kind_name(k, size)
                for size in checkpoint_sizes(ds, k)
                if has_checkpoint(ds, k, size)
            ]
        elif k not in AUDIO_KINDS or has_audio(ds):
            names.append(k)
    return names


def best_kind(kinds) -> str:
    """The best of ``kinds`` by :data:`PREFERENCE` (the default embedding everywhere)."""
    kinds = list(kinds)
    for kind in PREFERENCE:
        for name in kinds:  # the model's own size first, as available_kinds lists them
            if split_kind(name)[0] == kind:
                return name
    raise SongsimError("no embedding kind to choose from")


def track_tags(ds: Dataset, *, progress: Callback | None = None) -> pd.DataFrame:
    """Tag probabilities ``(n_tracks, 50)``, one column per tag (the musicnn embedding's, cached)."""
    from ..models.musicnn import tag_names

    emb = embed(ds, "musicnn", progress=progress)
    return pd.DataFrame(emb.track_tags(ds.clip_track, ds.n_tracks), columns=list(tag_names()))


def teacher_vectors(datasets: list[Dataset], *, progress: Callback | None = None) -> np.ndarray:
    """musicnn's clip vectors of each dataset, pooled in order ``(Σ n_clips, 753)``: what a
    distilled contrastive encoder learns to predict (stored like any musicnn embedding)."""
    return np.concatenate([embed(d, "musicnn", progress=progress).clip for d in datasets])
