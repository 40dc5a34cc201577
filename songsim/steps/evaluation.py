"""What ``songsim evaluate`` prints: the song graph's summary and every embedding's figures."""

from __future__ import annotations

from ..cache import MemoryCache
from ..errors import SongsimError
from ..flow import Flow
from ..params import GraphParams, SweepParams
from ..progress import Callback


def evaluate(
    ds,
    *,
    kinds: list[str] | None = None,
    graph: GraphParams = GraphParams(),
    sweep: SweepParams | None = None,
    random_state: int = 0,
    train_if_missing: bool = False,
    progress: Callback | None = None,
) -> dict:
    """``{"dataset": …, "graph": {…}, "best_embedding": kind, "embeddings": {kind: {…}}}`` (see
    the README for the keys): the graph's summary and every embedding's ``embedding_scores``
    step. ``best_embedding`` is the default embedding, by :data:`~songsim.embeddings.PREFERENCE`.
    ``kinds`` defaults to every available kind but the taggers
    (:data:`~songsim.embeddings.AUDIO_KINDS`: they decode the audio again), which are scored
    when named. ``random_state`` seeds the models, PCA and k-means; ``sweep`` defaults to
    ``SweepParams(random_state=random_state)``. A missing model is trained first when
    ``train_if_missing``."""
    from ..embeddings import AUDIO_KINDS, KINDS, available_kinds, best_kind, embed

    out = {"dataset": ds.summary(), "graph": None, "embeddings": {}}
    flow = Flow(ds, cache=MemoryCache())  # the graph is built once for every embedding's scores
    try:
        g, result = flow.get("song_graph", graph=graph)
        out["graph"] = {
            **g.summary(),
            "method": result.method,
            "modularity": result.modularity,
            "n_communities": result.n_communities,
            "community_sizes": result.sizes,
            "note": result.note,
        }
    except SongsimError as exc:
        out["graph"] = {"error": str(exc)}
    kinds = kinds or [
        k for k in (available_kinds(ds) if not train_if_missing else KINDS) if k not in AUDIO_KINDS
    ]
    out["best_embedding"] = best_kind(kinds)
    sweep = sweep or SweepParams(random_state=random_state)
    for i, kind in enumerate(kinds):
        if progress:
            progress(i, len(kinds), f"evaluating {kind}")
        if train_if_missing:  # the model first: the steps never train
            embed(ds, kind, random_state=random_state, train_if_missing=True)
        out["embeddings"][kind] = flow.get(
            "embedding_scores", kind=kind, embedding_seed=random_state, graph=graph, sweep=sweep
        )
    if progress:
        progress(len(kinds), len(kinds), "done")
    return out
