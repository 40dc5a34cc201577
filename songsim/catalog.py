"""The datasets of a cache: the demo built once, folders ingested and updated, and what
``songsim info`` says of a dataset. The steps after a dataset are :mod:`songsim.steps`'."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from .config import AudioParams
from .data.datasets import Dataset
from .data.store import list_datasets, load_dataset, save_dataset
from .errors import DatasetError, SongsimError
from .progress import Callback
from .storage import check_name

DEMO_NAME = "demo"
log = logging.getLogger("songsim")


def ensure_demo(*, progress: Callback | None = None, rebuild: bool = False) -> Dataset:
    """The demo dataset from the cache, built and saved first when missing or corrupted.

    One build per cache: the build holds a lock file (``datasets/.demo.build.lock``) across
    processes and threads, and a caller that waited for it loads what the other one built.
    """
    from filelock import FileLock

    from .data.demo import build_demo
    from .data.store import datasets_root

    if not rebuild and (ds := _cached_demo()) is not None:
        return ds
    datasets_root().mkdir(parents=True, exist_ok=True)
    with FileLock(str(datasets_root() / ".demo.build.lock")):
        if not rebuild and (ds := _cached_demo()) is not None:  # built while we waited
            return ds
        save_dataset(build_demo(progress=progress))
    return load_dataset(DEMO_NAME)


def _cached_demo() -> Dataset | None:
    """The stored demo, when it is one: built here (``info["kind"] == "demo"``) and whole."""
    if DEMO_NAME in list_datasets():
        try:
            ds = load_dataset(DEMO_NAME)
            if ds.info.get("kind") == "demo":
                ds.clips.verify()  # small: every shard checked, so a damaged one is rebuilt
                return ds
            log.warning("rebuilding the demo dataset: the entry named 'demo' is not the demo")
        except DatasetError as exc:
            log.warning("rebuilding the demo dataset: %s", exc)
    return None


def ingest(
    name: str,
    *,
    audio: Path | None = None,
    spectrograms: Path | None = None,
    playlists: list[Path] = (),
    labels_from_parent: bool | None = None,
    n_clips: int | None = None,
    params: AudioParams | None = None,
    rebuild: bool = False,
    within: list[Path] | None = None,
    client=None,
    server=None,
    progress: Callback | None = None,
) -> Dataset:
    """Ingest a folder (audio or PNG spectrograms) and playlist files into dataset ``name``,
    or update it when it exists: only new and changed files are decoded
    (:func:`songsim.data.library.update_library`; ``rebuild`` decodes everything), on the Dask
    cluster of ``client`` when given. What changed is ``ds.info["last_update"]``.

    The playlist files are read first, so a malformed one fails fast and nothing is written. An
    audio folder's own M3U/M3U8 files (:func:`~songsim.data.ingest.folder_playlists`) are read
    too; an update given no playlist files reads the ones the previous version was made with
    (``within``: folders no file read may leave, links included — the dashboard's rule),
    and ``labels_from_parent=None`` labels tracks as the previous version did (else not at all).
    A dataset linked to a music server is linked again (:func:`songsim.linking.relink`): read
    from the server through ``server`` (a :class:`~songsim.io.subsonic.SubsonicClient`) when
    given, else its stored songs matched to the new tracks.
    """
    from .data.ingest import folder_playlists, read_playlist_files
    from .data.library import update_library
    from .limits import check_clips
    from .storage import check_name

    check_name(name)
    if name == DEMO_NAME:
        raise SongsimError(f"the name '{DEMO_NAME}' belongs to the built-in demo: choose another")
    if (audio is None) == (spectrograms is None):
        raise SongsimError("give exactly one of an audio folder or a spectrogram folder")
    params = params or AudioParams()
    if n_clips is not None:
        params = dataclasses.replace(params, n_clips=check_clips(n_clips))
    folder = Path(audio if audio is not None else spectrograms)
    previous = _previous_info(name, folder)
    if labels_from_parent is None:
        labels_from_parent = bool(previous.get("labels_from_parent"))
    playlists = [Path(p) for p in playlists] or [
        p for p in map(Path, previous.get("playlist_sources", [])) if p.is_file()
    ]
    if audio is not None:  # a library's own M3U playlists come with it
        playlists = [*playlists, *folder_playlists(folder, within=within)]
    table = read_playlist_files(playlists, progress=progress)
    ds, _ = update_library(
        name,
        folder,
        kind="audio" if audio is not None else "spectrograms",
        params=params,
        label_from_parent=labels_from_parent,
        playlists=table,
        playlist_sources=[str(p.resolve()) for p in playlists],
        rebuild=rebuild,
        within=within,
        client=client,
        progress=progress,
    )
    from .linking import relink

    relinked = relink(name, server, progress=progress)
    return ds if relinked is None else relinked[0]


def _previous_info(name: str, folder: Path) -> dict:
    """``info`` of the current version of ``name`` when it was made from ``folder``, with its
    ``playlist_sources`` outside the folder (its own M3Us are found again); else ``{}``."""
    from .data.store import read_manifest_of

    try:
        _, manifest = read_manifest_of(name)
    except SongsimError:
        return {}
    info = manifest.get("info", {})
    inside = Path(folder).resolve()
    if info.get("sources") != [str(inside)]:
        return {}
    outside = [p for p in info.get("playlist_sources", []) if inside not in Path(p).parents]
    return {**info, "playlist_sources": outside}


def dataset_info(ds: Dataset, *, min_playlists: int = 1, min_weight: int = 1) -> dict:
    """Counts of a dataset (from its manifest), its duplicates (``{song's id: [its paths]}``)
    and its graph (``graph``; its counts are kept on disk per fingerprint and filters, so an
    ``info`` reads no playlist twice). No clip is read."""
    from .cache import DiskCache
    from .config import cache_dir
    from .data.duplicates import duplicate_paths
    from .params import GraphParams
    from .steps import Flow

    out = ds.summary()
    out["skipped"] = [
        {"file": s["file"], "reason": s["reason"]} for s in ds.info.get("skipped_files", [])
    ]
    ids = ds.tracks["track_id"].tolist()
    out["duplicate_songs"] = {
        ids[song]: paths for song, paths in duplicate_paths(ids, ds.songs).items()
    }
    if ds.info.get("last_update"):
        out["last_update"] = ds.info["last_update"]
    if ds.info.get("link"):
        out["link"] = ds.info["link"]

    store = DiskCache(cache_dir() / "graphs" / check_name(ds.name))
    graph = GraphParams(min_playlists=min_playlists, min_weight=min_weight)
    out["graph"] = Flow(ds, cache=store).get("graph_counts", graph=graph)
    return out
