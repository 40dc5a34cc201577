"""Steps from an embedding's track vectors to clusters and what they are measured against: the k
sweep, the clusters at one k, the comparison with communities or labels (what the Compare page
shows) and one embedding's row of figures (``songsim evaluate``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..errors import SongsimError
from ..flow import Lazy, step
from ..params import SweepParams

#: What each comparison is made against, and how its column is named.
TARGETS = {"communities": "community", "labels": "label"}


@step(message="Sweeping k…")
def k_sweep(track_vectors: np.ndarray, sweep: SweepParams = SweepParams()):
    """The fitted :class:`~songsim.analysis.clustering.KSweep` of track vectors ``(n_tracks, d)``
    over the ks ``sweep.fit(n_tracks)`` allows."""
    from ..analysis.clustering import KSweep

    p = sweep.fit(len(track_vectors)).params
    sample = p.sample(len(track_vectors))
    return KSweep(
        p.ks,
        method=p.method,
        random_state=p.random_state,
        n_init=p.n_init,
        sample_size=sample,
        fit_size=sample,
    ).fit(track_vectors)


@step
def cluster_labels(
    k_sweep, track_vectors: Lazy[np.ndarray], k: int, sweep: SweepParams = SweepParams()
) -> np.ndarray:
    """k-means labels ``(n_tracks,)`` at ``k``: the sweep's, or for a k outside it a k-means of
    its own (seeded by ``sweep.random_state``) — one behaviour for the dashboard and the CLI."""
    if k in k_sweep.labels_:
        return k_sweep.labels_[k]
    from ..analysis.clustering import kmeans

    return kmeans(track_vectors(), k, random_state=sweep.random_state)[0]


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


def _compared(clusters: np.ndarray, ref: pd.Series, against: str) -> Comparison:
    from ..analysis.compare import aligned, contingency, scores

    a, b, left_out = aligned(pd.Series(clusters, index=np.arange(len(clusters))), ref)
    table = contingency(a, b, names=("cluster", TARGETS[against]))
    return Comparison(table, scores(a, b), left_out)


@step(message="Comparing…")
def comparison_with_communities(cluster_labels, communities) -> Comparison:
    """The clusters at ``k`` against the communities of the song graph."""
    if communities is None:
        raise SongsimError("this dataset has no song graph to compare with")
    return _compared(cluster_labels, communities, "communities")


@step(message="Comparing…")
def comparison_with_labels(dataset, cluster_labels) -> Comparison:
    """The clusters at ``k`` against the dataset's labels."""
    if dataset.labels is None:
        raise SongsimError("this dataset has no labels")
    ref = pd.Series(dataset.labels, index=np.arange(dataset.n_tracks)).replace("", np.nan)
    return _compared(cluster_labels, ref, "labels")


def comparison(flow, against: str, **params) -> Comparison:
    """:func:`comparison_with_communities` or :func:`comparison_with_labels` by ``against``."""
    if against not in TARGETS:
        raise SongsimError(f"cannot compare clusters with '{against}' (communities or labels)")
    name = f"comparison_with_{against}"
    return flow.get(name, **{p: v for p, v in params.items() if p in flow.parameters(name)})


@step(message="Scoring…")
def embedding_scores(
    dataset, track_vectors, k_sweep, communities, sweep: SweepParams = SweepParams()
) -> dict:
    """One embedding's figures (:func:`~songsim.analysis.evaluation.score_embedding`: the k
    sweep's best and elbow k, k-means against the communities and against the labels)."""
    from ..analysis.evaluation import score_embedding

    return score_embedding(
        track_vectors,
        labels=dataset.complete_labels,
        communities=communities,
        random_state=sweep.random_state,
        sweep=k_sweep,
    )
