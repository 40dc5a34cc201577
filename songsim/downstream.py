"""The pipeline's steps after an embedding and a graph: what the Compare page and ``songsim
evaluate`` show, the words every page puts on groups of songs, and the Graph page's drawing.

Each step is keyed, as :mod:`songsim.pipeline`'s are, through its upstream steps' keys: the
embedding's :func:`~songsim.pipeline.track_vectors_key` (its checkpoint included) and the graph's
:func:`~songsim.pipeline.graph_key` — so a new checkpoint or a new upload changes every key
downstream of it and no result of the old one is shown. Steps take track vectors ``X`` as an
array or as a function returning it (called on a cache miss only; ``input_key`` then required).

=================  =====================================================  ==================
step               result                                                 upstream
=================  =====================================================  ==================
comparison         contingency table, scores, tracks left out              k_sweep, song_graph
embedding_scores   one embedding's row of figures (``evaluate``'s keys)    k_sweep, song_graph
graph_layout       the drawn nodes, their strongest edges, 2-D positions   song_graph
track_tags         a tagger's tag probabilities per track (one vocabulary)  the tagger's vectors
group_tags         per group, the tags that set it apart                    track_tags, groups
=================  =====================================================  ==================

:func:`evaluate` gives every embedding's :func:`embedding_scores` and the graph's summary: what
``songsim evaluate`` prints.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .cache import NO_CACHE, MemoryCache, StepCache, array_key
from .data.datasets import Dataset
from .errors import SongsimError
from .params import GraphParams, SweepParams
from .pipeline import (
    graph_key,
    k_sweep,
    song_graph,
    step_key,
    sweep_key,
    track_vectors_key,
    vectors_input_key,
)
from .progress import Callback

#: What each comparison is made against, and how its column is named.
TARGETS = {"communities": "community", "labels": "label"}


@dataclasses.dataclass(frozen=True)
class Comparison:
    """k-means clusters of one embedding at one k against communities or labels.

    table : pd.DataFrame   tracks per (cluster, community or label): rows clusters
    scores : dict          AMI, ARI, NMI, V-measure, homogeneity, completeness, n
    left_out : int         tracks without a community (or label), not compared
    """

    table: pd.DataFrame
    scores: dict
    left_out: int


def communities_of(
    ds: Dataset, graph: GraphParams = GraphParams(), *, cache: StepCache = NO_CACHE
) -> pd.Series | None:
    """Community of each track of the dataset's song graph, indexed by track row; None when
    its playlists give no graph."""
    from .analysis.evaluation import community_labels

    try:
        return community_labels(*song_graph(ds, graph, cache=cache))
    except SongsimError:
        return None


def comparison(
    ds: Dataset,
    X,
    k: int,
    against: str,
    *,
    graph: GraphParams = GraphParams(),
    sweep: SweepParams = SweepParams(),
    cache: StepCache = NO_CACHE,
    input_key: str | None = None,
) -> Comparison:
    """The step from track vectors ``X [shape=(n_tracks, d)]`` of ``ds`` to their k-means
    clusters at ``k`` (from :func:`~songsim.pipeline.k_sweep`) compared with ``against``:
    ``"communities"`` (of the graph with parameters ``graph``) or ``"labels"``."""
    from .analysis.compare import aligned, contingency, scores

    if against not in TARGETS:
        raise SongsimError(f"cannot compare clusters with '{against}' (communities or labels)")
    if against == "labels" and ds.labels is None:
        raise SongsimError("this dataset has no labels")
    vectors = vectors_input_key(X, input_key)
    target = graph_key(ds, graph) if against == "communities" else ds.fingerprint
    key = step_key(
        "comparison", f"{sweep_key(vectors, sweep)}|{target}", {"k": k, "against": against}
    )

    def compute() -> Comparison:
        labels = k_sweep(X, sweep, cache=cache, input_key=vectors).labels_
        if k not in labels:
            raise SongsimError(f"k = {k} is outside the sweep ({min(labels)}–{max(labels)})")
        clusters = pd.Series(labels[k], index=np.arange(ds.n_tracks))
        if against == "labels":
            ref = pd.Series(ds.labels, index=np.arange(ds.n_tracks)).replace("", np.nan)
        else:
            ref = communities_of(ds, graph, cache=cache)
            if ref is None:
                raise SongsimError(f"dataset '{ds.name}' has no song graph to compare with")
        a, b, left_out = aligned(clusters, ref)
        table = contingency(a, b, names=("cluster", TARGETS[against]))
        return Comparison(table, scores(a, b), left_out)

    return cache.get(key, compute, message="Comparing…")


def embedding_scores(
    ds: Dataset,
    X,
    *,
    graph: GraphParams = GraphParams(),
    sweep: SweepParams = SweepParams(),
    cache: StepCache = NO_CACHE,
    input_key: str | None = None,
) -> dict:
    """The step from one embedding's track vectors ``X [shape=(n_tracks, d)]`` of ``ds`` to its
    figures (:func:`~songsim.analysis.evaluation.score_embedding`: the k sweep's best and elbow
    k, k-means against the communities of ``graph`` and against the labels); the k sweep is the
    :func:`~songsim.pipeline.k_sweep` step's, k-means seeded by ``sweep.random_state``."""
    from .analysis.evaluation import score_embedding

    vectors = vectors_input_key(X, input_key)
    upstream = f"{sweep_key(vectors, sweep)}|{graph_key(ds, graph)}"  # the sweep names X
    key = step_key("embedding_scores", upstream, {})

    def compute() -> dict:
        array = X() if callable(X) else X  # fetched once: the sweep and the scores share it
        fitted = k_sweep(array, sweep, cache=cache, input_key=vectors)
        return score_embedding(
            array,
            labels=ds.complete_labels,
            communities=communities_of(ds, graph, cache=cache),
            random_state=sweep.random_state,
            sweep=fitted,
        )

    return cache.get(key, compute, message="Scoring…")


