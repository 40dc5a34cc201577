"""Song embeddings behind one interface: raw, PCA, MFCC statistics, CAE, VAE and contrastive
latents, the four pretrained taggers of the musicnn wheel, and joins of them.

Every kind gives track vectors ``(n_tracks, d)``: the mean of each track's clip vectors. All but
``raw``, ``fused`` and ``ensemble`` are stored per track (:mod:`songsim.embeddings.vectors`), keyed by the
track's clips and by what makes the vectors (the kind's code and parameters, the model's
checkpoint id), so an updated library embeds only its new tracks.

===========  ====================================================  ===========
kind         clip vector                                           d
===========  ====================================================  ===========
raw          the flattened scaled log-mel spectrogram              20 736
pca          its first r principal components (default 64), on a   r
             basis fitted to the dataset (4,096 clips at most)
mfcc         mean and std over frames of 20 MFCCs, z-scored        40
cae          the convolutional autoencoder's latent vector         latent
vae          the VAE's posterior mean                              latent
contrastive  the contrastive encoder's time-pooled embedding,      latent
             L2-normalised per clip
musicnn      the pretrained musicnn tagger's (MSD tags)            753
             ``mean_pool`` of the clip window's first 3 s, heard
             at 16 kHz (audio only), standardised over the dataset
             and L2-normalised; its 50 tag probabilities come with
             it (``tags``)
musicnn-mtt  the same network trained on MagnaTagATune's tags      753
vgg-msd      the wheel's VGG tagger (MSD tags): ``pool5``          256
vgg-mtt      its VGG tagger (MTT tags): ``pool5``                  256
fused        contrastive ‖ musicnn, each unit length, over √2      latent+753
             (a track: its two unit track vectors, joined)
ensemble     contrastive ‖ the four taggers, each unit length,     latent+2018
             over √5; the four taggers hear the audio in one pass
===========  ====================================================  ===========

A model kind at a size other than its default is named ``kind@latent`` (``cae@32``): every
checkpoint that fits a dataset is an embedding of its own (:func:`available_kinds`).

On real music no model here heard (docs/RESULTS.md), ``fused`` has the best precision@10 and
``musicnn`` the best AMI, but both decode the audio again (about a second a track); the default
is the fast ``contrastive`` encoder, the best of the rest. :data:`PREFERENCE` puts the kinds in
that order and :func:`best_kind` picks the default from it.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..analysis.similar import normalize_rows
from ..config import cache_dir
from ..data.datasets import Dataset
from ..errors import SongsimError
from ..limits import limits
from ..progress import Callback, track
from ..storage import check_name
from .names import (
    AUDIO_KINDS,
    COMPOSITES,
    KINDS,
    MODEL_KINDS,
    PREFERENCE,
    TAGGERS,
    best_kind,
    kind_name,
    split_kind,
)
from .specs import (
    MUSICNN_PARAMS,
    TRANSFORM,
    _digest,
    _plain_params,
    embedding_key,
    spec,
    store_of,
    vectors_key,
)

log = logging.getLogger("songsim")

__all__ = [
    "AUDIO_KINDS",
    "KINDS",
    "MODEL_KINDS",
    "MUSICNN_PARAMS",
    "PREFERENCE",
    "Embedding",
    "available_kinds",
    "best_kind",
    "embed",
    "embedding_key",
    "kind_name",
    "split_kind",
]


class Embedding:
    """Vectors of one embedding kind for one dataset.

    Attributes
    ----------
    kind : str
    track : np.ndarray [shape=(n_tracks, d)] float32
    params : dict   what produced them (components, latent, checkpoint…)
    key : str       what identifies these vectors (the steps after them key on it)
    clip : np.ndarray [shape=(n_clips, d)] float32, read from the store when first asked for
    tags : np.ndarray [shape=(n_clips, 50)] musicnn's tag probabilities per clip, or None
    model_key : str | None  what makes the vectors whatever the dataset (a stored kind's spec
        key); vectors of one model key do not change when the library does (``transform`` none)
    transform : str         how clip vectors became track vectors (:data:`TRANSFORM`)
    """

    def __init__(
        self,
        kind: str,
        track: np.ndarray,
        params: dict,
        key: str,
        *,
        clip=None,
        tags=None,
        model_key: str | None = None,
        transform: str = "none",
    ):
        self.kind, self.track, self.params, self.key = kind, track, params, key
        self._clip, self._tags = clip, tags
        self.model_key, self.transform = model_key, transform

    @property
    def clip(self) -> np.ndarray:
        self._clip = self._clip() if callable(self._clip) else self._clip
        return self._clip

    @property
    def tags(self) -> np.ndarray | None:
        self._tags = self._tags() if callable(self._tags) else self._tags
        return self._tags

    def track_tags(self) -> np.ndarray | None:
        """Tag probabilities per track ``(n_tracks, 50)`` (mean over its clips), or None."""
        return getattr(self, "_track_tags", None)


def embed(
    ds: Dataset,
    kind: str,
    *,
    latent: int | None = None,
    n_components: int = 64,
    random_state: int = 0,
    train_if_missing: bool = False,
    client=None,
    progress: Callback | None = None,
) -> Embedding:
    """Track vectors of ``ds`` for one embedding ``kind``; the clip vectors of tracks not stored
    yet are computed first, a batch of tracks at a time (tasks on the Dask cluster of
    ``client`` when given), and stored.

    For ``cae``/``vae``/``contrastive`` the model comes from
    :func:`songsim.embeddings.modeling.find_checkpoint` (a matching checkpoint or the shipped
    weights; a training run only when ``train_if_missing``, never by default); ``latent``
    defaults to the size in
    the name (``cae@32``), else to the model's own size.
    """
    name = kind
    kind, _ = split_kind(kind)
    if kind in COMPOSITES:  # made of stored embeddings: nothing of its own to store
        parts = COMPOSITES[kind]
        _hear_together(ds, [p for p in parts if p in TAGGERS], client, progress)
        return _joined(
            kind,
            [
                embed(ds, part, train_if_missing=train_if_missing, client=client, progress=progress)
                for part in parts
            ],
        )
    if kind == "raw":
        return _raw(ds, progress)
    sp = spec(
        ds,
        name,
        latent=latent,
        n_components=n_components,
        random_state=random_state,
        train_if_missing=train_if_missing,
        progress=progress,
    )
    store = store_of(ds, sp)
    hashes = ds.tracks["clips_hash"].tolist()
    transform = TRANSFORM.get(kind, "none")
    key = vectors_key(ds, sp)
    vectors = _stored_tracks(ds, sp, store, hashes, key, transform, client, progress)
    counts = ds.tracks["n_clips"].tolist()
    emb = Embedding(
        kind,
        vectors,
        sp.params,
        key,
        clip=lambda: store.clip_matrix(hashes, counts, transform),
        tags=(lambda: store.clip_matrix(hashes, counts, what="g")) if kind in TAGGERS else None,
        model_key=sp.key,
        transform=transform,
    )
    if kind in TAGGERS:
        emb._track_tags = store.cached_tracks(
            f"{key}-tags", lambda: store.track_means(hashes, what="g")
        )
    return emb


def _stored_tracks(ds, sp, store, hashes, key, transform, client, progress) -> np.ndarray:
    """The track vectors of ``sp``: the clip vectors ``store`` lacks computed first; a damaged
    shard found while reading is dropped (with a warning) and its tracks computed again."""
    from .compute import compute_missing
    from .vectors import DamagedVectors

    for attempt in range(3):
        compute_missing(ds, sp, store, hashes, client, progress)
        try:
            return store.cached_tracks(key, lambda: store.track_means(hashes, transform))
        except DamagedVectors as exc:
            if attempt == 2:
                raise
            log.warning("recomputing %s: %s", sp.kind, exc)
            store.drop(exc.shard)
    raise AssertionError("unreachable")


def _raw(ds: Dataset, progress) -> Embedding:
    """The raw spectrogram's track vectors (mean clip, flattened), read a batch at a time;
    refused above :attr:`~songsim.limits.Limits.raw_tracks` tracks (20,736 values a track)."""
    top = limits().raw_tracks
    if ds.n_tracks > top:
        raise SongsimError(
            f"the raw spectrogram embedding holds 20,736 numbers a track: {ds.n_tracks} tracks "
            f"are over its {top}-track limit (use pca, mfcc or a model)"
        )
    d = int(np.prod(ds.params.shape))
    out = np.zeros((ds.n_tracks, d), dtype=np.float32)
    n_batches = -(-ds.n_clips // 96)
    for rows, X in track(ds.clips.batches(), n_batches, "reading clips", progress):
        np.add.at(out, ds.clip_track[rows], X.reshape(len(X), -1))
    out /= np.maximum(ds.tracks["n_clips"].to_numpy(), 1)[:, None]
    return Embedding(
        "raw", out, {}, embedding_key(ds, "raw"), clip=lambda: ds.clips[:].reshape(ds.n_clips, -1)
    )


def fuse(*parts: np.ndarray) -> np.ndarray:
    """``a ‖ b ‖ …`` row by row ``(n, Σ d)`` float32, each part unit length, the whole unit
    length (over √parts): how ``fused`` and ``ensemble`` join their parts, equally weighted."""
    joined = [normalize_rows(p, np.float32) for p in parts]
    return np.hstack(joined) * np.float32(np.sqrt(1 / len(parts)))


def _hear_together(ds: Dataset, taggers: list[str], client, progress) -> None:
    """The tagger parts of a composite kind computed in one pass over the audio."""
    from .compute import compute_taggers_together

    if len(taggers) < 2:
        return
    specs = [spec(ds, k) for k in taggers]
    hashes = ds.tracks["clips_hash"].tolist()
    compute_taggers_together(
        ds, specs, [store_of(ds, sp) for sp in specs], hashes, client, progress
    )


def _joined(kind: str, parts: list[Embedding]) -> Embedding:
    """A composite kind's embedding: its parts joined (:func:`fuse`), clips and tracks; the tags
    are the MSD musicnn part's."""
    params = {p.kind: p.params for p in parts}
    key = _digest(f"{kind}:" + ":".join(p.key for p in parts))
    tagger = next(p for p in parts if p.kind == "musicnn")
    emb = Embedding(
        kind,
        fuse(*(p.track for p in parts)),
        params,
        key,
        clip=lambda: fuse(*(p.clip for p in parts)),
        tags=lambda: tagger.tags,
    )
    emb._track_tags = tagger.track_tags()
    return emb


