"""k sweep (k = 2–20, 32 dimensions): songsim's sweep against a scikit-learn loop, same data,
same seeds, same run; and t-SNE: songsim's openTSNE maps against scikit-learn's TSNE.

The reference for the sweep is, for every k, ``KMeans(n_clusters=k, n_init=3, random_state=0)``
then ``silhouette_score``. songsim runs the same KMeans (so the labels are identical) and its
exact silhouette: one pass over the pairwise distances for all k at once.

Usage: python bench/bench_sweep.py [--sizes 5000 20000] [--tsne 2000 10000]
"""
import argparse
import time

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
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[5000, 20000])
    ap.add_argument("--tsne", type=int, nargs="*", default=[2000, 10000])
    args = ap.parse_args()
    from songsim.clustering import silhouette_scores, sweep_k

    ks = list(range(2, 21))
    sweep_k(blobs(300), [2, 3])  # warm-up: imports and thread pools are not part of the figures
    sklearn_sweep(blobs(300), [2, 3])
    sweeps = []
    for n in args.sizes:
        X = blobs(n)
        t = time.perf_counter()
        s = sweep_k(X, ks)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        labels = [s.labels[k] for k in ks]
        silhouette_scores(X, labels)
        ours_sil = time.perf_counter() - t
        t = time.perf_counter()
        ref = sklearn_sweep(X, ks)
        theirs = time.perf_counter() - t
        sweeps.append({"n": n, "songsim_s": ours, "songsim_silhouette_only_s": ours_sil, "sklearn_s": theirs,
                       "speedup": theirs / ours, "max_silhouette_diff": float(np.max(np.abs(np.array(s.silhouette) - ref)))})
    maps = []
    for n in args.tsne:
        from sklearn.manifold import TSNE

        from songsim.maps import TSNEMapper

        X = blobs(n, d=32).astype(np.float32)
        t = time.perf_counter()
        mapper = TSNEMapper(X, max_perplexity=30, n_jobs=2)
        mapper.embed(30)
        ours = time.perf_counter() - t
        t = time.perf_counter()
        mapper.embed(20)
        again = time.perf_counter() - t
        t = time.perf_counter()
        TSNE(perplexity=30, random_state=0, n_jobs=2, max_iter=750).fit_transform(X)
        theirs = time.perf_counter() - t
        maps.append({"n": n, "songsim_opentsne_s": ours, "songsim_new_perplexity_s": again, "sklearn_tsne_s": theirs,
                     "speedup": theirs / ours})
    emit("k_sweep_and_tsne", {"sweeps": sweeps, "tsne": maps})


if __name__ == "__main__":
    main()
