"""Million-Playlist scale: reading a folder of MPD slices into songsim's coded playlist table.

Data: synthetic Million Playlist Dataset slices written to disk as the real ones are laid out
(``data/mpd.slice.<a>-<b>.json``, 1,000 playlists each, every MPD track field present), with
playlists of 5–250 songs (mean ≈ 67, log-normal) drawing songs by Zipf popularity (exponent 1)
from ``--tracks`` tracks (the MPD has 2,262,292) and artists from 295,860.

In a fresh process: ``read_playlist_files(folder)`` (the CLI's ``--playlists DIR``) → the coded
table: time, peak RSS, bytes per entry. Reference in the same run: the first ``--reference``
slices read by the same readers and joined as a plain string table with ``pd.concat`` (what
the table cost before codes), bytes per entry. With ``--graph`` the song graph
(``min_playlists=10``) is built from the table in the same process, and communities found
(leading eigenvector) when ``--communities`` is given too. ``--estimate-edges`` computes the
rows of ``BᵀB`` for 3,000 songs drawn uniformly from those in 10 playlists or more and scales
their mean up: the size of the graph without building it. ``--blocks DIR`` writes ``BᵀB``
(``min_playlists=10``) as Parquet row blocks from a local Dask cluster of 2 workers
(:func:`songsim.distributed.write_graph_blocks`): time, size on disk, peak RSS of all
processes. ``--incidence`` holds the graph as its playlist incidence
(:func:`songsim.analysis.graph.incidence_graph`) and finds its leading-eigenvector communities
on the operator ``BᵀB − D`` (``--count-edges`` also counts its edges exactly); with ``--graph
--communities`` too, igraph's partition of the held graph is compared with it (ARI).

Usage: python bench/bench_playlist_table.py [--playlists 1000000] [--tracks 2260000]
       [--dir DIR] [--graph] [--communities] [--estimate-edges] [--blocks DIR]
       [--incidence] [--count-edges]
"""

import argparse
import json
import multiprocessing as mp
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import emit, peak_rss_mb

SLICE = 1000
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def spotify_id(i: int) -> str:
    out = []
    for _ in range(22):
        i, r = divmod(i, 62)
        out.append(BASE62[r])
    return "".join(reversed(out))


