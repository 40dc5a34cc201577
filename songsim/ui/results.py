"""The results the pages show of models, embeddings, k sweeps, clusters and tags: each one a step
of :mod:`songsim.steps` asked for by name and parameters through the dashboard's flow
(:func:`~songsim.ui.stepcache.app_flow`), which keys it — the pages pass the dataset and what was
chosen, never a key. A new checkpoint (trained here or by another process) changes the keys of
its model and of everything made with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ..data.datasets import Dataset
from ..embeddings import MODEL_KINDS, PREFERENCE
from ..errors import SongsimError
from ..flow import step
from ..params import SweepParams
from .graphs import community_series
from .session import progress_callback
from .stepcache import app_flow

#: The models the Model page trains, best first (one list: :data:`songsim.embeddings.MODEL_KINDS`).
MODEL_CHOICES = tuple(k for k in PREFERENCE if k in MODEL_KINDS)
KINDS_LABELS = {
    "raw": "Raw spectrogram",
    "pca": "PCA (64)",
    "mfcc": "MFCC statistics",
    "cae": "Convolutional autoencoder",
    "vae": "Variational autoencoder",
    "contrastive": "Contrastive encoder",
    "musicnn": "musicnn (pretrained tagger, MSD tags)",
    "musicnn-mtt": "musicnn (pretrained tagger, MTT tags)",
    "vgg-msd": "VGG tagger (MSD tags)",
    "vgg-mtt": "VGG tagger (MTT tags)",
    "fused": "Fused: contrastive ‖ musicnn",
    "ensemble": "Ensemble: contrastive ‖ the four taggers",
}


def checkpoint_available(ds: Dataset, kind: str, latent: int) -> bool:
    """Whether a checkpoint of ``kind`` at ``latent`` fits ``ds``."""
    return checkpoint_summary(ds, kind, latent) is not None


def checkpoint_summary(ds: Dataset, kind: str, latent: int) -> str | None:
    """When and on what the checkpoint of ``kind`` at ``latent`` that fits ``ds`` was trained
    ("trained 2026-12-02 05:41 UTC on pretrain + demo (1147 tracks), 10 epochs on cpu"), or
    None when none fits: the ``checkpoint`` step, checked again only when a pointer changes."""
    from ..models.checkpoints import describe

    found = app_flow(ds).get("checkpoint", model_kind=kind, latent=latent)
    return None if found is None else describe(found[1])


def kind_label(ds: Dataset, name: str) -> str:
    """What the embedding pickers show for an embedding name: the kind in words, and for a
    model its size and when and on what it was trained ("Convolutional autoencoder, 32-d,
    trained 2026-12-02 09:10 UTC on demo (320 tracks), 30 epochs on cpu")."""
    from ..embeddings.kinds import split_kind
    from ..models import DEFAULT_LATENT

    kind, latent = split_kind(name)
    if kind not in MODEL_KINDS:
        return KINDS_LABELS[kind]
    latent = latent or DEFAULT_LATENT[kind]
    summary = checkpoint_summary(ds, kind, latent)
    return f"{KINDS_LABELS[kind]}, {latent}-d" + (f", {summary}" if summary else "")


def short_kind_label(name: str) -> str:
    """An embedding name in words, with its size when it is not the model's own
    ("Convolutional autoencoder (32-d)"): table columns and chart titles."""
    from ..embeddings.kinds import split_kind

    kind, latent = split_kind(name)
    return KINDS_LABELS[kind] + (f" ({latent}-d)" if latent else "")


def model(ds: Dataset, kind: str, latent: int):
    """``(model, manifest)`` of the checkpoint that fits (no training): the ``model`` step."""
    return app_flow(ds).get("model", model_kind=kind, latent=latent)


def checkpoint_origin(ds: Dataset, manifest: dict) -> str:
    """Whose checkpoint the Model page shows, in words: the shipped pretrained encoder, the
    weights shipped for the demo, or the library's own (on the demo: trained from the command
    line, and used by every visitor in place of the shipped one)."""
    shipped = str(manifest.get("checkpoint_id", "")).startswith(("demo-", "pretrained-"))
    if manifest.get("pretrained"):
        return "the shipped pretrained encoder (self-supervised, no labels)"
    if shipped:
        return "the checkpoint shipped for the demo"
    if ds.name == "demo":
        return (
            "the demo's own checkpoint, trained from the command line (every visitor's demo "
            "uses it in place of the shipped one)"
        )
    return "this library's checkpoint"


def train_model(ds: Dataset, kind: str, latent: int, epochs: int, bar) -> dict:
    """Train ``kind`` at ``latent`` for ``epochs`` on ``ds`` (moving ``bar``) and save it as the
    dataset's checkpoint: its new pointer changes every key made with the old one."""
    from ..embeddings.modeling import train_and_save
    from ..models.train import TrainParams
    from .library import training_refused

    if (why := training_refused(ds)) is not None:
        raise SongsimError(why)
    params = TrainParams.for_model(kind, latent=latent, epochs=epochs)
    _, manifest = train_and_save(ds, params, progress=progress_callback(bar))
    return manifest


@step
def reconstruction_images(reconstructions) -> list[tuple[bytes, bytes]]:
    """PNG pairs of the ``reconstructions`` step's spectrograms."""
    from .charts import spectrogram_png

    return [(spectrogram_png(o), spectrogram_png(r)) for o, r in reconstructions]


def reconstructions(
    ds: Dataset, kind: str, latent: int, clip_ids: tuple
) -> list[tuple[bytes, bytes]]:
    """PNG pairs ``(original, reconstruction)`` of clips ``clip_ids`` through the checkpoint of
    ``kind`` at ``latent`` that fits ``ds``."""
    flow = app_flow(ds)
    return flow.get("reconstruction_images", model_kind=kind, latent=latent, clip_ids=clip_ids)


@step
def training_view_images(training_views) -> list[tuple[bytes, bytes]]:
    """PNG pairs of the ``training_views`` step's spectrograms."""
    from .charts import spectrogram_png

    return [(spectrogram_png(u), spectrogram_png(v)) for u, v in training_views]


def training_views(ds: Dataset, clip_ids: tuple, crop_frames: int) -> list[tuple[bytes, bytes]]:
    """PNG pairs: two random training views (crop, noise, masks) of each clip in ``clip_ids``."""
    flow = app_flow(ds)
    return flow.get("training_view_images", clip_ids=tuple(clip_ids), crop_frames=crop_frames)


def model_defaults(kind: str) -> tuple[int, int]:
    """``(latent size, epochs)`` a new training run of ``kind`` uses by default."""
    from ..models import DEFAULT_LATENT
    from ..models.train import TrainParams

    return DEFAULT_LATENT[kind], TrainParams.for_model(kind).epochs


def available_kinds(ds: Dataset) -> list[str]:
    """:func:`songsim.embeddings.available_kinds`, with the checkpoint lookups cached."""
    from ..embeddings import available_kinds as kinds_for

    return kinds_for(ds, checkpoint_available)


def default_kind(kinds: list[str]) -> str:
    """The embedding pages start on: the best available (see :func:`songsim.embeddings.best_kind`)."""
    from ..embeddings import best_kind

    return best_kind(kinds)


#: Embeddings (by their vectors' key) every track of which is stored: not checked again.
_STORED: set = set()


def ensure_embedded(ds: Dataset, kind: str) -> None:
    """Embed the tracks of ``ds`` that ``kind`` has not stored yet (a new or updated library),
    with a progress bar, so that the steps after it find every vector stored."""
    from ..embeddings.kinds import embed, tracks_to_embed

    key = app_flow(ds).key("vectors_id", kind=kind).digest
    if key not in _STORED:
        missing = tracks_to_embed(ds, kind)
        if missing:
            bar = st.progress(0.0, text=f"Embedding {missing:,} new tracks ({kind})…")
            embed(ds, kind, train_if_missing=False, progress=progress_callback(bar))
            bar.empty()
        _STORED.add(key)


def embedding(ds: Dataset, kind: str) -> np.ndarray:
    """Track vectors ``(n_tracks, d)`` of one embedding kind (the ``track_vectors`` step)."""
    ensure_embedded(ds, kind)
    return app_flow(ds).get("track_vectors", kind=kind)


def k_sweep(ds: Dataset, kind: str, params: SweepParams = SweepParams()) -> dict:
    """The k sweep of ``kind`` (the ``k_sweep`` step): ``{"table", "labels", "elbow_k",
    "best_k", "note"}``; ``note`` says how the ks were fitted to a small library (or None)."""
    s = fitted_sweep(ds, kind, params)
    return {
        "table": s.table(),
        "labels": s.labels_,
        "elbow_k": s.elbow_k_,
        "best_k": s.best_k_,
        "note": params.fit(ds.n_tracks).note,
    }


def fitted_sweep(ds: Dataset, kind: str, params: SweepParams = SweepParams()):
    """The fitted :class:`~songsim.analysis.clustering.KSweep` of ``kind`` (the Compare table
    scores it), swept once per embedding and parameters."""
    ensure_embedded(ds, kind)
    return app_flow(ds).get("k_sweep", kind=kind, sweep=params)


def clusters(ds: Dataset, kind: str, k: int) -> np.ndarray:
    """k-means labels ``(n_tracks,)`` at ``k`` (the ``cluster_labels`` step: the sweep's)."""
    ensure_embedded(ds, kind)
    return app_flow(ds).get("cluster_labels", kind=kind, k=k)


def tags_available(ds: Dataset) -> bool:
    """Whether musicnn can hear ``ds`` (the demo or an audio dataset), so groups get words."""
    from ..embeddings import AUDIO_KINDS

    return all(k in available_kinds(ds) for k in AUDIO_KINDS)


def _hear_words(ds: Dataset) -> None:
    """Both vocabularies' taggers hear the tracks they have not heard, in one pass over the
    audio, with a progress bar."""
    from ..embeddings.kinds import VOCABULARIES, track_tags, tracks_to_embed

    missing = max(tracks_to_embed(ds, kind) for kind in VOCABULARIES.values())
    if missing:
        bar = st.progress(0.0, text=f"Listening to {missing:,} tracks (musicnn, both tag sets)…")
        track_tags(ds, "MSD", progress=progress_callback(bar))
        bar.empty()


#: Column of each vocabulary's words in a tags table.
WORDS = {"MSD": "genre and era (MSD tags)", "MTT": "instruments, voice and mood (MTT tags)"}


def _words(ds: Dataset, groups, what: str) -> pd.DataFrame:
    """Per group: its size and, from each vocabulary, the tags that set it apart."""
    from ..analysis.tags import describe

    _hear_words(ds)
    out = None
    for vocabulary, column in WORDS.items():
        table = app_flow(ds).get("group_tags", vocabulary=vocabulary, groups=groups)
        if out is None:
            out = pd.DataFrame({what: table["group"], "songs": table["size"]})
        out[column] = describe(table).to_numpy()
    return out


def cluster_tags(ds: Dataset, kind: str, k: int) -> pd.DataFrame:
    """Per cluster: its size and the tags of each vocabulary that rise most above the corpus
    mean."""
    return _words(ds, clusters(ds, kind, k), "cluster")


def community_tags(ds: Dataset, graph) -> pd.DataFrame:
    """Per community of the graph with parameters ``graph``: its size and the tags of each
    vocabulary that set it apart."""
    comm = community_series(ds, graph).reindex(np.arange(ds.n_tracks))
    groups = np.array([None if pd.isna(c) else int(c) for c in comm], dtype=object)
    return _words(ds, groups, "community")


def cluster_sizes(ds: Dataset, kind: str, k: int) -> list[int]:
    return np.bincount(clusters(ds, kind, k), minlength=k).tolist()


def tags_computed(ds: Dataset, vocabulary: str = "MSD") -> bool:
    """Whether the tagger of ``vocabulary`` has already heard ``ds`` (its embedding is stored):
    then its tags are shown wherever they cost nothing more (map tooltips, the Compare table).
    Once found stored, that is remembered for this version of the dataset (a tagger's weights
    ship with songsim), so a page's rerun does not read the store again."""
    from ..embeddings.kinds import VOCABULARIES, embedding_stored

    kind = VOCABULARIES[vocabulary]
    heard = (ds.name, ds.fingerprint, kind)  # stores are kept per dataset name
    if heard not in _STORED and embedding_stored(ds, kind):
        _STORED.add(heard)
    return heard in _STORED
