"""Song embeddings: baselines (:mod:`.baselines`: raw, PCA, MFCC statistics), model latents, and
one cached entry point for every kind (:mod:`.kinds`: :func:`embed`). :mod:`.modeling` finds,
loads or trains the model a dataset's learned embeddings come from (it imports torch, so it is
not imported here)."""

from .baselines import N_MFCC, mfcc_vectors, pca_vectors, raw_vectors, track_means
from .kinds import (
    AUDIO_KINDS,
    KINDS,
    MODEL_KINDS,
    PREFERENCE,
    Embedding,
    available_kinds,
    best_kind,
    embed,
    teacher_vectors,
)

__all__ = [
    "AUDIO_KINDS",
    "KINDS",
    "MODEL_KINDS",
    "N_MFCC",
    "PREFERENCE",
    "Embedding",
    "available_kinds",
    "best_kind",
    "embed",
    "mfcc_vectors",
    "pca_vectors",
    "raw_vectors",
    "teacher_vectors",
    "track_means",
]
