"""Per-session state: the dataset a session looks at, its playlist upload, and server-side ingest.

An uploaded playlist file belongs to its session (``st.session_state["upload"]``, an
:class:`Upload`): its graph is cached under its own content fingerprint, so one user's upload
never changes what another user sees.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from .. import catalog
from ..data.datasets import Dataset
from ..data.store import datasets_root, list_datasets, load_dataset
from ..errors import DatasetError, SongsimError
from ..io.playlists import PLAYLIST_SUFFIXES
from ..params import GraphParams
from ..progress import BackgroundTask
from ..storage import current_version
from .media import plain, viewer_text
from .navigation import error_once, route_through_app
from .settings import setting
from .stepcache import app_flow, loaded_dataset

#: File types the playlist upload takes (the readers' own list).
UPLOAD_TYPES = tuple(s.lstrip(".") for s in PLAYLIST_SUFFIXES)


def progress_callback(bar):
    """A :data:`~songsim.progress.Callback` that moves ``bar`` (an ``st.progress``) and, once a
    step of the current stage is done, says about how long the stage has left."""
    import time

    stage: dict = {"message": None, "start": 0.0, "done": 0}

    def callback(done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if message != stage["message"] or done < stage["done"]:
            stage.update(message=message, start=now, done=done)
        text = f"{message} ({done}/{total})"
        steps = done - stage["done"]
        if 0 < steps and done < total:
            text += f" · {eta_text((now - stage['start']) / steps * (total - done))} left"
        bar.progress(min(1.0, done / max(total, 1)), text=text)

    return callback


def eta_text(seconds: float) -> str:
    """A rough duration: "about 40 s", "about 3 min", "about 1.5 h"."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


#: The demo build of this server process, shared by every session (see :func:`bootstrap`).
_DEMO_BUILD = BackgroundTask(catalog.ensure_demo, "songsim-demo-build")


def bootstrap() -> None:
    """On an empty cache, build the demo dataset once, in the background, and show its progress
    (a cache that holds any dataset opens at once; ``songsim demo`` builds the demo there).

    The build runs in a thread of its own (:class:`~songsim.progress.BackgroundTask`), under
    :func:`~songsim.catalog.ensure_demo`'s cross-process lock: a visitor who opens another page
    mid-build only stops watching, and every page and visitor watches the same build.
    """
    if list_datasets() and not _DEMO_BUILD.running:
        return  # a cache with a library of its own opens on it: the demo is built when none
    build = _DEMO_BUILD.start()
    with st.status(
        "First start: building the demo corpus (320 songs in 8 styles)…", expanded=True
    ) as status:
        bar = st.progress(0.0, text="starting…")
        while not build.wait(0.5):
            progress_callback(bar)(build.done, build.total, build.message)
        if build.error is not None:
            status.update(label="The demo corpus could not be built", state="error")
            st.error(plain(viewer_text(f"{type(build.error).__name__}: {build.error}")))
            st.stop()
        bar.progress(1.0, text="done")
        status.update(label="Demo corpus ready", state="complete")


def _load(name: str, version: str) -> Dataset:
    """Version ``version`` of dataset ``name``, loaded once for every session."""
    return loaded_dataset(name, version, _read_dataset)


def _read_dataset(name: str) -> Dataset:
    if name == catalog.DEMO_NAME:
        return catalog.ensure_demo()  # a corrupted demo entry is rebuilt (and logged)
    return load_dataset(name)


def _version(name: str) -> str:
    """What names the stored state of dataset ``name``: its version, and its server link's."""
    from ..data.link import link_folder

    folder = current_version(datasets_root() / name)
    link = current_version(link_folder(datasets_root() / name))
    return (folder.name if folder else "") + (f"+{link.name}" if link else "")


def dataset_names() -> list[str]:
    return list_datasets()


def default_dataset(names: list[str]) -> str:
    """The dataset a new session opens on (a link or a reload keeps its own: ``ui.links``): the
    demo when there is one, else the library written last."""
    if not names or catalog.DEMO_NAME in names:
        return catalog.DEMO_NAME

    def written(name: str) -> float:
        pointer = datasets_root() / name / "CURRENT"
        return pointer.stat().st_mtime if pointer.is_file() else 0.0

    return max(names, key=written)


@dataclasses.dataclass(frozen=True)
class Upload:
    """A playlist file this session uploaded, applied to one version of one dataset."""

    dataset: str  # the dataset it was matched against
    version: str  # that dataset's version then (a re-ingest drops the upload)
    file: str  # the file name, as the user named it (user text: escape before showing)
    key: str  # SHA-256 of the file's bytes (first 16 hex digits): what keys its results
    playlists: pd.DataFrame  # the file's playlist table, unmatched

    @property
    def source(self) -> str:
        return self.file

    def cache_identity(self) -> dict:
        """What the ``with_playlists`` step's key holds of an upload: its bytes' digest and name."""
        return {"key": self.key, "source": self.file}


def current_upload() -> Upload | None:
    """The session's upload for the dataset it is looking at, or None."""
    upload = st.session_state.get("upload")
    name = setting("dataset", catalog.DEMO_NAME)
    if isinstance(upload, Upload) and upload.dataset == name and upload.version == _version(name):
        return upload
    return None


