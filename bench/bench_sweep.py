"""k sweep (k = 2–20, 32 dimensions): songsim's sweep against a scikit-learn loop, same data,
same seeds, same run; and t-SNE: songsim's openTSNE maps against scikit-learn's TSNE.

The reference for the sweep is, for every k, ``KMeans(n_clusters=k, n_init=3, random_state=0)``
then ``silhouette_score``. songsim runs the same KMeans (so the labels are identical) with one
BLAS thread, and its exact silhouette: one pass over the pairwise distances for all k at once.
The reference loop is timed as a user runs it, and again with one BLAS thread as well.

Usage: python bench/bench_sweep.py [--sizes 5000 20000] [--tsne 2000 10000] [--repeats 3]
"""

import argparse
import time
from statistics import median

import numpy as np
from _common import emit


def blobs(n: int, d: int = 32, centers: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centers, d)) * 4
    return (c[rng.integers(0, centers, n)] + rng.standard_normal((n, d))).astype(np.float64)


def sklearn_sweep(X, ks):
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    out = []
    for k in ks:
        labels = KMeans(n_clusters=k, n_init=3, random_state=0).fit(X).labels_
        out.append(silhouette_score(X, labels))
    return out


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--sweep-sizes",
        type=int,
        nargs="*",
        default=[5000, 20000],
        metavar="N",
        help="track counts of the k sweep (none: t-SNE only)",
    )
    ap.add_argument(
        "--tsne-sizes",
        type=int,
        nargs="*",
        default=[2000, 10000],
        metavar="N",
        help="track counts of the t-SNE maps (none: the sweep only)",
    )
    ap.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timed rounds of the sweep per size (medians are reported)",
    )
    args = ap.parse_args()
    from songsim.analysis.clustering import one_blas_thread, silhouette_scores, sweep_k

    ks = list(range(2, 21))
    sweeps = []
    for n in args.sweep_sizes:
        X = blobs(n)
        # warm-up on this very data: a process's first k-means fits at a new size run up to 3x
        # slower (measured), and that must not fall on whichever side happens to go first
        sweep_k(X, ks[:3])
        sklearn_sweep(X, ks[:3])
        ours, ours_sil, theirs, theirs_1blas = [], [], [], []
        for _ in range(args.repeats):  # alternating, so slow spells of a noisy machine hit both
            t = time.perf_counter()
            s = sweep_k(X, ks)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            silhouette_scores(X, [s.labels[k] for k in ks])
            ours_sil.append(time.perf_counter() - t)
            t = time.perf_counter()
            ref = sklearn_sweep(X, ks)
            theirs.append(time.perf_counter() - t)
            with one_blas_thread():  # the reference loop given songsim's BLAS setting too
                t = time.perf_counter()
                sklearn_sweep(X, ks)
                theirs_1blas.append(time.perf_counter() - t)
        sweeps.append(
            {
                "n": n,
                "repeats": args.repeats,
                "songsim_s": median(ours),
                "songsim_silhouette_only_s": median(ours_sil),
                "sklearn_s": median(theirs),
                "speedup": median(theirs) / median(ours),
                "speedups": [b / a for a, b in zip(ours, theirs)],
                "sklearn_one_blas_thread_s": median(theirs_1blas),
                "speedup_vs_one_blas_thread": median(theirs_1blas) / median(ours),
                "max_silhouette_diff": float(np.max(np.abs(np.array(s.silhouette) - ref))),
            }
        )
    maps = []
    for n in args.tsne_sizes:
        from sklearn.manifold import TSNE

        from songsim.analysis.maps import TSNEMapper

        X = blobs(n, d=32).astype(np.float32)
        t = time.perf_counter()
        mapper = TSNEMapper(max_perplexity=30, n_jobs=2).fit(X)
        mapper.transform(30)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        mapper.transform(20)
        again = time.perf_counter() - t
        t = time.perf_counter()
        TSNE(perplexity=30, random_state=0, n_jobs=2, max_iter=750).fit_transform(X)
        theirs = time.perf_counter() - t
        maps.append(
            {
                "n": n,
                "songsim_opentsne_s": ours,
                "songsim_new_perplexity_s": again,
                "sklearn_tsne_s": theirs,
                "speedup": theirs / ours,
            }
        )
    emit("k_sweep_and_tsne", {"sweeps": sweeps, "tsne": maps})


if __name__ == "__main__":
    main()
