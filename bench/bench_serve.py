"""``songsim serve`` under load: p50 / p99 latency of ``/api/similar_tracks`` (n = 10) and
``/api/find_path`` (12 songs) from concurrent clients over real HTTP, and the service's memory.

For each dataset (the libraries of ``bench_library.py``: lib3000, lib30000, png100000) a
``songsim serve`` process is started on a free port; ``--clients`` threads, each with its own
keep-alive connection, send requests for random songs for ``--seconds`` per endpoint; the
service's resident memory (VmRSS, VmHWM from /proc) is read after the load, beside the size of
the HNSW index file it maps. The reference in the same run: the same similar-songs queries in
this process by exact search (NumPy over every vector) — their answers against the service's
(recall@10) and their time.

    python bench/bench_serve.py --cache /tmp/lib/cache --datasets lib3000 lib30000 png100000

Prints one JSON line per dataset.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np
from _common import emit

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_memory_mb(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    return out


def load(port: int, paths: list[str], clients: int, seconds: float) -> list[float]:
    """Milliseconds of each request sent by ``clients`` threads for ``seconds``."""
    times: list[float] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client(k: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, i = [], k
        while time.monotonic() < end:
            t = time.perf_counter()
            conn.request("GET", paths[i % len(paths)])
            r = conn.getresponse()
            r.read()
            mine.append((time.perf_counter() - t) * 1000)
            assert r.status == 200, r.status
            i += clients
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def bench(name: str, cache: Path, args) -> dict:
    from songsim.analysis.index import VectorIndex, content_keys
    from songsim.analysis.similar import nearest
    from songsim.data.store import load_dataset
    from songsim.embeddings import embed
    from songsim.embeddings.search import index_folder

    ds = load_dataset(name)
    emb = embed(ds, args.kind, train_if_missing=False)
    port = free_port()
    env = {**os.environ, "SONGSIM_CACHE": str(cache)}
    t = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "songsim",
            "serve",
            name,
            "--kind",
            args.kind,
            "--no-token",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out = {"dataset": name, "tracks": ds.n_tracks, "songs": int(len(np.unique(ds.songs)))}
    try:
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/health")
                health = json.loads(conn.getresponse().read())
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read()) from None
                time.sleep(0.2)
        out["start_s"] = round(time.perf_counter() - t, 2)
        out["index"] = "exact" if health["tracks"] < 20000 else "hnsw"
        out["memory_after_start_mb"] = proc_memory_mb(proc.pid)
        rng = np.random.default_rng(0)
        firsts = np.unique(ds.songs)
        queries = rng.choice(firsts, min(args.queries, len(firsts)), replace=False)
        ids = ds.tracks["track_id"].astype(str).to_numpy()
        q = urllib.parse.quote
        similar = [f"/api/similar_tracks?item_id={q(ids[r])}&n=10" for r in queries]
        ends = rng.permutation(queries)
        paths = [
            f"/api/find_path?start_song_id={q(ids[a])}&end_song_id={q(ids[b])}&max_steps=12"
            for a, b in zip(queries, ends)
            if ds.songs[a] != ds.songs[b]
        ]
        load(port, similar[:20] + paths[:5], args.clients, 2.0)  # warm up
        for label, requests in (("similar_tracks", similar), ("find_path", paths)):
            times = load(port, requests, args.clients, args.seconds)
            out[f"{label}_requests"] = len(times)
            out[f"{label}_per_s"] = round(len(times) / args.seconds, 1)
            out[f"{label}_ms_p50"] = round(statistics.median(times), 2)
            out[f"{label}_ms_p99"] = round(float(np.percentile(times, 99)), 2)
        out["memory_after_load_mb"] = proc_memory_mb(proc.pid)
        graphs = list(index_folder(ds).glob(f"{args.kind}-*.usearch"))
        out["index_file_mb"] = round(max((g.stat().st_size for g in graphs), default=0) / 2**20, 1)
        # the reference: exact search here, and the service's answers against it
        exact = VectorIndex(emb.track, content_keys(ds.tracks["clips_hash"]), exact=True)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        hits, exact_ms = [], []
        for row in queries[: args.check]:
            conn.request("GET", f"/api/similar_tracks?item_id={q(ids[row])}&n=10")
            served = json.loads(conn.getresponse().read())
            t = time.perf_counter()
            want, sims = nearest(emb.track, int(row), n=10, songs=ds.songs, index=exact)
            exact_ms.append((time.perf_counter() - t) * 1000)
            got = 1 - 2 * np.array([s["distance"] for s in served])  # back to cosine similarity
            hits.append(float((got >= sims.min() - 1e-4).sum()) / max(len(sims), 1))
        out["recall_at_10_vs_exact"] = round(float(np.mean(hits)), 4)
        out["exact_search_here_ms_p50"] = round(statistics.median(exact_ms), 2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cache", type=Path, required=True)
    p.add_argument("--datasets", nargs="+", required=True)
    p.add_argument("--kind", default="contrastive")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--check", type=int, default=200, help="queries checked against exact search")
    args = p.parse_args()
    os.environ["SONGSIM_CACHE"] = str(args.cache)
    for name in args.datasets:
        emit("serve", {**bench(name, args.cache, args), "clients": args.clients})


if __name__ == "__main__":
    main()
