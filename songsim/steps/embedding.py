"""Steps from a dataset's clips to models and vectors: the checkpoint that fits, its model, the
reconstructions and training views the Model page shows, an embedding's track vectors and
their index for similar songs.

A checkpoint is an input like any other: :func:`checkpoint_pointers` looks at the stored
pointers on every key (a few small reads), so a model trained by another process changes the key
of the :func:`checkpoint`, :func:`model` and every result made with it.
"""

from __future__ import annotations

import numpy as np

from ..flow import step


@step(volatile=True)
def vectors_id(audio, kind: str, embedding_seed: int = 0) -> str:
    """What identifies embedding ``kind``'s track vectors of the dataset — its clips, the kind's
    parameters (``embedding_seed``: PCA's) and code, and the checkpoint that makes them
    (:func:`~songsim.embeddings.specs.embedding_key`; CheckpointError when none fits)."""
    from ..embeddings.specs import embedding_key

    return embedding_key(audio, kind, embedding_seed)


@step(message="Computing embeddings…")
def track_vectors(
    audio, vectors_id, kind: str, embedding_seed: int = 0, progress=None
) -> np.ndarray:
    """One embedding's track vectors ``(n_tracks, d)`` float32 (:func:`songsim.embeddings.embed`:
    stored per track on disk; tracks not stored yet are embedded first)."""
    from ..embeddings import embed

    return embed(
        audio, kind, random_state=embedding_seed, train_if_missing=False, progress=progress
    ).track


@step(message="Opening the vector index…", shared=True)
def vector_index(audio, vectors_id, kind: str, build_index: bool = True, embedding_seed: int = 0):
    """An embedding's :class:`~songsim.analysis.index.VectorIndex` for similar songs (exact for a
    small library; a stored HNSW graph, built or updated when ``build_index``, for a large one).
    Shared, read-only."""
    from ..embeddings import embed
    from ..embeddings.search import song_index

    emb = embed(audio, kind, random_state=embedding_seed, train_if_missing=False)
    return song_index(audio, emb, build=build_index)


@step(volatile=True)
def checkpoint_pointers(audio, model_kind: str, latent: int | None = None) -> tuple:
    """The current versions of the two places a checkpoint of ``model_kind`` at ``latent`` (the
    kind's default size when None) may be: the dataset's own, then the shipped one."""
    from ..models import DEFAULT_LATENT
    from ..models.checkpoints import checkpoint_entry, shipped_entry
    from ..storage import current_version

    size = latent or DEFAULT_LATENT[model_kind]
    entries = (checkpoint_entry(audio.name, model_kind, size), shipped_entry(model_kind, size))
    return tuple(str(current_version(e)) for e in entries)


@step
def checkpoint(
    audio, checkpoint_pointers, model_kind: str, latent: int | None = None
) -> tuple[str, dict] | None:
    """``(entry, manifest)`` of the checkpoint that fits the dataset, its weights checked against
    its manifest (:func:`~songsim.embeddings.modeling.fitting_checkpoint`), or None."""
    from ..embeddings.modeling import fitting_checkpoint

    found = fitting_checkpoint(audio, model_kind, latent)
    return None if found is None else (str(found[0]), found[1])


@step(message="Loading model…", shared=True)
def model(audio, checkpoint, model_kind: str, latent: int | None = None):
    """``(model in eval mode, manifest)`` of the :func:`checkpoint` (CheckpointError when none
    fits: train one first)."""
    from ..embeddings.modeling import get_model

    return get_model(audio, model_kind, latent=latent, train_if_missing=False)


@step
def reconstructions(audio, model, clip_ids: tuple = ()) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(original, reconstruction)`` spectrograms ``(n_mels, n_frames)`` of clips ``clip_ids``
    through the :func:`model`."""
    from ..models.train import reconstruct

    net, _ = model
    originals = audio.clips[list(clip_ids)]
    return list(zip(originals, reconstruct(net, originals)))


@step
def training_views(
    audio, clip_ids: tuple = (), crop_frames: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Two random training views (crop to ``crop_frames``, noise, masks; seed 0) of each clip in
    ``clip_ids``: spectrograms ``(n_mels, n_frames)`` in [0, 1]."""
    import torch

    from ..models.contrastive import augment

    x = torch.from_numpy(audio.clips[list(clip_ids)]).unsqueeze(1)
    gen = torch.Generator().manual_seed(0)
    a, b = (
        augment(x, gen, crop_frames=crop_frames).squeeze(1).clamp(0, 1).numpy() for _ in range(2)
    )
    return list(zip(a, b))
