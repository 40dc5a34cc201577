"""The heavy steps on a Dask cluster, for catalogues that outgrow one machine.

Three steps are spread over a cluster's workers, each giving exactly what the single-machine path
gives (tested on a local cluster of 2 workers):

* audio ingest: one task per file to decode (``catalog.ingest(..., client=…)``, ``songsim
  ingest --scheduler``); the workers must see the audio folder at the same path (a shared file
  system), and the clips come back here to be written into the dataset's shards;
* embeddings: one task per batch of tracks (``songsim embed --scheduler``), the workers reading
  the clips from the dataset's shards (the cache at the same path) and the model's checkpoint;
* the song graph: ``BᵀB`` in row blocks, one task per block, each written by its worker as a
  Parquet file of edges (:func:`write_graph_blocks`, ``songsim graph --edges DIR --cluster``),
  then read back into the graph (:func:`read_graph_blocks`); :func:`build_graph_blocks` does both.

Without a cluster nothing here is needed: the in-memory path (:func:`songsim.analysis.graph.
build_graph`, joblib for audio) is the default. A cluster is named by the address of its
scheduler (``tcp://host:8786``) or ``local:N`` for N worker processes on this machine. Dask moves
data between its processes with pickle, so use only a scheduler you run yourself.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .analysis.graph import (
    SongGraph,
    block_edges,
    check_filters,
    csr_from_rows,
    largest_component,
    row_blocks,
    song_incidence,
)
from .errors import SongsimError
from .progress import Callback, track

BLOCK_NAME = "rows-{a:010d}-{b:010d}.parquet"
_BLOCK_RE = re.compile(r"rows-(\d{10})-(\d{10})\.parquet")


@contextlib.contextmanager
def cluster(address: str) -> Iterator:
    """A ``dask.distributed.Client`` for ``address`` (closed on exit): ``local:N`` starts N
    single-threaded worker processes here; anything else is a running scheduler's address."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SongsimError(
            "a cluster needs dask.distributed (pip install -r requirements.txt)"
        ) from None
    local = re.fullmatch(r"local:(\d+)", address)
    if local:
        n = int(local.group(1))
        if n < 1:
            raise SongsimError(f"{address}: a local cluster needs at least 1 worker")
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            ) as lc,
            Client(lc) as client,
        ):
            yield client
        return
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise SongsimError(f"{address}: cannot reach a Dask scheduler ({exc})") from None
    with client:
        yield client


def _write_block(Bt_rows, B, a: int, b: int, min_weight: int, path: str) -> int:
    """Worker task: rows ``a…b-1`` of ``BᵀB`` as a Parquet file ``source, target, weight``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source, target, weight = block_edges(Bt_rows, B, a, min_weight=min_weight)
    table = pa.table({"source": source, "target": target, "weight": weight})
    tmp = Path(path).with_suffix(".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)  # a reader never sees half a block
    return len(source)


def write_graph_blocks(
    B: sp.csr_matrix,
    Bt: sp.csr_matrix,
    out: Path,
    *,
    client=None,
    min_weight: int = 1,
    block_products: int | None = None,
    progress: Callback | None = None,
) -> int:
    """Write ``BᵀB`` (``B`` from :func:`~songsim.analysis.graph.song_incidence`) as Parquet row
    blocks under ``out``: ``rows-<first>-<end>.parquet``, int32 ``source, target, weight``,
    both directions, diagonal and weights below ``min_weight`` dropped. Earlier blocks there are
    removed first. With ``client`` each block is a task on its cluster (``out`` must be shared
    with the workers); without, the blocks are written here one after another.

    Returns the number of (directed) edges written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("rows-*.parquet"):
        old.unlink()
    blocks = row_blocks(B, Bt, block_products)
    paths = [str(out / BLOCK_NAME.format(a=a, b=b)) for a, b in blocks]
    if client is None:
        done = (_write_block(Bt[a:b], B, a, b, min_weight, p) for (a, b), p in zip(blocks, paths))
    else:
        from dask.distributed import as_completed

        [shared] = client.scatter([B], broadcast=True)
        futures = [
            client.submit(_write_block, Bt[a:b], shared, a, b, min_weight, p, pure=False)
            for (a, b), p in zip(blocks, paths)
        ]
        done = (f.result() for f in as_completed(futures))
    return int(sum(track(done, len(blocks), "graph blocks", progress)))


def read_graph_blocks(out: Path, n_songs: int) -> sp.csr_matrix:
    """The co-occurrence matrix ``(n_songs, n_songs)`` (CSR, int32) from the row blocks under
    ``out``; an error when the blocks do not cover rows ``0…n_songs-1`` once, in order."""
    import pyarrow.parquet as pq

    files = sorted(f for f in Path(out).glob("rows-*.parquet") if _BLOCK_RE.fullmatch(f.name))
    spans = [tuple(map(int, _BLOCK_RE.fullmatch(f.name).groups())) for f in files]
    ends = [0] + [b for _, b in spans]
    if [a for a, _ in spans] != ends[:-1] or ends[-1] != n_songs:
        raise SongsimError(f"{out}: the graph's row blocks are incomplete (a run was cut short?)")
    counts, targets, weights = [], [], []
    for f, (a, b) in zip(files, spans):
        table = pq.read_table(f)
        source = table["source"].to_numpy()
        counts.append(np.bincount(source - a, minlength=b - a))
        targets.append(table["target"].to_numpy())
        weights.append(table["weight"].to_numpy())
    return csr_from_rows(counts, targets, weights, n_songs)


def build_graph_blocks(
    playlists: pd.DataFrame,
    track_ids: Sequence[str],
    out: Path,
    *,
    client=None,
    min_playlists: int = 1,
    min_weight: int = 1,
    block_products: int | None = None,
    progress: Callback | None = None,
) -> SongGraph:
    """:func:`~songsim.analysis.graph.build_graph` through Parquet row blocks under ``out``
    (written on the cluster of ``client`` when given): the same graph, with its edges on disk."""
    check_filters(min_playlists, min_weight)
    B, Bt, candidates = song_incidence(playlists, track_ids, min_playlists=min_playlists)
    write_graph_blocks(
        B,
        Bt,
        out,
        client=client,
        min_weight=min_weight,
        block_products=block_products,
        progress=progress,
    )
    W = read_graph_blocks(Path(out), len(candidates))
    return largest_component(W, B, Bt, candidates, min_playlists, min_weight)
