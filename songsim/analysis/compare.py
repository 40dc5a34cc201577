"""Comparing two labelings of the same tracks: contingency table and agreement scores."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SongsimError


def aligned(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Values of two labelings (Series indexed by track) on the tracks both label.

    Returns ``(a_values, b_values, n_left_out)``; missing values (NaN/None) count as unlabelled.
    """
    a, b = a.dropna(), b.dropna()
    common = a.index.intersection(b.index)
    left_out = len(a.index.union(b.index)) - len(common)
    return a.loc[common].to_numpy(), b.loc[common].to_numpy(), int(left_out)


def contingency(
    a: np.ndarray, b: np.ndarray, *, names: tuple[str, str] = ("cluster", "community")
) -> pd.DataFrame:
    """Counts of tracks per (a, b) pair: rows are a's values, columns b's."""
    return pd.crosstab(pd.Series(a, name=names[0]), pd.Series(b, name=names[1]))


def scores(a: np.ndarray, b: np.ndarray) -> dict:
    """AMI, ARI, NMI, V-measure, homogeneity and completeness of ``a`` against ``b`` (b is the reference)."""
    from sklearn import metrics

    if len(a) != len(b):
        raise SongsimError("labelings of different lengths")
    if len(a) < 2:
        raise SongsimError("need at least two labelled tracks to compare")
    h, c, v = metrics.homogeneity_completeness_v_measure(b, a)
    return {
        "n": int(len(a)),
        "ami": float(metrics.adjusted_mutual_info_score(b, a)),
        "ari": float(metrics.adjusted_rand_score(b, a)),
        "nmi": float(metrics.normalized_mutual_info_score(b, a)),
        "v_measure": float(v),
        "homogeneity": float(h),
        "completeness": float(c),
    }


def neighbour_precision(X: np.ndarray, labels: np.ndarray, *, k: int = 10) -> np.ndarray:
    """Each point's share ``(n,)`` of its ``k`` nearest neighbours (cosine, itself excluded) that
    carry its label."""
    from .similar import cosine_similarity_matrix

    labels = np.asarray(labels)
    k = min(k, len(X) - 1)
    if k < 1:
        raise SongsimError("precision@k needs at least 2 points")
    S = cosine_similarity_matrix(X)
    np.fill_diagonal(S, -np.inf)
    nn = np.argpartition(-S, k - 1, axis=1)[:, :k]
    return (labels[nn] == labels[:, None]).mean(axis=1)


def precision_at_k(X: np.ndarray, labels: np.ndarray, *, k: int = 10) -> float:
    """Mean share of each point's ``k`` nearest neighbours (cosine, itself excluded) with its label."""
    return float(neighbour_precision(X, labels, k=k).mean())
