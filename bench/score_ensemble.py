"""Seed ensembles of contrastive encoders, scored on a labelled dataset.

Takes clip-vector files written by ``bench/ablate_contrastive.py --save`` (one trained model
each, all on the same dataset) and scores every member alone and every ensemble of two or more
members against the labels. An ensemble's track vector is the concatenation of its members'
track vectors (mean of the L2-normalised clip vectors, L2-normalised again, so each member
weighs the same). Scores: k-means AMI (mean of 3 seeds, k = number of labels) and precision@10
(cosine). Reference: MFCC statistics, scored the same way in the same run. Labels are used only
to score. Prints one JSON line.

Usage::

    python bench/ablate_contrastive.py realmusic --crop 64 --epochs 15 --random-state 0 --save seed0.npy
    python bench/ablate_contrastive.py realmusic --crop 64 --epochs 15 --random-state 1 --save seed1.npy
    python bench/score_ensemble.py realmusic seed0.npy seed1.npy
"""

import argparse
import itertools
import statistics
import sys
from pathlib import Path

import numpy as np
from _common import emit, label_scores

from songsim.analysis.similar import normalize_rows
from songsim.data.store import load_dataset
from songsim.embeddings import embed, track_means


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dataset", help="the labelled dataset the clip vectors were computed on")
    ap.add_argument("clip_vectors", nargs="+", type=Path, help=".npy files, (n_clips, d) each")
    a = ap.parse_args()
    ds = load_dataset(a.dataset)
    if ds.labels is None:
        raise SystemExit(f"score_ensemble: dataset {a.dataset!r} has no labels")
    members = {}
    for path in a.clip_vectors:
        V = np.load(path, allow_pickle=False)
        if V.ndim != 2 or len(V) != len(ds.clips):
            raise SystemExit(f"{path}: shape {V.shape}, expected ({len(ds.clips)}, d)")
        members[str(path)] = normalize_rows(
            track_means(normalize_rows(V), ds.clip_track, ds.n_tracks)
        )
    reference = label_scores(normalize_rows(embed(ds, "mfcc").track), ds.labels)
    by_size = {}
    for n in range(1, len(members) + 1):
        rows = [
            {
                "members": list(combo),
                **label_scores(np.hstack([members[m] for m in combo]), ds.labels),
            }
            for combo in itertools.combinations(members, n)
        ]
        by_size[n] = {
            "median_ami": round(statistics.median(r["ami"] for r in rows), 4),
            "median_precision_at_10": round(
                statistics.median(r["precision_at_10"] for r in rows), 4
            ),
            "runs": rows,
        }
        print(n, {k: v for k, v in by_size[n].items() if k != "runs"}, file=sys.stderr)
    emit("contrastive-ensembles", {"dataset": a.dataset, "mfcc": reference, "by_size": by_size})


if __name__ == "__main__":
    main()
