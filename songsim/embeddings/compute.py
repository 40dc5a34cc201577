"""Computing the clip vectors a store lacks: one task per batch of tracks, here or on a cluster.

A task gets what it needs and nothing else — the batch's clips as a small
:class:`~songsim.data.clips.ClipStore` (a worker reads them from the dataset's shards), or for
musicnn the audio files and clip starts, and a checkpoint's folder or a PCA basis — so the same
function runs in this process and as a Dask task (``songsim embed --scheduler``), with the same
vectors.
"""

from __future__ import annotations

import numpy as np

from ..analysis.similar import normalize_rows
from ..data.datasets import Dataset
from ..progress import track
from .names import MODEL_KINDS, TAGGERS
from .specs import Spec

TASK_TRACKS = dict.fromkeys(TAGGERS, 8)
DEFAULT_TASK_TRACKS = 64


def compute_missing(ds: Dataset, sp: Spec, store, hashes: list[str], client, progress) -> None:
    """Compute and store the clip vectors of the tracks of ``ds`` that ``store`` lacks."""
    from ..tasks import ordered_map

    rows = store.missing(hashes)
    if not rows:
        return
    size = TASK_TRACKS.get(sp.kind, DEFAULT_TASK_TRACKS)
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)]
    model_ref = _model_ref(ds, sp)
    args = ((sp.kind, model_ref, *_task_input(ds, sp.kind, chunk)) for chunk in chunks)
    results = ordered_map(clip_vectors_task, args, client=client, n_jobs=1)
    with store.writer() as writer:
        for chunk, (vectors, tags) in zip(
            chunks, track(results, len(chunks), f"embedding ({sp.kind})", progress)
        ):
            t = ds.tracks.iloc[chunk]
            writer.add(t["clips_hash"].tolist(), t["n_clips"].tolist(), vectors, tags)
    store.prune(hashes)


def compute_taggers_together(
    ds: Dataset, specs: list[Spec], stores: list, hashes: list[str], client, progress
) -> None:
    """Compute the clip vectors of several tagger kinds in one pass over the audio: each track
    that any of ``stores`` lacks is decoded once and heard by every tagger of ``specs``; each
    store gets the tracks it lacked."""
    from contextlib import ExitStack

    from ..tasks import ordered_map
    from .musicnn import audio_refs

    lacking = [set(store.missing(hashes)) for store in stores]
    rows = sorted(set().union(*lacking))
    if not rows:
        return
    kinds = tuple(sp.kind for sp in specs)
    chunks = [
        rows[i : i + TASK_TRACKS[kinds[0]]] for i in range(0, len(rows), TASK_TRACKS[kinds[0]])
    ]
    args = ((kinds, audio_refs(ds, chunk)) for chunk in chunks)
    results = ordered_map(taggers_task, args, client=client, n_jobs=1)
    label = f"embedding ({', '.join(kinds)}: one pass over the audio)"
    with ExitStack() as stack:
        writers = [stack.enter_context(store.writer()) for store in stores]
        for chunk, out in zip(chunks, track(results, len(chunks), label, progress)):
            counts = ds.tracks["n_clips"].to_numpy()[chunk]
            starts = np.concatenate([[0], np.cumsum(counts)])
            for kind, writer, wanted in zip(kinds, writers, lacking):
                vectors, tags = out[kind]
                picked = [i for i, row in enumerate(chunk) if row in wanted]
                if not picked:
                    continue
                clips = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in picked])
                t = ds.tracks.iloc[[chunk[i] for i in picked]]
                writer.add(
                    t["clips_hash"].tolist(), t["n_clips"].tolist(), vectors[clips], tags[clips]
                )
    for store in stores:
        store.prune(hashes)


def taggers_task(kinds: tuple, audio: list[tuple]) -> dict:
    """One task of :func:`compute_taggers_together`: per kind, ``(vectors, tags)`` of a batch."""
    from .musicnn import tagger_clips

    return tagger_clips(audio, kinds)


def _model_ref(ds: Dataset, sp: Spec):
    """What a task needs besides the clips: a checkpoint folder, a PCA basis, the clip params."""
    if sp.kind in MODEL_KINDS:
        return (sp.model_entry, sp.params["checkpoint"])
    if sp.kind == "pca":
        from .baselines import pca_basis

        return pca_basis(
            ds.clips, n_components=sp.params["n_components"], random_state=sp.params["random_state"]
        )
    if sp.kind == "mfcc":
        return ds.params.top_db
    return None


def _task_input(ds: Dataset, kind: str, rows: list[int]) -> tuple:
    """``(clips of the tracks rows, audio refs)``: what a task reads (picklable, small)."""
    if kind in TAGGERS:
        from .musicnn import audio_refs

        return None, audio_refs(ds, rows)
    return ds.clips.subset(ds.clip_rows(rows)), None


def clip_vectors_task(kind: str, model_ref, clips, audio) -> tuple[np.ndarray, np.ndarray | None]:
    """One task: the clip vectors ``(n_clips, d)`` (and musicnn's tags) of a batch of tracks,
    from their clips (a small :class:`~songsim.data.clips.ClipStore`) or their audio refs."""
    if kind in TAGGERS:
        from .musicnn import tagger_clips

        return tagger_clips(audio, [kind])[kind]
    X = clips[:]
    if kind == "mfcc":
        from .baselines import mfcc_stats

        return mfcc_stats(X, top_db=model_ref), None
    if kind == "pca":
        from .baselines import pca_project

        return pca_project(X, *model_ref), None
    from ..models.inference import embed_clips

    model = _loaded_model(*model_ref)
    clip = embed_clips(model, X)
    if model.kind == "contrastive":  # its loss compares directions only
        clip = normalize_rows(clip, dtype=np.float32)
    return clip, None


_MODELS: dict = {}


def _loaded_model(entry: str, checkpoint: str):
    """The model of checkpoint ``checkpoint`` in ``entry``, loaded once a process."""
    if checkpoint not in _MODELS:
        from pathlib import Path

        from . import modeling

        _MODELS.clear()
        _MODELS[checkpoint] = modeling.load_checkpoint(Path(entry))[0]
    return _MODELS[checkpoint]
