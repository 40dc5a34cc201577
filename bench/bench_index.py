"""Which vector index finds similar songs: recall@10 and latency of every candidate against exact
search, on real vectors.

The points are the contrastive encoder's vectors of distinct 5-s windows of real music (the
clip vectors of one or more datasets, e.g. the pre-training and evaluation corpora ingested
with 64 clips a track at two phases of the clip grid: about 100,000 windows). Every
candidate indexes the same unit vectors by cosine similarity; queries are points of the set
(themselves left out). Exact search is NumPy's (float32 dot products, argpartition), which is
also the reference of recall.

    python bench/bench_index.py --datasets win-pre-a win-pre-b win-real-a win-real-b --n 100000

Candidates missing from the environment are skipped (``pip install faiss-cpu hnswlib voyager``
for all of them; usearch is songsim's). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import emit


def load_points(datasets: list[str], kind: str, n: int, seed: int) -> np.ndarray:
    from songsim.data.store import load_dataset
    from songsim.embeddings import embed

    parts = [embed(load_dataset(d), kind, train_if_missing=False).clip for d in datasets]
    X = np.concatenate(parts).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True) + 1e-12
    if n < len(X):
        X = X[np.sort(np.random.default_rng(seed).choice(len(X), n, replace=False))]
    return np.ascontiguousarray(X)


def exact(X: np.ndarray, Q: np.ndarray, k: int) -> np.ndarray:
    out = np.empty((len(Q), k), np.int64)
    for i in range(0, len(Q), 256):
        S = Q[i : i + 256] @ X.T
        top = np.argpartition(-S, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(S, top, 1), axis=1)
        out[i : i + 256] = np.take_along_axis(top, order, 1)
    return out


def recall(found, Q: np.ndarray, X: np.ndarray, truth: np.ndarray) -> float:
    """Recall@10 that counts ties: a found point is right when it is as similar to the query as
    the tenth nearest (real music repeats itself: some windows are identical, so "the" ten
    nearest are not unique; a set comparison would score exact search itself below 1)."""
    out = []
    for f, q, t in zip(found, Q, truth):
        tenth = float(X[t[-1]] @ q) - 1e-5
        sims = X[np.asarray(f[:10], dtype=np.int64)] @ q
        out.append(float((sims >= tenth).sum()) / len(t))
    return float(np.mean(out))


def timed_single(search, Q: np.ndarray) -> tuple[np.ndarray, list[float]]:
    out, times = [], []
    for q in Q:
        t = time.perf_counter()
        out.append(search(q))
        times.append((time.perf_counter() - t) * 1000)
    return np.array(out), times


COLD = {
    "usearch-f32": "from usearch.index import Index\ni = Index.restore(PATH, view=True)\nr = i.search(q, 10).keys",
    "faiss-hnsw": "import faiss\ni = faiss.read_index(PATH)\nr = i.search(q[None, :], 10)[1]",
    "hnswlib": "import hnswlib\ni = hnswlib.Index(space='ip', dim=q.size)\ni.load_index(PATH)\nr = i.knn_query(q, k=10)",
    "voyager": "import voyager\ni = voyager.Index.load(PATH)\nr = i.query(q, k=10)",
}


def save(name: str, index, path: str) -> bool:
    """Write a built index to ``path`` (False for a candidate that is not stored)."""
    if name == "usearch-f32":
        index.save(path)
    elif name == "faiss-hnsw":
        import faiss

        faiss.write_index(index, path)
    elif name == "hnswlib":
        index.save_index(path)
    elif name == "voyager":
        index.save(path)
    else:
        return False
    return True


def cold_query(name: str, path: str, q: np.ndarray) -> dict:
    """Seconds (after NumPy's import) and peak RSS (VmHWM: the process's own, not inherited
    from the parent it was forked from) of a fresh process that opens a saved index and answers
    one query."""
    import os
    import subprocess
    import sys

    np.save(path + ".q.npy", q)
    code = (
        "import time, numpy as np\nt = time.perf_counter()\n"
        f"PATH = {path!r}\nq = np.load(PATH + '.q.npy')\n{COLD[name]}\n"
        "hwm = next(x for x in open('/proc/self/status') if x.startswith('VmHWM'))\n"
        "print(time.perf_counter() - t, int(hwm.split()[1]) / 1024)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    seconds, mb = (float(x) for x in r.stdout.split())
    return {"cold_open_and_query_s": round(seconds, 3), "cold_peak_rss_mb": round(mb, 1)}


def candidates(X: np.ndarray, M: int, ef_construction: int):
    """``name -> (build() -> (index, bytes), search(index, ef) -> fn(q) -> ids)``."""
    d = X.shape[1]
    ids = np.arange(len(X))
    out = {}

    def numpy_exact():
        def build():
            return X, X.nbytes

        def search(index, ef):
            return lambda q: np.argsort(-(index @ q))[:11]

        return build, search

    out["numpy-exact"] = numpy_exact()
    try:
        from usearch.index import Index

        for dtype in ("f32", "f16", "i8"):

            def build(dtype=dtype):
                index = Index(
                    ndim=d,
                    metric="cos",
                    dtype=dtype,
                    connectivity=M,
                    expansion_add=ef_construction,
                )
                index.add(ids, X, threads=2)
                return index, index.memory_usage

            def search(index, ef):
                index.expansion_search = ef
                return lambda q: index.search(q, 11, threads=1).keys

            out[f"usearch-{dtype}"] = (build, search)
    except ImportError:
        pass
    try:
        import faiss

        def build():
            faiss.omp_set_num_threads(2)
            index = faiss.IndexHNSWFlat(d, M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            index.add(X)
            return index, int(faiss.serialize_index(index).nbytes)

        def search(index, ef):
            faiss.omp_set_num_threads(1)
            index.hnsw.efSearch = ef
            return lambda q: index.search(q[None, :], 11)[1][0]

        out["faiss-hnsw"] = (build, search)
    except ImportError:
        pass
    try:
        import hnswlib

        def build():
            index = hnswlib.Index(space="ip", dim=d)
            index.init_index(max_elements=len(X), ef_construction=ef_construction, M=M)
            index.set_num_threads(2)
            index.add_items(X, ids)
            return index, index.index_file_size()

        def search(index, ef):
            index.set_ef(ef)
            index.set_num_threads(1)
            return lambda q: index.knn_query(q, k=11)[0][0]

        out["hnswlib"] = (build, search)
    except ImportError:
        pass
    try:
        import voyager

        def build():
            index = voyager.Index(
                voyager.Space.Cosine, num_dimensions=d, M=M, ef_construction=ef_construction
            )
            index.add_items(X, ids, num_threads=2)
            return index, len(index.as_bytes())

        def search(index, ef):
            return lambda q: index.query(q, k=11, query_ef=ef)[0]

        out["voyager"] = (build, search)
    except ImportError:
        pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", required=True)
    ap.add_argument("--kind", default="contrastive")
    ap.add_argument("--n", type=int, default=100_000, help="points indexed")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--M", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=128)
    ap.add_argument("--ef", type=int, nargs="+", default=[32, 64, 128])
    ap.add_argument("--only", nargs="*", help="candidates to run (default all)")
    args = ap.parse_args()
    X = load_points(args.datasets, args.kind, args.n, 0)
    rng = np.random.default_rng(1)
    qi = rng.choice(len(X), args.queries, replace=False)
    Q = X[qi]
    truth = exact(X, Q, 11)[:, 1:]  # the query itself first
    results = {
        "n": len(X),
        "d": X.shape[1],
        "queries": len(Q),
        "M": args.M,
        "ef_construction": args.ef_construction,
        "candidates": {},
    }
    for name, (build, search) in candidates(X, args.M, args.ef_construction).items():
        if args.only and name not in args.only:
            continue
        t = time.perf_counter()
        index, size = build()
        built = time.perf_counter() - t
        runs = {}
        for ef in args.ef if name != "numpy-exact" else [0]:
            fn = search(index, ef)
            fn(Q[0])  # warm
            found, times = timed_single(fn, Q)
            found = [[i for i in row if i != q][:10] for row, q in zip(found, qi)]
            runs[str(ef)] = {
                "recall_at_10": round(recall(found, Q, X, truth), 4),
                "ms_p50": round(float(np.median(times)), 3),
                "ms_p95": round(float(np.percentile(times, 95)), 3),
            }
        results["candidates"][name] = {"build_s": round(built, 2), "bytes": int(size), "runs": runs}
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = f"{tmp}/index"
            if name in COLD and save(name, index, path):
                results["candidates"][name].update(cold_query(name, path, Q[0]))
        del index
    emit("vector_index", results)


if __name__ == "__main__":
    main()
