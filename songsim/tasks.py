"""Many small tasks, their results in order: here, in local worker processes, or on a cluster.

Decoding a library's files and embedding its tracks are each a long list of small independent
tasks. :func:`ordered_map` runs them in this process, in ``n_jobs`` local processes (joblib), or
on a Dask cluster (a ``dask.distributed.Client``, see :mod:`songsim.distributed`), and yields the
results in order while keeping only a bounded window of them in flight, so memory follows the
window, not the library.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator


def default_jobs() -> int:
    """Worker processes for decoding: the usable CPU cores, at most 8."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(8, cores or 1))


def ordered_map(
    fn: Callable, args: Iterable[tuple], *, client=None, n_jobs: int | None = None
) -> Iterator:
    """``fn(*a)`` for each ``a`` of ``args`` (made as they are needed when a generator), yielded
    in order: on the cluster of ``client`` when given, else in ``n_jobs`` local processes
    (default :func:`default_jobs`; 1 runs here)."""
    if client is not None:
        return map_in_order(client, fn, args)
    n_jobs = n_jobs or default_jobs()
    if n_jobs > 1:
        from joblib import Parallel, delayed

        jobs = (delayed(fn)(*a) for a in args)
        return Parallel(n_jobs=n_jobs, return_as="generator", batch_size=1)(jobs)
    return (fn(*a) for a in args)


def map_in_order(client, fn: Callable, args: Iterable[tuple], *, window: int = 64) -> Iterator:
    """``fn(*a)`` for each of ``args`` as tasks on ``client``'s cluster, yielded in order, with
    at most ``window`` tasks in flight (the results of a library never pile up here)."""
    pending: deque = deque()
    items = iter(args)
    for a in items:
        pending.append(client.submit(fn, *a, pure=False))
        if len(pending) >= window:
            break
    while pending:
        future = pending.popleft()
        yield future.result()
        future.release()
        nxt = next(items, None)
        if nxt is not None:
            pending.append(client.submit(fn, *nxt, pure=False))
