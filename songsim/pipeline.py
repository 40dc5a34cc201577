"""The steps the CLI and the dashboard share, wired once.

Each function takes plain values and returns plain results; the dashboard wraps them in
Streamlit's caches keyed by the dataset fingerprint and the parameters.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from .analysis.graph import IncidenceGraph, SongGraph, build_graph, incidence_graph
from .config import AudioParams
from .data.datasets import Dataset, list_datasets, load_dataset, save_dataset
from .errors import DatasetError, SongsimError
from .progress import Callback

DEMO_NAME = "demo"
log = logging.getLogger("songsim")


def ensure_demo(*, progress: Callback | None = None, rebuild: bool = False) -> Dataset:
    """The demo dataset from the cache, built and saved first when missing or corrupted.

    One build per cache: the build holds a lock file (``datasets/.demo.build.lock``) across
    processes and threads, and a caller that waited for it loads what the other one built.
    """
    from filelock import FileLock

    from .data.datasets import datasets_root
    from .data.demo import build_demo

    if not rebuild and (ds := _cached_demo()) is not None:
        return ds
    datasets_root().mkdir(parents=True, exist_ok=True)
    with FileLock(str(datasets_root() / ".demo.build.lock")):
        if not rebuild and (ds := _cached_demo()) is not None:  # built while we waited
            return ds
        ds = build_demo(progress=progress)
        save_dataset(ds)
    return ds


def _cached_demo() -> Dataset | None:
    if DEMO_NAME in list_datasets():
        try:
            return load_dataset(DEMO_NAME)
        except DatasetError as exc:
            log.warning("rebuilding the demo dataset: %s", exc)
    return None


def ingest(
    name: str,
    *,
    audio: Path | None = None,
    spectrograms: Path | None = None,
    playlists: list[Path] = (),
    labels_from_parent: bool = False,
    n_clips: int | None = None,
    params: AudioParams | None = None,
    client=None,
    progress: Callback | None = None,
) -> Dataset:
    """Ingest a folder (audio or PNG spectrograms) and playlist files into dataset ``name``;
    audio is decoded on the Dask cluster of ``client`` when given (:mod:`songsim.distributed`).

    The playlist files are read first, so a malformed one fails fast and nothing is written. An
    audio folder's own M3U/M3U8 files (:func:`~songsim.data.ingest.folder_playlists`) are read too.
    """
    import dataclasses

    from .data.datasets import datasets_root
    from .data.ingest import (
        dataset_from_tracks,
        folder_playlists,
        ingest_audio,
        ingest_spectrograms,
        read_playlist_files,
    )
    from .storage import check_name, check_writable

    check_name(name)
    if (audio is None) == (spectrograms is None):
        raise SongsimError("give exactly one of an audio folder or a spectrogram folder")
    check_writable(datasets_root())  # a read-only or full cache is found before decoding
    params = params or AudioParams()
    if n_clips is not None:
        if n_clips < 1:
            raise SongsimError("--clips must be at least 1")
        params = dataclasses.replace(params, n_clips=n_clips)
    if audio is not None:  # a library's own M3U playlists come with it
        playlists = [*playlists, *folder_playlists(Path(audio))]
    table = read_playlist_files([Path(p) for p in playlists], progress=progress)
    if audio is not None:
        tracks, skipped = ingest_audio(
            Path(audio),
            params=params,
            label_from_parent=labels_from_parent,
            client=client,
            progress=progress,
        )
        kind, source = "audio", str(Path(audio).resolve())
    else:
        tracks, skipped = ingest_spectrograms(
            Path(spectrograms),
            params=params,
            label_from_parent=labels_from_parent,
            progress=progress,
        )
        kind, source = "spectrograms", str(Path(spectrograms).resolve())
    info = {
        "kind": kind,
        "sources": [source],
        "playlist_sources": [str(Path(p).resolve()) for p in playlists],
        "skipped_files": skipped,
    }
    ds = dataset_from_tracks(name, tracks, table, params=params, info=info)
    save_dataset(ds)
    return ds


def dataset_graph(
    ds: Dataset,
    *,
    min_playlists: int = 1,
    min_weight: int = 1,
    edges_dir: Path | None = None,
    client=None,
) -> SongGraph:
    """The song graph of a dataset's playlists (largest connected component).

    With ``edges_dir`` the edges are also written there as Parquet row blocks, on the Dask
    cluster of ``client`` when given (:func:`songsim.distributed.build_graph_blocks`); the
    graph is the same either way."""
    _require_playlists(ds)
    if client is not None and edges_dir is None:
        raise SongsimError("a cluster writes the graph's row blocks: give a folder for them")
    ids = ds.tracks["track_id"].tolist()
    filters = {"min_playlists": min_playlists, "min_weight": min_weight}
    if edges_dir is None:
        return build_graph(ds.playlists, ids, **filters)
    from .distributed import build_graph_blocks

    return build_graph_blocks(ds.playlists, ids, Path(edges_dir), client=client, **filters)


@dataclasses.dataclass(frozen=True)
class GraphParams:
    """What a dataset's song graph and its communities depend on, checked once, here.

    Raises SongsimError for a value out of range (the CLI exits 2, the app shows it)."""

    min_playlists: int = 1  # songs need at least this many playlists to join the graph
    min_weight: int = 1  # edges need at least this many shared playlists
    method: str = "leading-eigenvector"  # or 'leiden', 'louvain'
    max_communities: int | None = None  # leading eigenvector: an upper bound per component
    refine: bool = True  # Newman's vertex-moving refinement afterwards
    random_state: int = 0  # Leiden and Louvain

    def __post_init__(self):
        from .analysis.communities import METHODS

        for name in ("min_playlists", "min_weight"):
            if int(getattr(self, name)) < 1:
                raise SongsimError(f"{name} must be at least 1 (got {getattr(self, name)})")
        if self.method not in METHODS:
            raise SongsimError(
                f"unknown community method '{self.method}' (choose from {', '.join(METHODS)})"
            )
        if self.max_communities is not None and self.max_communities < 1:
            raise SongsimError("the number of communities must be at least 1 (or none: automatic)")


def song_graph(ds: Dataset, params: GraphParams = GraphParams()):
    """The step from a dataset's playlists to ``(SongGraph, CommunityResult)``: its graph
    (largest connected component) and that graph's communities."""
    from .analysis.communities import detect

    graph = dataset_graph(ds, min_playlists=params.min_playlists, min_weight=params.min_weight)
    result = detect(
        graph,
        method=params.method,
        max_communities=params.max_communities,
        refine_partition=params.refine,
        random_state=params.random_state,
    )
    return graph, result


