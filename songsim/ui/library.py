"""The owner's library from the dashboard: who may write (ingest, update, train), and the
server-side ingest and update of a folder inside the roots this server may read."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from .. import catalog
from ..data.datasets import Dataset
from ..errors import SongsimError
from .session import dataset_names, progress_callback
from .settings import ingest_roots


def writes_allowed() -> bool:
    """Whether this visitor may ingest, update and train: not when the server is read-only
    (``SONGSIM_READ_ONLY=1``), and — when ``SONGSIM_OWNERS`` lists e-mail addresses and
    Streamlit's authentication is configured — only for an owner who is logged in."""
    if os.environ.get("SONGSIM_READ_ONLY", "").strip().lower() in ("1", "true", "yes"):
        return False
    owners = {
        e.strip().lower() for e in os.environ.get("SONGSIM_OWNERS", "").split(",") if e.strip()
    }
    if not owners:
        return True
    try:
        return bool(st.user.is_logged_in) and str(st.user.email).lower() in owners
    except Exception:  # authentication not configured: nobody is an owner
        return False


def training_refused(ds: Dataset) -> str | None:
    """Why this visitor may not train on ``ds`` here (None: it may). The demo is everyone's: its
    models are the shipped ones, so a training run never replaces them for other visitors."""
    if not writes_allowed():
        return "This dashboard is read-only: training is turned off."
    if ds.name == catalog.DEMO_NAME:
        return (
            "The demo is shared: training is off here, so no visitor replaces its models for "
            "the others. Ingest a library of your own (Data page) to train or fine-tune on it."
        )
    return None


def _inside_roots(folder: str) -> Path:
    """``folder`` resolved, when it is inside :func:`ingest_roots`; else SongsimError."""
    from ..limits import check_text

    check_text(folder, "folder")
    if not str(folder).strip():
        raise SongsimError("give the folder to ingest (an empty field would mean the server's own)")
    path = Path(folder).expanduser().resolve()
    if not any(path == r or r in path.parents for r in ingest_roots()):
        raise SongsimError(
            "that folder is outside the folders this server may ingest from "
            f"({', '.join(map(str, ingest_roots()))}; set SONGSIM_INGEST_ROOTS)"
        )
    return path


def ingest_folder(
    folder: str, name: str, *, kind: str, labels_from_parent: bool, bar, replace: bool = False
) -> Dataset:
    """Ingest a server-side folder (inside :func:`ingest_roots`) into dataset ``name``, or update
    that dataset when it was made from the same folder. An existing dataset made from another
    folder is replaced only when ``replace``; the demo never is."""
    from ..data.store import read_manifest_of
    from ..limits import check_text

    if not writes_allowed():
        raise SongsimError("this dashboard is read-only: ingesting is turned off")
    if name == catalog.DEMO_NAME:
        raise SongsimError(f"'{name}' is the built-in demo's name: choose another")
    check_text(name, "dataset name")
    path = _inside_roots(folder)
    if name in dataset_names():
        _, manifest = read_manifest_of(name)
        same = manifest.get("info", {}).get("sources") == [str(path)]
        if not same and not replace:
            raise SongsimError(
                f"a dataset named '{name}' exists (made from another folder): tick "
                "'Replace it' to replace it, or choose another name"
            )
    ds = catalog.ingest(  # an audio folder's own M3U playlists are read with it
        name,
        audio=path if kind == "audio" else None,
        spectrograms=path if kind != "audio" else None,
        labels_from_parent=labels_from_parent,
        within=ingest_roots(),
        progress=progress_callback(bar),
    )
    return ds


def updatable(ds: Dataset) -> bool:
    """Whether ``ds`` can be updated from its folder here: a folder dataset whose folder is still
    inside :func:`ingest_roots`, and this visitor may write."""
    sources = ds.info.get("sources") or []
    if ds.info.get("kind") not in ("audio", "spectrograms") or not sources:
        return False
    try:
        return writes_allowed() and _inside_roots(sources[0]).is_dir()
    except SongsimError:
        return False


def update_library(ds: Dataset, bar) -> Dataset:
    """Update ``ds`` from its folder: only new and changed files are decoded."""
    if not updatable(ds):
        raise SongsimError(f"dataset '{ds.name}' cannot be updated here")
    new = catalog.ingest(
        ds.name,
        audio=ds.info["sources"][0] if ds.info["kind"] == "audio" else None,
        spectrograms=ds.info["sources"][0] if ds.info["kind"] != "audio" else None,
        within=ingest_roots(),
        progress=progress_callback(bar),
    )
    return new
