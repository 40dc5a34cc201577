"""Joins of stored embeddings, scored against a labelled dataset's labels.

Each argument is an embedding kind (``musicnn``, ``fused``) or a join of kinds with ``+``
(``contrastive+musicnn+vgg-mtt``): its parts' track vectors, each at unit length, side by side —
:func:`songsim.embeddings.kinds.fuse`, as the ``fused`` and ``ensemble`` kinds are made. Scores:
k-means AMI (k = the number of labels; mean and range over ``--seeds`` k-means seeds) and
precision@10 (cosine), by :func:`songsim.analysis.evaluation.label_agreement`, as
``bench/bench_quality.py`` scores kinds. Name the references (``fused``, ``musicnn``) among the
arguments: they are scored in the same run. Labels are used only to score. Prints one JSON line.

Usage::

    python bench/score_joins.py realmusic fused musicnn ensemble contrastive+musicnn+vgg-mtt
"""

import argparse

from _common import emit

from songsim.analysis.evaluation import label_agreement
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
    a = ap.parse_args()
    ds = load_dataset(a.dataset)
    if ds.labels is None:
        ap.error(f"dataset '{a.dataset}' has no labels")
    vectors: dict = {}
    scores = {}
    for join in a.joins:
        parts = join.split("+")
        for kind in parts:
            if kind not in vectors:
                vectors[kind] = embed(ds, kind).track
        X = vectors[parts[0]] if len(parts) == 1 else fuse(*(vectors[k] for k in parts))
        s = label_agreement(X, ds.labels, seeds=range(a.seeds))
        scores[join] = {
            "dim": int(X.shape[1]),
            "ami_mean": round(s["ami_mean"], 4),
            "ami_range": [round(v, 4) for v in s["ami_range"]],
            "precision_at_10": round(s["precision_at_10"], 4),
        }
    emit("score_joins", {"dataset": a.dataset, "seeds": a.seeds, "scores": scores})


if __name__ == "__main__":
    main()
