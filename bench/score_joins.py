"""Joins of stored embeddings, scored against a labelled dataset's labels.

Each argument is an embedding kind (``musicnn``, ``fused``) or a join of kinds with ``+``
(``contrastive+musicnn+vgg-mtt``): its parts' track vectors, each at unit length, side by side —
:func:`songsim.embeddings.kinds.fuse`, as the ``fused`` and ``ensemble`` kinds are made. Scores:
k-means AMI (k = the number of labels; mean and range over ``--seeds`` k-means seeds) and
precision@10 (cosine), by :func:`songsim.analysis.evaluation.label_agreement`, as
``bench/bench_quality.py`` scores kinds. Name the references (``fused``, ``musicnn``) among the
arguments: they are scored in the same run. Labels are used only to score. Prints one JSON line.

``--against REF …`` says how sure each difference from a reference is: a 95 % bootstrap interval
(scipy.stats.bootstrap, percentile) of the difference in mean AMI (the seeds resampled, each side
on its own) and of the difference in precision@10 (the tracks resampled, paired: both embeddings
answer the same queries). An interval that holds 0 is a difference the corpus cannot tell.

``--centred`` centres each part of a ``+`` join over the dataset (after its unit length, before
it is joined): a rule that makes the parts' spreads, not their lengths, equal.

Usage::

    python bench/score_joins.py realmusic fused musicnn ensemble contrastive+musicnn+vgg-mtt
    python bench/score_joins.py realmusic ensemble fused musicnn --seeds 20 --against fused musicnn
"""

import argparse

import numpy as np
from _common import emit

from songsim.analysis.evaluation import label_agreement
from songsim.analysis.similar import normalize_rows
from songsim.data.store import load_dataset
from songsim.embeddings import embed
from songsim.embeddings.kinds import fuse


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("dataset", help="a labelled dataset (its embeddings are computed if missing)")
    ap.add_argument("joins", nargs="+", help="kinds, or kinds joined with '+'")
    ap.add_argument("--seeds", type=int, default=5, help="k-means seeds (default 5)")
    ap.add_argument(
        "--against", nargs="+", default=[], metavar="REF", help="joins to give differences from"
    )
    ap.add_argument("--centred", action="store_true", help="centre the parts of '+' joins")
    ap.add_argument("--draws", type=int, default=10_000, help="bootstrap draws (default 10,000)")
    a = ap.parse_args()
    if missing := [r for r in a.against if r not in a.joins]:
        ap.error(f"--against names joins that are not scored: {', '.join(missing)}")
    ds = load_dataset(a.dataset)
    if ds.labels is None:
        ap.error(f"dataset '{a.dataset}' has no labels")
    vectors: dict = {}
    scores, runs = {}, {}
    for join in a.joins:
        parts = join.split("+")
        for kind in parts:
            if kind not in vectors:
                vectors[kind] = embed(ds, kind).track
        if len(parts) == 1:
            X = vectors[parts[0]]
        else:
            X = fuse(*(centred(vectors[k]) if a.centred else vectors[k] for k in parts))
        s = runs[join] = label_agreement(X, ds.labels, seeds=range(a.seeds))
        scores[join] = {
            "dim": int(X.shape[1]),
            # of a unit-length track vector's squared length, the share its dataset's mean holds
            # (constant over tracks, so no distance): the case for --centred
            "shared_mean_share": round(float(np.sum(normalize_rows(X).mean(axis=0) ** 2)), 4),
            "ami_mean": round(s["ami_mean"], 4),
            "ami_range": [round(v, 4) for v in s["ami_range"]],
            "precision_at_10": round(s["precision_at_10"], 4),
        }
    for ref in a.against:
        for join in a.joins:
            if join != ref:
                scores[join][f"minus_{ref}"] = differences(runs[join], runs[ref], a.draws)
    emit("score_joins", {"dataset": a.dataset, "seeds": a.seeds, "scores": scores})


def centred(X: np.ndarray) -> np.ndarray:
    """Rows of ``X`` at unit length, less their mean over the dataset."""
    U = normalize_rows(X, np.float32)
    return U - U.mean(axis=0)


def differences(run: dict, ref: dict, draws: int) -> dict:
    """``run``'s mean AMI and precision@10 minus ``ref``'s, each with its 95 % bootstrap interval."""
    from scipy.stats import bootstrap

    def interval(samples, statistic, paired):
        r = bootstrap(
            samples,
            statistic,
            paired=paired,
            n_resamples=draws,
            method="percentile",
            rng=np.random.default_rng(0),
        )
        return [
            round(float(r.confidence_interval.low), 4),
            round(float(r.confidence_interval.high), 4),
        ]

    amis = (np.asarray(run["amis"]), np.asarray(ref["amis"]))
    p = (run["precisions_at_10"], ref["precisions_at_10"])

    def mean_difference(x, y, axis=-1):
        return np.mean(x, axis=axis) - np.mean(y, axis=axis)

    return {
        "ami": round(float(mean_difference(*amis)), 4),
        "ami_95": interval(amis, mean_difference, False),
        "precision_at_10": round(float(mean_difference(*p)), 4),
        "precision_at_10_95": interval(p, mean_difference, True),
    }


if __name__ == "__main__":
    main()
