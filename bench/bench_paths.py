"""Song paths on real music: the line between two songs (songsim's ``line_path``, smoothed as
served and with each point's nearest song) against a shortest path in the k-nearest-neighbour graph (``knn_path``, checked against networkx's Dijkstra
on the same graph), on the same pairs of songs of different labels.

What "reads better" is measured by, per path: its length; how steadily it moves to the end (the
Spearman correlation of position and cosine distance to the end: −1 is steady; the share of
steps that move away from the end); how smooth it is (the largest and the mean cosine distance
between neighbouring songs); and how much of it stays with the two ends' labels (songs whose
label is the start's or the end's).

    python bench/bench_paths.py realmusic --pairs 300 --length 12 [--kind contrastive]

The dataset must be ingested (with labels) and embedded. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from _common import emit

from songsim.analysis.index import unit_rows
from songsim.analysis.paths import knn_path, line_path, path_distances


def figures(X, path, labels, a, b) -> dict:
    d = path_distances(X, path)
    U = unit_rows(X[path])
    steps = 1.0 - np.sum(U[1:] * U[:-1], axis=1)
    from scipy.stats import spearmanr

    rho = spearmanr(np.arange(len(path)), d).statistic if len(path) > 2 else -1.0
    return {
        "length": len(path),
        "spearman": float(rho),
        "rising": float((np.diff(d) > 0).mean()),
        "max_step": float(steps.max()),
        "mean_step": float(steps.mean()),
        "on_ends_labels": float(np.isin(labels[path], [labels[a], labels[b]]).mean()),
    }


def networkx_path(X, a, b, k) -> list[int]:
    """The same k-nearest-neighbour graph in networkx, its Dijkstra path (the reference)."""
    import networkx as nx

    U = unit_rows(X)
    sims = U @ U.T
    np.fill_diagonal(sims, -np.inf)
    nbrs = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    g = nx.Graph()
    for i, row in enumerate(nbrs):
        for j in row:
            w = max(1.0 - float(sims[i, j]), 1e-9)
            if not g.has_edge(i, int(j)) or g[i][int(j)]["weight"] > w:
                g.add_edge(i, int(j), weight=w)
    return nx.dijkstra_path(g, a, b, weight="weight")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dataset")
    p.add_argument("--kind", default="contrastive")
    p.add_argument("--pairs", type=int, default=300)
    p.add_argument("--length", type=int, default=12)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    from songsim.data.store import load_dataset
    from songsim.search import vector_index

    ds = load_dataset(args.dataset)
    labels = ds.labels
    index = vector_index(ds, args.kind)
    X = index.X
    rng = np.random.default_rng(args.seed)
    pairs = []
    while len(pairs) < args.pairs:
        a, b = map(int, rng.choice(ds.n_tracks, 2, replace=False))
        if labels[a] != labels[b] and ds.songs[a] != ds.songs[b]:
            pairs.append((a, b))
    results = {"line": [], "line_nearest": [], "knn": []}
    times = {"line": [], "line_nearest": [], "knn": []}
    same_as_networkx = 0
    for i, (a, b) in enumerate(pairs):
        t = time.perf_counter()
        path = line_path(X, a, b, length=args.length, songs=ds.songs, index=index)
        times["line"].append(time.perf_counter() - t)
        results["line"].append(figures(X, path, labels, a, b))
        t = time.perf_counter()
        path = line_path(X, a, b, length=args.length, songs=ds.songs, index=index, smooth=0.0)
        times["line_nearest"].append(time.perf_counter() - t)
        results["line_nearest"].append(figures(X, path, labels, a, b))
        t = time.perf_counter()
        path = knn_path(X, a, b, k=args.k)
        times["knn"].append(time.perf_counter() - t)
        if path:
            results["knn"].append(figures(X, path, labels, a, b))
        if i < 20:  # the reference: networkx's Dijkstra on the same graph
            ref = networkx_path(X, a, b, args.k)
            same_as_networkx += int(ref == path)
    out = {
        "dataset": args.dataset,
        "kind": args.kind,
        "tracks": ds.n_tracks,
        "pairs": len(pairs),
        "knn_k": args.k,
        "knn_connected": len(results["knn"]),
        "knn_equal_to_networkx": f"{same_as_networkx}/{min(20, len(pairs))}",
    }
    for method, rows in results.items():
        for key in rows[0]:
            out[f"{method}_{key}_median"] = round(statistics.median(r[key] for r in rows), 4)
        out[f"{method}_ms_median"] = round(1000 * statistics.median(times[method]), 3)
    out["knn_length_range"] = [
        min(r["length"] for r in results["knn"]),
        max(r["length"] for r in results["knn"]),
    ]
    emit("paths", out)


if __name__ == "__main__":
    main()
