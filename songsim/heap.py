"""Memory a thread freed, handed back to the system when its work ends.

The dashboard's server is one long-lived process whose script runs (a thread a session's run) and
background tasks (:class:`songsim.progress.BackgroundTask`) each allocate and free hundreds of
megabytes on a large library — a k sweep's distance blocks, a t-SNE's neighbours, the pickled
step results. glibc keeps what a thread frees in that thread's own heap (an *arena*) for its next
allocations, so the process's resident memory grows towards the sum of every thread's largest
run, not the most any run holds. ``malloc_trim(0)`` returns the free pages of every arena to the
system. Elsewhere than glibc (macOS, musl) it is a no-op. Arrow (Parquet tables) allocates from a
pool of its own (mimalloc), which keeps what it freed the same way: it is asked to release it too
(56 MB of a 100,000-track table read, in ``songsim serve``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError, TypeError):  # not glibc: no malloc_trim
        return None
    return libc


def trim() -> bool:
    """Hand the C heap's free pages back to the system; True when some memory was released."""
    import sys

    if "pyarrow" in sys.modules:  # only when something read a table: importing it costs 20 MB
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
