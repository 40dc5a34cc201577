"""Settings that survive page switches: a widget's value kept in the session under a name of
its own, read back when its page is drawn again."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st


def setting(key: str, default):
    """The session's value of a setting shared by pages (set by :func:`widget_key`'s widgets)."""
    return st.session_state.setdefault(key, default)


def widget_key(key: str, default, *, bounds: tuple | None = None) -> dict:
    """Keyword arguments tying a widget to the persistent setting ``key``.

    Streamlit forgets a widget's state when its page is not shown; the value is copied to ``key``
    on every change and back into the widget when it is drawn again. ``bounds=(lo, hi)`` clips
    a stored value into a slider's range (a smaller dataset allows less).
    """
    wkey = f"_w_{key}"
    value = st.session_state.setdefault(key, default)
    if bounds is not None:
        value = st.session_state[key] = min(max(value, bounds[0]), bounds[1])
    st.session_state[wkey] = value

    def copy():
        st.session_state[key] = st.session_state[wkey]

    return {"key": wkey, "on_change": copy}


def ingest_roots() -> list[Path]:
    """Folders the dashboard may ingest from: ``$SONGSIM_INGEST_ROOTS`` (os.pathsep-separated), else the working folder."""
    raw = os.environ.get("SONGSIM_INGEST_ROOTS")
    roots = raw.split(os.pathsep) if raw else [os.getcwd()]
    return [Path(r).expanduser().resolve() for r in roots if r]
