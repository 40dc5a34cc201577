"""The view in the URL: dataset, embedding, k, perplexity and the picked song are kept in
``st.query_params``, so a reload or a shared link lands on the same view.

:func:`restore` reads them once a session (on its first run) into the session's settings, each
checked (an unknown dataset or a k out of range is dropped, never an error); :func:`publish`
writes the settings in force back after every run.
"""

from __future__ import annotations

import streamlit as st

from ..data.datasets import Dataset

#: URL parameter → what it holds.
PARAMS = ("dataset", "kind", "k", "perplexity", "song")


def restore(names: list[str]) -> None:
    """Seed this session's settings from the URL, once (``names``: the datasets there are)."""
    if st.session_state.get("_url_restored"):
        return
    st.session_state["_url_restored"] = True
    q = st.query_params
    name = q.get("dataset")
    if name not in names:
        return
    st.session_state["dataset"] = name
    if q.get("kind"):
        st.session_state["kind"] = str(q["kind"])
    if q.get("perplexity"):
        try:
            st.session_state["perplexity"] = int(float(q["perplexity"]))
        except (ValueError, OverflowError):  # "abc", "nan"; "inf" and "-inf"
            pass
    if q.get("song"):
        st.session_state[f"song@{name}"] = str(q["song"])
    if q.get("k") and q.get("kind"):
        try:
            st.session_state[f"k@{name}@{q['kind']}"] = int(q["k"])
        except ValueError:
            pass


def publish(ds: Dataset) -> None:
    """Write the view in force for ``ds`` into the URL (only what changed)."""
    kind = st.session_state.get("kind")
    wanted = {
        "dataset": ds.name,
        "kind": kind,
        "k": st.session_state.get(f"k@{ds.name}@{kind}"),
        "perplexity": st.session_state.get("perplexity"),
        "song": st.session_state.get(f"song@{ds.name}"),
    }
    q = st.query_params
    for key, value in wanted.items():
        if value is None:
            if key in q:
                del q[key]
        elif q.get(key) != str(value):
            q[key] = str(value)