def write_slices(folder: Path, n_playlists: int, n_tracks: int, seed: int = 0) -> int:
    """Write the slices; returns the number of entries."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, n_tracks + 1)
    cdf = np.cumsum(p / p.sum())
    ids: dict[int, str] = {}
    entries = 0
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, n_playlists, SLICE):
        n = min(SLICE, n_playlists - start)
        lengths = np.clip(np.round(rng.lognormal(np.log(52), 0.75, n)), 5, 250).astype(int)
        songs = np.searchsorted(cdf, rng.random(lengths.sum()))
        playlists, at = [], 0
        for k, length in enumerate(lengths):
            tracks = []
            for pos, t in enumerate(songs[at : at + length].tolist()):
                uri = ids.get(t) or ids.setdefault(t, spotify_id(t * 7919 + 17))
                tracks.append(
                    {
                        "pos": pos,
                        "artist_name": f"Artist {t % 295_860}",
                        "track_uri": f"spotify:track:{uri}",
                        "artist_uri": f"spotify:artist:{t % 295_860}",
                        "track_name": f"Song {t}",
                        "album_uri": f"spotify:album:{t // 9}",
                        "duration_ms": 180_000 + t % 60_000,
                        "album_name": f"Album {t // 9}",
                    }
                )
            at += length
            pid = start + k
            playlists.append(
                {
                    "name": f"mix {pid % 17_381}",
                    "collaborative": "false",
                    "pid": pid,
                    "modified_at": 1_500_000_000,
                    "num_tracks": len(tracks),
                    "tracks": tracks,
                }
            )
        entries += int(lengths.sum())
        info = {"slice": f"{start}-{start + n - 1}", "version": "v1"}
        path = folder / f"mpd.slice.{start}-{start + n - 1}.json"
        path.write_text(json.dumps({"info": info, "playlists": playlists}))
    return entries


class TreeMemory:
    """Peak summed RSS of this process and its children (the cluster's workers), sampled
    every 0.2 s while the ``with`` block runs."""

    def __enter__(self):
        import threading

        import psutil

        self.peak_mb, self._stop = 0.0, threading.Event()
        me = psutil.Process()

        def sample():
            while not self._stop.is_set():
                procs = [me, *me.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak_mb = max(self.peak_mb, total / 2**20)
                self._stop.wait(0.2)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _measure(args, queue):
    import pandas as pd

    from songsim.data.ingest import read_playlist_files
    from songsim.io.playlists import read_playlists
    from songsim.io.table import TEXT_COLUMNS

    folder = Path(args["dir"])
    slices = sorted(folder.glob("*.json"))[: args["reference"]]
    plain = pd.concat(
        [
            read_playlists(p).astype({c: str for c in TEXT_COLUMNS}).astype({"position": "int64"})
            for p in slices
        ],
        ignore_index=True,
    )
    plain_bytes = plain.memory_usage(deep=True).sum() / len(plain)
    del plain
    base = peak_rss_mb()
    t = time.perf_counter()
    table = read_playlist_files([folder])
    out = {
        "read_seconds": time.perf_counter() - t,
        "read_peak_rss_mb": peak_rss_mb(),
        "rss_before_read_mb": base,
        "entries": int(len(table)),
        "playlists": int(table["playlist_id"].nunique()),
        "tracks": int(len(table["track_id"].cat.categories)),
        "coded_bytes_per_entry": float(table.memory_usage(deep=True).sum() / len(table)),
        "string_bytes_per_entry": float(plain_bytes),
        "string_reference_slices": len(slices),
    }
    if args["estimate_edges"]:  # rows of BᵀB for a uniform sample of songs → edges expected
        from songsim.analysis.graph import song_incidence

        t = time.perf_counter()
        ids = table["track_id"].cat.categories
        B, Bt, candidates = song_incidence(table, ids, min_playlists=10)
        rng = np.random.default_rng(0)
        sample = rng.choice(len(candidates), min(3000, len(candidates)), replace=False)
        per_row = np.diff((Bt[sample] @ B).indptr) - 1  # less the diagonal
        out |= {
            "candidates_min_playlists_10": len(candidates),
            "estimated_edges_min_playlists_10": float(per_row.mean() * len(candidates) / 2),
            "estimate_sample_rows": len(sample),
            "estimate_seconds": time.perf_counter() - t,
        }
        del B, Bt
    if args["blocks"]:  # the Dask path: BᵀB as Parquet row blocks written by 2 local workers
        from songsim.analysis.graph import song_incidence
        from songsim.distributed import cluster, write_graph_blocks

        ids = table["track_id"].cat.categories
        B, Bt, candidates = song_incidence(table, ids, min_playlists=10)
        with cluster("local:2") as client, TreeMemory() as tree:
            t = time.perf_counter()
            edges = write_graph_blocks(B, Bt, Path(args["blocks"]), client=client)
            seconds = time.perf_counter() - t
        files = list(Path(args["blocks"]).glob("rows-*.parquet"))
        out |= {
            "blocks_seconds": seconds,
            "blocks": len(files),
            "blocks_gb": sum(f.stat().st_size for f in files) / 1e9,
            "blocks_directed_edges": edges,
            "blocks_peak_rss_all_processes_mb": tree.peak_mb,
        }
    if args["incidence"]:  # the graph held as its incidence, communities on A = BᵀB − D
        from songsim.analysis.communities import detect
        from songsim.analysis.graph import incidence_graph

        ids = table["track_id"].cat.categories
        t = time.perf_counter()
        ig_ = incidence_graph(table, ids, min_playlists=10)
        out |= {
            "incidence_graph_seconds": time.perf_counter() - t,
            "incidence_nodes": ig_.n_nodes,
            "incidence_candidates": ig_.n_candidates,
        }
        if not args["graph"]:
            del table
        t = time.perf_counter()
        result = detect(ig_)
        out |= {
            "incidence_communities_seconds": time.perf_counter() - t,
            "incidence_communities": result.n_communities,
            "incidence_community_sizes": result.sizes[:12],
            "incidence_modularity": result.modularity,
            "incidence_peak_rss_mb": peak_rss_mb(),
        }
        if args["count_edges"]:
            t = time.perf_counter()
            out |= {
                "incidence_edges": ig_.count_edges(),
                "count_edges_seconds": time.perf_counter() - t,
            }
        incidence_membership = result.membership
        out["peak_rss_mb_so_far"] = peak_rss_mb()
    if args["graph"]:
        from songsim.analysis.graph import build_graph

        t = time.perf_counter()
        g = build_graph(table, table["track_id"].cat.categories, min_playlists=10)
        out |= {
            "graph_seconds": time.perf_counter() - t,
            "graph_peak_rss_mb": peak_rss_mb(),
            "nodes": g.n_nodes,
            "edges": g.n_edges,
        }
        if args["communities"]:
            from songsim.analysis.communities import detect

            del table
            t = time.perf_counter()
            result = detect(g)
            out |= {
                "communities_seconds": time.perf_counter() - t,
                "communities": result.n_communities,
                "modularity": result.modularity,
                "communities_peak_rss_mb": peak_rss_mb(),
            }
            if args["incidence"]:  # igraph on the held graph against the operator, same songs
                from sklearn.metrics import adjusted_rand_score

                assert np.array_equal(g.nodes, ig_.nodes)
                out["ari_igraph_vs_incidence"] = adjusted_rand_score(
                    result.membership, incidence_membership
                )
    queue.put(out)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--playlists", type=int, default=1_000_000)
    ap.add_argument("--tracks", type=int, default=2_260_000)
    ap.add_argument("--dir", help="where the slices go (default: a temporary folder, removed)")
    ap.add_argument("--reference", type=int, default=20, help="slices in the string reference")
    ap.add_argument("--graph", action="store_true", help="also build the song graph")
    ap.add_argument("--communities", action="store_true", help="and its communities")
    ap.add_argument(
        "--incidence",
        action="store_true",
        help="the graph (min_playlists=10) held as its incidence, and its communities",
    )
    ap.add_argument("--count-edges", action="store_true", help="with --incidence: count edges")
    ap.add_argument(
        "--blocks",
        metavar="DIR",
        help="write BᵀB (min_playlists=10) as Parquet row blocks here on a local 2-worker cluster",
    )
    ap.add_argument(
        "--estimate-edges",
        action="store_true",
        help="estimate the graph's edges (min_playlists=10) from 3,000 sampled rows of BᵀB",
    )
    args = ap.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="songsim-mpd-"))
    try:
        t = time.perf_counter()
        existing = sorted(folder.glob("*.json"))
        if len(existing) * SLICE != args.playlists:
            shutil.rmtree(folder, ignore_errors=True)
            write_slices(folder, args.playlists, args.tracks)
        write_seconds = time.perf_counter() - t
        disk = sum(p.stat().st_size for p in folder.glob("*.json"))
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        job = {
            "dir": str(folder),
            "reference": args.reference,
            "graph": args.graph,
            "communities": args.communities,
            "estimate_edges": args.estimate_edges,
            "blocks": args.blocks,
            "incidence": args.incidence,
            "count_edges": args.count_edges,
        }
        proc = ctx.Process(target=_measure, args=(job, q))
        proc.start()
        figures = q.get()
        proc.join()
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    emit(
        "playlist_table",
        {
            "n_playlists": args.playlists,
            "n_tracks_drawn_from": args.tracks,
            "slice_files": -(-args.playlists // SLICE),
            "json_gb": disk / 1e9,
            "write_seconds": write_seconds,
            **figures,
        },
    )


if __name__ == "__main__":
    main()
