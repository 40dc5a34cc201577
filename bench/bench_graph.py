"""Song-graph build: songsim's blocked sparse BᵀB against a networkx pairwise build.

Data: a synthetic Million-Playlist-like set — playlists of 5–250 songs (mean ≈ 66, log-normal),
songs drawn with Zipf popularity (exponent 1) from 500,000 tracks, string ids as in the MPD.

1. The full set (default 100,000 playlists) built by songsim, each filter setting in a fresh
   process so its peak memory is its own: time and peak RSS.
2. A 5,000-playlist subset built by songsim and by a networkx loop over the pairs of every
   playlist (``Graph.add_edge`` with weights), same data, same run; the graphs are compared.

Usage: python bench/bench_graph.py [--playlists N] [--tracks N] [--subset N]
"""

import argparse
import itertools
import multiprocessing as mp
import time

import numpy as np
import pandas as pd
from _common import emit, peak_rss_mb


def synthetic_mpd(n_playlists: int, n_tracks: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lengths = np.clip(np.round(rng.lognormal(np.log(52), 0.75, n_playlists)), 5, 250).astype(int)
    p = 1.0 / np.arange(1, n_tracks + 1)
    p /= p.sum()
    tracks = rng.choice(n_tracks, size=lengths.sum(), p=p)
    pids = np.repeat(np.arange(n_playlists), lengths)
    df = pd.DataFrame(
        {"playlist_id": pids.astype(str), "track_id": np.char.add("t", tracks.astype(str))}
    )
    return df


def track_ids(n_tracks: int) -> list[str]:
    return [f"t{i}" for i in range(n_tracks)]


def _songsim_build(args, queue):
    from songsim.analysis.graph import build_graph

    df = synthetic_mpd(args["playlists"], args["tracks"])
    ids = track_ids(args["tracks"])
    base = peak_rss_mb()
    t = time.perf_counter()
    g = build_graph(df, ids, min_playlists=args["min_playlists"])
    seconds = time.perf_counter() - t
    queue.put(
        {
            "min_playlists": args["min_playlists"],
            "seconds": seconds,
            "peak_rss_mb": peak_rss_mb(),
            "data_rss_mb": base,
            "nodes": g.n_nodes,
            "edges": g.n_edges,
            "entries": int(len(df)),
            "mean_length": float(df.groupby("playlist_id").size().mean()),
        }
    )


def networkx_pairwise(df: pd.DataFrame):
    import networkx as nx

    G = nx.Graph()
    for _, songs in df.groupby("playlist_id")["track_id"]:
        for a, b in itertools.combinations(sorted(set(songs)), 2):
            if G.has_edge(a, b):
                G[a][b]["weight"] += 1
            else:
                G.add_edge(a, b, weight=1)
    lcc = max(nx.connected_components(G), key=len)
    return G.subgraph(lcc)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--playlists", type=int, default=100_000)
    ap.add_argument("--tracks", type=int, default=500_000)
    ap.add_argument("--subset", type=int, default=5_000)
    args = ap.parse_args()
    ctx = mp.get_context("spawn")
    full = []
    for min_playlists in (10, 1):
        q = ctx.Queue()
        proc = ctx.Process(
            target=_songsim_build,
            args=(
                {
                    "playlists": args.playlists,
                    "tracks": args.tracks,
                    "min_playlists": min_playlists,
                },
                q,
            ),
        )
        proc.start()
        full.append(q.get())
        proc.join()

    from songsim.analysis.graph import build_graph

    sub = synthetic_mpd(args.subset, args.tracks, seed=1)
    ids = track_ids(args.tracks)
    t = time.perf_counter()
    g = build_graph(sub, ids)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    ref = networkx_pairwise(sub)
    theirs = time.perf_counter() - t
    s, d, w = g.edges()
    same = (
        g.n_nodes == ref.number_of_nodes()
        and g.n_edges == ref.number_of_edges()
        and int(w.sum()) == sum(x for *_, x in ref.edges(data="weight"))
    )
    emit(
        "graph_build",
        {
            "full": full,
            "subset_playlists": args.subset,
            "subset_songsim_s": ours,
            "subset_networkx_s": theirs,
            "speedup_vs_networkx": theirs / ours,
            "subset_graphs_equal": bool(same),
            "subset_edges": g.n_edges,
        },
    )


if __name__ == "__main__":
    main()