def current_dataset() -> Dataset:
    """The session's dataset, with the session's uploaded playlists when it has some.

    Every page calls this first; it also makes sure the page runs under app.py's router.
    """
    route_through_app()
    names = dataset_names()
    name = setting("dataset", catalog.DEMO_NAME)
    if name not in names:
        name = st.session_state["dataset"] = names[0] if names else catalog.DEMO_NAME
    version = _version(name)
    upload = current_upload()
    try:
        if upload is not None:
            return app_flow(_load(name, version)).get("with_playlists", upload=upload)
        return _load(name, version)
    except DatasetError as exc:
        if name == catalog.DEMO_NAME:
            raise
        error_once(
            f"Dataset '{plain(name)}' cannot be loaded ({plain(viewer_text(exc))}); showing the "
            "demo instead. "
            "Ingest it again to repair it."
        )
        return _load(catalog.DEMO_NAME, _version(catalog.DEMO_NAME))


def apply_upload(file_name: str, data: bytes, graph: GraphParams) -> dict:
    """Read an uploaded playlist file for this session; returns its counts. Its graph (with
    parameters ``graph``) is built here, once, into the graph cache the pages read.

    Raises SongsimError (the previous playlists stay in force) when the file is unreadable or
    matches no track of the current dataset.
    """
    from ..io.playlists import read_playlists
    from ..limits import for_an_upload, limits
    from .graphs import current_graph

    cap = limits().upload_bytes
    if len(data) > cap:
        raise SongsimError(f"{file_name}: {len(data)} bytes is over the {cap}-byte upload limit")
    name = setting("dataset", catalog.DEMO_NAME)
    # The file name picks the format only: it is never used as a path.
    with for_an_upload():
        table = read_playlists(Path(Path(file_name).name or "upload.csv"), data, name=file_name)
    upload = Upload(
        dataset=name,
        version=_version(name),
        file=file_name,
        key=hashlib.sha256(data).hexdigest()[:16],
        playlists=table,
    )
    # matched once and its graph built once: the pages then reuse both from the caches
    trial = app_flow(_load(name, upload.version)).get("with_playlists", upload=upload)
    if trial.playlists.empty:
        raise SongsimError(
            f"{file_name}: none of its {len(table)} entries matches a track of dataset '{name}'"
        )
    current_graph(trial, graph)  # fails here, before anything changes, if no graph can be built
    st.session_state["upload"] = upload
    return {
        "entries": len(table),
        "matched": len(trial.playlists),
        "unmatched": trial.info["unmatched_playlist_entries"],
        "unmatched_examples": trial.info["unmatched_examples"],
        "playlists": int(table["playlist_id"].nunique()),
    }


def show_dataset(name: str, news: str) -> None:
    """Show dataset ``name`` from the next run on (the sidebar's picker follows), with ``news``
    (markdown, escaped by the caller) said once on the Data page."""
    st.session_state["dataset"] = name
    st.session_state["news"] = news


def take_news() -> str | None:
    """What :func:`show_dataset` had to say, once."""
    return st.session_state.pop("news", None)


def stop_training() -> None:
    """The Stop button's callback: the rerun it starts ends the training run at its next step."""
    st.session_state["training_stopped"] = True


def training_was_stopped() -> bool:
    """Whether the last training run was stopped by the user (said once)."""
    return st.session_state.pop("training_stopped", False)


def take_upload(file, graph: GraphParams) -> bool:
    """Apply a file the playlist uploader holds (an ``UploadedFile`` or None), once per file,
    building its graph with parameters ``graph``;
    returns whether it was new (then rerun: every page follows the upload). The outcome, a
    success with counts or the reason it was refused, is :func:`upload_outcome`'s."""
    if file is None or st.session_state.get("upload_seen") == file.file_id:
        return False
    st.session_state["upload_seen"] = file.file_id
    try:
        counts = apply_upload(file.name, file.getvalue(), graph)
    except SongsimError as exc:
        st.session_state["upload_outcome"] = ("error", str(exc))
    else:
        st.session_state["upload_outcome"] = ("success", upload_summary(counts))
    return True


def upload_summary(counts: dict) -> str:
    """What an upload brought, in a line (markdown-escaped): its playlists, entries matched, and
    the first unmatched entries by name."""
    from .media import counted, plain

    unmatched = counts["unmatched"]
    text = (
        f"{counted(counts['playlists'], 'playlist')}, {counted(counts['matched'], 'entry')} "
        f"matched, {unmatched:,} unmatched"
    )
    if unmatched:
        from ..data.matching import EXAMPLES

        examples = counts["unmatched_examples"]
        shown = ", ".join(f"“{plain(e[:80])}”" for e in examples[:EXAMPLES])
        text += f" ({shown}{', …' if len(examples) > EXAMPLES else ''})"
    return text + ". The graph is rebuilt."


def upload_outcome() -> tuple[str | None, str | None]:
    """``("success" | "error", message)`` of the last upload, or ``(None, None)``."""
    return st.session_state.get("upload_outcome", (None, None))


def clear_upload() -> None:
    """Back to the dataset's own playlists; the uploader is emptied too (a new key)."""
    st.session_state.pop("upload", None)
    st.session_state.pop("upload_outcome", None)
    st.session_state["uploader_round"] = st.session_state.get("uploader_round", 0) + 1


def uploader_key() -> str:
    """The playlist uploader's key: a new one after :func:`clear_upload` empties it."""
    return f"playlist_upload_{st.session_state.get('uploader_round', 0)}"