def dataset_incidence_graph(ds: Dataset, *, min_playlists: int = 1) -> IncidenceGraph:
    """The song graph of a dataset's playlists held as its incidence (largest component), for
    graphs too big to hold: :func:`~songsim.analysis.graph.incidence_graph`."""
    _require_playlists(ds)
    return incidence_graph(
        ds.playlists, ds.tracks["track_id"].tolist(), min_playlists=min_playlists
    )


def _require_playlists(ds: Dataset) -> None:
    if ds.playlists.empty:
        raise SongsimError(f"dataset '{ds.name}' has no playlist entries matched to its tracks")


def dataset_info(ds: Dataset, *, min_playlists: int = 1, min_weight: int = 1) -> dict:
    """Counts of a dataset and of its graph (``graph`` is None when it has none)."""
    out = ds.summary()
    out["skipped"] = ds.info.get("skipped_files", [])
    try:
        out["graph"] = dataset_graph(
            ds, min_playlists=min_playlists, min_weight=min_weight
        ).summary()
    except SongsimError as exc:
        out["graph"] = {"nodes": 0, "edges": 0, "lcc_nodes": 0, "error": str(exc)}
    return out


def evaluate(
    ds: Dataset,
    *,
    kinds: list[str] | None = None,
    graph: GraphParams = GraphParams(),
    random_state: int = 0,
    train_if_missing: bool = False,
    progress: Callback | None = None,
) -> dict:
    """``{"dataset": …, "graph": {…}, "best_embedding": kind, "embeddings": {kind: {…}}}`` (see the
    README for the keys); ``best_embedding`` is the default embedding, by :data:`~songsim.embeddings.PREFERENCE`.
    ``kinds`` defaults to every available kind but musicnn (:data:`~songsim.embeddings.AUDIO_KINDS`:
    it decodes the audio again), which is scored when named. ``random_state`` seeds k-means."""
    from .analysis.evaluation import community_labels, score_embedding
    from .embeddings import AUDIO_KINDS, KINDS, available_kinds, best_kind, embed

    out = {"dataset": ds.summary(), "graph": None, "embeddings": {}}
    communities = None
    try:
        g, result = song_graph(ds, graph)
        communities = community_labels(g, result)
        out["graph"] = {
            **g.summary(),
            "method": result.method,
            "modularity": result.modularity,
            "n_communities": result.n_communities,
            "community_sizes": result.sizes,
            "note": result.note,
        }
    except SongsimError as exc:
        out["graph"] = {"error": str(exc)}
    labels = ds.complete_labels
    # the kinds that listen to the audio again are scored when named (``kinds``), not by default
    kinds = kinds or [
        k for k in (available_kinds(ds) if not train_if_missing else KINDS) if k not in AUDIO_KINDS
    ]
    out["best_embedding"] = best_kind(kinds)
    for i, kind in enumerate(kinds):
        if progress:
            progress(i, len(kinds), f"evaluating {kind}")
        X = embed(ds, kind, random_state=random_state, train_if_missing=train_if_missing).track
        out["embeddings"][kind] = score_embedding(
            X, labels=labels, communities=communities, random_state=random_state
        )
    if progress:
        progress(len(kinds), len(kinds), "done")
    return out
