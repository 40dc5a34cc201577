"""The dashboard's back-end of :class:`songsim.cache.StepCache`: Streamlit's caches — with
the media bytes (:mod:`songsim.ui.media`) the only Streamlit caches of the dashboard.

A result is kept under its key's digest in ``st.cache_data`` (each caller gets a copy) or, when
asked for ``shared``, in ``st.cache_resource`` (one object for every session, read-only: graphs,
t-SNE's neighbours). Both are bounded and compute a key once when sessions ask for it at once.
"""

from __future__ import annotations

import contextlib

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..cache import StepCache
from ..flow import Flow


@st.cache_data(max_entries=96, show_spinner=False)
def _copied(step: str, digest: str, _compute):
    return _compute()


@st.cache_resource(max_entries=16, show_spinner=False)
def _shared(step: str, digest: str, _compute):
    return _compute()


@st.cache_resource(max_entries=4, show_spinner="Loading dataset…")
def _dataset(name: str, version: str, _read):
    return _read(name)


def loaded_dataset(name: str, version: str, read):
    """Version ``version`` of dataset ``name`` as ``read(name)`` loads it, once for every
    session (the root of the steps: a new version is a new entry)."""
    return _dataset(name, version, read)


class StreamlitCache(StepCache):
    """Step results in ``st.cache_data`` (copies) or ``st.cache_resource`` (``shared``); while
    a result computes for more than half a second the page shows ``message``."""

    def get(self, key, compute, *, codec=None, message=None, shared=False):
        keep = _shared if shared else _copied
        in_a_page = message and get_script_run_ctx(suppress_warning=True) is not None
        with st.spinner(message) if in_a_page else contextlib.nullcontext():
            return keep(key.step, key.digest, compute)

    @staticmethod
    def clear() -> None:
        """Forget every step's results (after a model is trained or replaced)."""
        _copied.clear()
        _shared.clear()


#: The one step cache of the dashboard's pages.
APP_CACHE = StreamlitCache()


def app_flow(ds, progress=None) -> Flow:
    """The steps of :mod:`songsim.steps` over ``ds``, their results in :data:`APP_CACHE`."""
    from .. import steps  # noqa: F401  (every step declared)

    return Flow(ds, cache=APP_CACHE, progress=progress)
