"""Scores of one embedding: its k sweep, and its k-means clusters against the graph's communities
and the labels (AMI, ARI, V-measure, precision@10). :func:`songsim.steps.evaluate` runs them
over every embedding of a dataset (``songsim evaluate``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import DEFAULT_KS
from .clustering import KSweep, kmeans
from .communities import CommunityResult
from .compare import neighbour_precision, precision_at_k, scores
from .graph import SongGraph


def community_labels(graph: SongGraph, result: CommunityResult) -> pd.Series:
    """Community of each track in the graph, as a Series indexed by track row."""
    return pd.Series(result.membership, index=graph.nodes, name="community")


def score_embedding(
    X: np.ndarray,
    *,
    labels: np.ndarray | None,
    communities: pd.Series | None,
    ks=DEFAULT_KS,
    random_state: int = 0,
    sweep: KSweep | None = None,
) -> dict:
    """The figures ``evaluate`` reports for one embedding's track vectors ``X [shape=(n_tracks, d)]``.

    ``sweep`` : a :class:`KSweep` already fitted on ``X`` (the dashboard's cached one) is reused
    instead of sweeping ``ks`` again.
    """
    if sweep is None:
        sweep = KSweep(ks, random_state=random_state).fit(X)
    out: dict = {"dim": int(X.shape[1])}
    out.update(
        best_k_silhouette=sweep.best_k_,
        elbow_k=sweep.elbow_k_,
        silhouette={int(k): round(float(s), 6) for k, s in zip(sweep.ks_, sweep.silhouette_)},
    )
    out["silhouette_at_best_k"] = out["silhouette"][sweep.best_k_]
    out["silhouette_at_elbow_k"] = out["silhouette"].get(sweep.elbow_k_) if sweep.elbow_k_ else None
    out.update(
        agreement_scores(X, labels=labels, communities=communities, random_state=random_state)
    )
    return out


def agreement_scores(
    X: np.ndarray,
    *,
    labels: np.ndarray | None,
    communities: pd.Series | None,
    random_state: int = 0,
) -> dict:
    """k-means of ``X [shape=(n_tracks, d)]`` with k = the number of communities (of labels)
    against them (AMI, ARI, V-measure), and precision@10 against the labels; keys as in
    :func:`score_embedding`, absent where there is nothing to compare with."""
    out: dict = {}
    if communities is not None and communities.nunique() >= 2:
        rows = communities.index.to_numpy()
        pred, _ = kmeans(X[rows], int(communities.nunique()), random_state=random_state)
        s = scores(pred, communities.to_numpy())
        out.update(
            ami_communities=s["ami"], ari_communities=s["ari"], v_measure_communities=s["v_measure"]
        )
    if labels is not None:
        if 2 <= len(set(labels)) < len(X):
            s = label_agreement(X, labels, seeds=(random_state,))
            out.update(ami_labels=s["ami"], ari_labels=s["ari"], v_measure_labels=s["v_measure"])
            out["precision_at_10"] = s["precision_at_10"]
        else:
            out["precision_at_10"] = precision_at_k(X, labels, k=10)
    return out


def label_agreement(X: np.ndarray, labels: np.ndarray, *, seeds=(0,)) -> dict:
    """k-means of ``X [shape=(n_tracks, d)]`` with k = the number of labels, once per k-means
    seed, against the labels; and precision@10 (cosine) against them.

    Returns ``ami``, ``ari``, ``v_measure`` (the first seed), ``amis`` (one a seed),
    ``ami_mean`` and ``ami_range`` over them, ``precision_at_10`` and the per-track shares it is
    the mean of, ``precisions_at_10`` ``(n_tracks,)``: the figures of the benchmarks on real
    music."""
    k = len(set(labels))
    runs = [scores(kmeans(X, k, random_state=seed)[0], labels) for seed in seeds]
    amis = [r["ami"] for r in runs]
    per_track = neighbour_precision(X, labels, k=10)
    return {
        "ami": runs[0]["ami"],
        "ari": runs[0]["ari"],
        "v_measure": runs[0]["v_measure"],
        "ami_mean": float(np.mean(amis)),
        "amis": amis,
        "ami_range": [float(min(amis)), float(max(amis))],
        "precision_at_10": float(per_track.mean()),
        "precisions_at_10": per_track,
    }