def graph_layout(
    ds: Dataset,
    graph: GraphParams = GraphParams(),
    *,
    max_nodes: int,
    edges_per_node: int,
    cache: StepCache = NO_CACHE,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The step from the dataset's song graph to its drawing: ``(keep, edges, positions)`` — the
    top ``max_nodes`` nodes by degree (positions in the graph), each with its
    ``edges_per_node`` strongest edges ``(n_edges, 2)`` into ``keep``
    (:meth:`~songsim.analysis.graph.SongGraph.backbone`), on a Fruchterman–Reingold layout
    ``(len(keep), 2)``."""
    from .analysis.graph import layout_2d

    def compute():
        g, _ = song_graph(ds, graph, cache=cache)
        keep, edges = g.backbone(max_nodes, edges_per_node)
        return keep, edges, layout_2d(len(keep), edges)

    key = step_key(
        "graph_layout",
        graph_key(ds, graph),
        {"max_nodes": max_nodes, "edges_per_node": edges_per_node},
    )
    return cache.get(key, compute, message="Laying out the graph…")


def track_tags(
    ds: Dataset, vocabulary: str = "MSD", *, cache: StepCache = NO_CACHE, progress=None
) -> pd.DataFrame:
    """The step from a dataset to one vocabulary's tag probabilities ``(n_tracks, 50)``, a column
    per tag (:func:`songsim.embeddings.kinds.track_tags`: both taggers hear the audio once),
    keyed by the tagger's vectors."""
    from .embeddings.kinds import VOCABULARIES
    from .embeddings.kinds import track_tags as heard

    tagger = track_vectors_key(ds, VOCABULARIES[vocabulary])
    key = step_key("track_tags", tagger, {"vocabulary": vocabulary})
    return cache.get(
        key,
        lambda: heard(ds, vocabulary, progress=progress),
        message="Listening with musicnn (once per dataset; minutes on a large one)…",
    )


def group_tags(
    ds: Dataset,
    groups,
    vocabulary: str = "MSD",
    *,
    n: int = 3,
    cache: StepCache = NO_CACHE,
    progress=None,
) -> pd.DataFrame:
    """The step from groups of tracks — ``groups (n_tracks,)``: a cluster or community each,
    None for none — to the ``n`` tags of one vocabulary that set each group apart
    (:func:`~songsim.analysis.tags.distinctive_tags`: columns ``group, size, tags, lift``);
    keyed by the tagger's vectors and the groups themselves."""
    from .analysis.tags import distinctive_tags
    from .embeddings.kinds import VOCABULARIES

    tagger = track_vectors_key(ds, VOCABULARIES[vocabulary])
    upstream = f"{tagger}|{array_key(np.asarray(groups, dtype=str))}"
    key = step_key("group_tags", upstream, {"vocabulary": vocabulary, "n": n})

    def compute() -> pd.DataFrame:
        probs = track_tags(ds, vocabulary, cache=cache, progress=progress)
        return distinctive_tags(probs, groups, n)

    return cache.get(key, compute, message="Finding words…")


def evaluate(
    ds: Dataset,
    *,
    kinds: list[str] | None = None,
    graph: GraphParams = GraphParams(),
    sweep: SweepParams | None = None,
    random_state: int = 0,
    train_if_missing: bool = False,
    progress: Callback | None = None,
) -> dict:
    """``{"dataset": …, "graph": {…}, "best_embedding": kind, "embeddings": {kind: {…}}}`` (see
    the README for the keys): the graph's summary and every embedding's
    :func:`embedding_scores`. ``best_embedding`` is the default embedding, by
    :data:`~songsim.embeddings.PREFERENCE`. ``kinds`` defaults to every available kind but the
    taggers (:data:`~songsim.embeddings.AUDIO_KINDS`: they decode the audio again), which are
    scored when named. ``random_state`` seeds the models and k-means; ``sweep`` defaults to
    ``SweepParams(random_state=random_state)``."""
    from .embeddings import AUDIO_KINDS, KINDS, available_kinds, best_kind, embed

    out = {"dataset": ds.summary(), "graph": None, "embeddings": {}}
    cache = MemoryCache()  # the graph is built once for every embedding's scores
    try:
        g, result = song_graph(ds, graph, cache=cache)
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
    # the kinds that listen to the audio again are scored when named (``kinds``), not by default
    kinds = kinds or [
        k for k in (available_kinds(ds) if not train_if_missing else KINDS) if k not in AUDIO_KINDS
    ]
    out["best_embedding"] = best_kind(kinds)
    sweep = sweep or SweepParams(random_state=random_state)
    for i, kind in enumerate(kinds):
        if progress:
            progress(i, len(kinds), f"evaluating {kind}")
        X = embed(ds, kind, random_state=random_state, train_if_missing=train_if_missing).track
        out["embeddings"][kind] = embedding_scores(ds, X, graph=graph, sweep=sweep, cache=cache)
    if progress:
        progress(len(kinds), len(kinds), "done")
    return out
