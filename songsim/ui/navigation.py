"""The dashboard's pages and its router: app.py navigates over :func:`pages` and runs the chosen
one inside :func:`router`; a page started any other way is sent back through app.py."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from .. import heap

_ROUTED: ContextVar[bool] = ContextVar("songsim_routed", default=False)
_SHOWN: ContextVar[set | None] = ContextVar("songsim_shown", default=None)  # errors shown this run


def pages() -> list:
    """The dashboard's pages in menu order (``st.Page`` paths are relative to app.py).

    The Data page opens at the root URL and, like every other page, at its own name (``/data``):
    Streamlit serves a default page at the root only, so the Data page is also listed, hidden
    from the menu, under ``data``."""
    data = {"title": "Data", "icon": ":material/library_music:"}
    return [
        st.Page("pages/data.py", **data, url_path="start", default=True),
        st.Page("pages/data.py", **data, url_path="data", visibility="hidden"),
        st.Page("pages/model.py", title="Model", icon=":material/model_training:"),
        st.Page("pages/clusters.py", title="Clusters", icon=":material/bar_chart:"),
        st.Page("pages/graph.py", title="Graph", icon=":material/hub:"),
        st.Page("pages/map.py", title="Map", icon=":material/scatter_plot:"),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("pages/similar.py", title="Similar songs", icon=":material/headphones:"),
    ]


@contextmanager
def router():
    """Mark this script run as started by app.py's router (``with ui.router(): ...`` in app.py);
    what the run freed goes back to the system when it ends (:mod:`songsim.heap`)."""
    token, shown = _ROUTED.set(True), _SHOWN.set(set())
    try:
        yield
    finally:
        _ROUTED.reset(token)
        _SHOWN.reset(shown)
        heap.trim()


def route_through_app() -> None:
    """Rerun through app.py when a page was started on its own.

    Streamlit runs ``pages/*.py`` as old-style pages when a deep link such as ``/graph`` is among
    the first requests of a fresh server, before app.py has called ``st.navigation`` — then the
    sidebar and the router are missing. Such a run is not inside :func:`router`: declaring the
    app's navigation (which, as documented, turns the old ``pages/`` folder behaviour off for the
    server) and rerunning sends it through app.py, whose navigation maps the same URL to the same
    page. The marker is per run (a context variable), so sessions that start at the same moment
    each notice on their own.
    """
    if not _ROUTED.get():
        st.navigation(pages(), position="hidden")
        st.rerun()


def error_once(message: str) -> None:
    """``st.error`` that shows a message once per run (the sidebar and the page both load data)."""
    shown = _SHOWN.get()
    if shown is None or message not in shown:
        st.error(message)
        if shown is not None:
            shown.add(message)
