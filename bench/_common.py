"""Helpers shared by the benchmark scripts: timing, peak memory, JSON output."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def median_time(fn, repeats: int = 3) -> tuple[float, object]:
    """Median wall time in seconds of ``fn()`` over ``repeats`` runs, and its last result."""
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_mb() -> float:
    """Resident memory of this process now, in MB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def kept_mb(fn) -> tuple[object, float]:
    """``(fn(), MB it left resident)``: the growth once garbage is collected and the freed memory
    handed back to the system (:func:`songsim.heap.trim`), so only what ``fn``'s result holds."""
    import gc

    from songsim import heap

    gc.collect()
    heap.trim()
    before = resident_mb()
    out = fn()
    gc.collect()
    heap.trim()
    return out, resident_mb() - before


def machine() -> dict:
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def emit(name: str, figures: dict) -> None:
    """Print the benchmark's one JSON line."""
    print(json.dumps({"bench": name, **figures, "machine": machine()}, default=float))


def label_scores(tracks, labels, *, seeds: int = 3) -> dict:
    """Scores of track vectors ``(n_tracks, d)`` against ``labels``: k-means AMI (k = number of
    labels, mean over ``seeds`` k-means seeds) and precision@10 (cosine)."""
    from songsim.analysis.evaluation import label_agreement

    s = label_agreement(tracks, labels, seeds=range(seeds))
    return {
        "dim": int(tracks.shape[1]),
        "ami": round(s["ami_mean"], 4),
        "precision_at_10": round(s["precision_at_10"], 4),
    }
