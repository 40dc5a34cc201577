"""What a fitted t-SNE keeps: songsim's ``TSNEMapper`` (the neighbours only, int32 and float32)
against openTSNE's ``PerplexityBasedNN`` (its search index, neighbours as int64 and float64, and
the affinities), fitted to the same points for the same largest perplexity, in the same run.

Figures per side: fit seconds, memory kept (resident growth once freed memory is handed back,
``songsim.heap.trim``), seconds to the affinities at perplexity 30, and whether the two give the
same affinities there (max relative difference). Prints one JSON line.

Usage: python bench/bench_tsne_memory.py [--points 30000] [--dim 128]
"""

import argparse
import time

import numpy as np
from _common import emit, kept_mb, median_time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=30_000)
    ap.add_argument("--dim", type=int, default=128)
    a = ap.parse_args()
    from openTSNE.affinity import PerplexityBasedNN

    from songsim.analysis.maps import TSNEMapper

    X = np.random.default_rng(0).standard_normal((a.points, a.dim)).astype(np.float32)
    kept_mb(lambda: PerplexityBasedNN(X[:2000], perplexity=5, n_jobs=2))  # libraries loaded first
    (s_ours, ours), mb_ours = kept_mb(
        lambda: median_time(lambda: TSNEMapper(max_perplexity=50, n_jobs=2).fit(X), 1)
    )
    (s_ref, ref), mb_ref = kept_mb(
        lambda: median_time(
            lambda: PerplexityBasedNN(X, perplexity=50, method="annoy", random_state=0, n_jobs=2),
            1,
        )
    )
    t = time.perf_counter()
    P = ours.affinities_at(30).P
    p_ours = time.perf_counter() - t
    t = time.perf_counter()
    ref.set_perplexity(30)
    p_ref = time.perf_counter() - t
    same_graph = P.nnz == ref.P.nnz
    diff = abs(P - ref.P).max() / ref.P.max() if same_graph else None
    emit(
        "tsne_memory",
        {
            "points": a.points,
            "dim": a.dim,
            "songsim_fit_s": round(s_ours, 2),
            "opentsne_fit_s": round(s_ref, 2),
            "songsim_kept_mb": round(mb_ours, 1),
            "opentsne_kept_mb": round(mb_ref, 1),
            "kept_ratio": round(mb_ref / max(mb_ours, 0.1), 2),
            "songsim_affinities_at_30_s": round(p_ours, 2),
            "opentsne_set_perplexity_30_s": round(p_ref, 2),
            "same_neighbour_graph": bool(same_graph),
            "max_relative_difference": None if diff is None else float(f"{diff:.2e}"),
        },
    )


if __name__ == "__main__":
    main()
