"""The vector index of a dataset's embedding, kept beside its vectors and updated with the library.

``<cache>/embeddings/<dataset>/index/<kind>-<model key>-<vectors key>.usearch`` holds the HNSW
graph of one version's track vectors (:mod:`songsim.analysis.index`; exact search needs none,
below :data:`~songsim.analysis.index.EXACT_BELOW` tracks). Entries are keyed by the tracks'
clips hashes, so copies of one recording are one entry. When the library changes and the
embedding's vectors do not depend on the rest of the library (a model's, not a dataset-standardised
kind's), the newest graph of the same model is updated — gone tracks removed, new ones added —
instead of built again. The latest :data:`KEEP` graphs of a kind are kept.

Each graph is written with its SHA-256 beside it (``….usearch.sha256``) and checked when opened:
a truncated, damaged or swapped file (another graph over the same keys answers wrong songs) is
built again, with a warning, or — without ``build`` — passed over for exact search.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from ..analysis.index import VectorIndex, build_graph, content_keys, update_graph
from ..config import cache_dir
from ..data.datasets import Dataset
from ..storage import check_name, sha256_file, writer_lock
from .kinds import Embedding

KEEP = 2
log = logging.getLogger("songsim")


def index_folder(ds: Dataset) -> Path:
    return cache_dir() / "embeddings" / check_name(ds.name) / "index"


def song_index(ds: Dataset, emb: Embedding, *, build: bool = True) -> VectorIndex:
    """The index of ``emb``'s track vectors of ``ds``: exact for a small library; else the stored
    graph (opened memory-mapped), or — when ``build`` — one updated from this model's newest
    graph or built, then stored. Without ``build`` and a stored graph, search is exact."""
    keys = content_keys(ds.tracks["clips_hash"])
    index = VectorIndex(emb.track, keys)
    if index.exact:
        return index
    folder = index_folder(ds)
    path = folder / f"{emb.kind}-{emb.model_key}-{emb.key}.usearch"
    if path.is_file() and _intact(path):
        return VectorIndex.load(emb.track, keys, path)
    if not build:
        return VectorIndex(emb.track, keys, exact=True)
    folder.mkdir(parents=True, exist_ok=True)
    with writer_lock(folder):
        if path.is_file():  # looked at again under the lock: a writer may have just finished
            if _intact(path):
                return VectorIndex.load(emb.track, keys, path)
            log.warning(
                "%s: the vector index was damaged (checksum mismatch): built again", ds.name
            )
            path.unlink()
        graph = _previous_graph(folder, emb)
        if graph is not None:
            graph = update_graph(graph, index.X, keys)
        else:
            graph = build_graph(index.X, keys)
        tmp = folder / f".{uuid.uuid4().hex[:8]}.tmp"
        graph.save(str(tmp))
        _checksum(path).write_text(sha256_file(tmp))
        tmp.replace(path)
        older = sorted(folder.glob(f"{emb.kind}-*.usearch"), key=lambda p: p.stat().st_mtime)
        for old in older[:-KEEP]:
            old.unlink(missing_ok=True)
            _checksum(old).unlink(missing_ok=True)
    return VectorIndex(emb.track, keys, graph=graph)


def _checksum(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _intact(path: Path) -> bool:
    """Whether the graph at ``path`` is the one written there (its SHA-256 as recorded)."""
    try:
        return _checksum(path).read_text().strip() == sha256_file(path)
    except OSError:
        return False


def _previous_graph(folder: Path, emb: Embedding):
    """The newest stored graph of the same model, loaded in full, when ``emb``'s vectors do not
    change with the library; else None."""
    if emb.model_key is None or emb.transform != "none":
        return None
    same = sorted(
        (p for p in folder.glob(f"{emb.kind}-{emb.model_key}-*.usearch") if _intact(p)),
        key=lambda p: p.stat().st_mtime,
    )
    if not same:
        return None
    from usearch.index import Index

    try:
        return Index.restore(str(same[-1]), view=False)
    except Exception:  # a damaged file: build afresh
        return None