def tracks_to_embed(ds: Dataset, kind: str) -> int:
    """How many of the tracks of ``ds`` a stored ``kind`` has no vectors of yet (0 for the kinds
    made from others, and when no model fits: nothing would be computed)."""
    k, _ = split_kind(kind)
    if k == "raw" or k in COMPOSITES:
        return sum(tracks_to_embed(ds, part) for part in COMPOSITES.get(k, ()))
    try:
        sp = spec(ds, kind)
    except SongsimError:
        return 0
    return len(store_of(ds, sp).missing(ds.tracks["clips_hash"].tolist()))


def embedding_stored(ds: Dataset, kind: str) -> bool:
    """Whether every track of ``ds`` has stored vectors of a kind without a model (``pca``,
    ``mfcc``, ``musicnn``) at its default parameters (a cheap check: the store's tables)."""
    if _plain_params(kind) is None:
        return False
    try:
        sp = spec(ds, kind)
    except SongsimError:
        return False
    root = cache_dir() / "embeddings" / check_name(ds.name) / sp.entry
    if not root.is_dir():
        return False
    return not store_of(ds, sp).missing(ds.tracks["clips_hash"].tolist())


def available_kinds(ds: Dataset, has_checkpoint=None) -> list[str]:
    """Embedding kinds that can be had for ``ds`` without training a model (``musicnn`` only
    for datasets with audio; ``raw`` only up to :attr:`~songsim.limits.Limits.raw_tracks`), in
    :data:`KINDS` order; a model kind once per size that has a checkpoint fitting ``ds``
    (``cae``, then ``cae@16``, ``cae@32``…).

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
        elif k == "raw":
            names += ["raw"] if ds.n_tracks <= limits().raw_tracks else []
        elif k not in AUDIO_KINDS or has_audio(ds):
            names.append(k)
    return names


#: Tag vocabularies → the tagger kind whose tags are the words: MSD's 50 are genres and eras,
#: MagnaTagATune's 50 instruments, voices and moods.
VOCABULARIES = {"MSD": "musicnn", "MTT": "musicnn-mtt"}


def track_tags(
    ds: Dataset, vocabulary: str = "MSD", *, progress: Callback | None = None
) -> pd.DataFrame:
    """Tag probabilities ``(n_tracks, 50)`` of one vocabulary (:data:`VOCABULARIES`), one column
    per tag (the tagger embedding's, stored). Both vocabularies' taggers hear the audio in one
    pass, whichever is asked for first."""
    from ..models.musicnn import tag_names

    kind = VOCABULARIES[vocabulary]
    _hear_together(ds, list(VOCABULARIES.values()), None, progress)
    emb = embed(ds, kind, progress=progress)
    return pd.DataFrame(emb.track_tags(), columns=list(tag_names(TAGGERS[kind][0])))


def teacher_vectors(datasets: list[Dataset], *, progress: Callback | None = None) -> np.ndarray:
    """musicnn's clip vectors of each dataset, pooled in order ``(Σ n_clips, 753)``: what a
    distilled contrastive encoder learns to predict (stored like any musicnn embedding)."""
    return np.concatenate([embed(d, "musicnn", progress=progress).clip for d in datasets])
