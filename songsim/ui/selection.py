"""What a session picks on one page and every page then shows: the embedding, the k of each
dataset and embedding, the selected song, and the highlighted cluster or community.

Each is a session setting scoped to its dataset, so switching datasets never carries a k or a
song over (a dataset starts at its best-silhouette k and with no song picked).
"""

from __future__ import annotations

import streamlit as st

from ..data.datasets import Dataset
from ..errors import SongsimError
from .settings import widget_key


def chosen_kind(ds: Dataset, kinds: list[str] | None = None) -> str:
    """The embedding the pages show for ``ds``: the one last picked when ``ds`` has it (a
    checkpoint of another library may not fit), else the best of ``kinds`` (default: all
    :func:`~songsim.ui.results.available_kinds`)."""
    from .results import available_kinds, default_kind

    kinds = available_kinds(ds) if kinds is None else kinds
    kind = st.session_state.get("kind")
    return kind if kind in kinds else default_kind(kinds)


def kind_widget(ds: Dataset) -> dict:
    """Keyword arguments of an embedding picker: every embedding ``ds`` can have, a model once
    per checkpoint that fits, labelled with its size and when and on what it was trained."""
    from .results import available_kinds, kind_label

    kinds = available_kinds(ds)
    kind = st.session_state["kind"] = chosen_kind(ds, kinds)
    # labels as they are in this run: the browser sends back the label it was shown, which a
    # model trained meanwhile (its label names the new checkpoint) must not make unknown
    labels = {name: kind_label(ds, name) for name in kinds}
    return {
        "options": kinds,
        "format_func": labels.__getitem__,
        **widget_key("kind", kind),
    }


def _k_key(ds: Dataset, kind: str) -> str:
    return f"k@{ds.name}@{kind}"


def chosen_k(ds: Dataset, kind: str) -> int:
    """The session's k for ``ds`` and ``kind`` (the Clusters page's slider), else the k of the best
    silhouette; always inside the sweep's range."""
    from .results import k_sweep

    result = k_sweep(ds, kind)
    ks = result["table"]["k"]
    k = int(st.session_state.get(_k_key(ds, kind), result["best_k"]))
    return int(min(max(k, int(ks.min())), int(ks.max())))


def k_widget(ds: Dataset, kind: str) -> dict:
    """Keyword arguments of the k slider (see :func:`~songsim.ui.session.widget_key`)."""
    key = _k_key(ds, kind)
    st.session_state[key] = chosen_k(ds, kind)  # a stored k outside today's sweep is clipped
    return widget_key(key, st.session_state[key])


def _song_key(ds: Dataset) -> str:
    return f"song@{ds.name}"


def selected_song(ds: Dataset) -> int | None:
    """Row of the song the session picked in ``ds`` (on the Map, the Graph or Similar songs)."""
    track_id = st.session_state.get(_song_key(ds))
    if track_id is None:
        return None
    try:
        return ds.track_row(track_id)
    except SongsimError:  # gone after a re-ingest
        return None


def select_song(ds: Dataset, row: int | None) -> None:
    """Pick the song at ``row`` for every page (None: no song)."""
    if row is None:
        st.session_state.pop(_song_key(ds), None)
    else:
        st.session_state[_song_key(ds)] = str(ds.tracks["track_id"].iloc[int(row)])


#: Songs a picker lists in full; a larger library is searched first (:func:`song_options`).
PICKER_ALL = 5_000
#: Songs a search lists at most.
PICKER_FOUND = 200


def song_options(ds: Dataset, search: str = "") -> list[int]:
    """Track rows a song picker offers: every track of a library up to :data:`PICKER_ALL`;
    above, those whose title, artist or id contains ``search`` (at most :data:`PICKER_FOUND`),
    and always the picked song."""
    if ds.n_tracks <= PICKER_ALL:
        return list(range(ds.n_tracks))
    picked = selected_song(ds)
    rows = []
    text = search.strip().casefold()
    if text:
        t = ds.tracks
        found = (t["title"] + "\n" + t["artist"] + "\n" + t["track_id"]).str.casefold()
        rows = found.index[found.str.contains(text, regex=False)][:PICKER_FOUND].tolist()
    if picked is None:
        picked = 0
    return [picked] + [r for r in rows if r != picked]


def song_widget(ds: Dataset) -> dict:
    """Keyword arguments of a song picker over track rows, tied to :func:`selected_song`. It
    shows the first song until one is picked, without picking it for the other pages (the Map
    rings only a song someone chose)."""
    wkey = f"_w_song@{ds.name}"
    row = selected_song(ds)
    st.session_state[wkey] = 0 if row is None else row
    return {"key": wkey, "on_change": lambda: select_song(ds, st.session_state[wkey])}


def pick_from_chart(ds: Dataset, event, chart_key: str) -> bool:
    """Follow a chart's click selection (``picked``, by track_id): a new click selects its song,
    a click on empty space clears it. Returns whether the selection changed (rerun to redraw).

    Only a change of the chart's own selection counts: a song picked on another page stays
    picked while this chart still holds an older click.
    """
    seen_key = f"_seen@{chart_key}"
    try:
        ids = [p.get("track_id") for p in event["selection"]["picked"]]
    except (KeyError, TypeError, AttributeError):
        ids = []
    current = ids[0] if ids else None
    if current == st.session_state.get(seen_key):
        return False
    st.session_state[seen_key] = current
    if current is None:
        select_song(ds, None)
        return True
    try:
        select_song(ds, ds.track_row(current))
    except SongsimError:
        return False
    return True


def forget_chart(chart_key: str) -> None:
    """Call before drawing a chart whose widget state Streamlit dropped (its page was left):
    its empty selection then is not a click on empty space."""
    if chart_key not in st.session_state:
        st.session_state.pop(f"_seen@{chart_key}", None)


def _focus_key(ds: Dataset) -> str:
    return f"focus@{ds.name}"


def focus(ds: Dataset) -> tuple[str, str] | None:
    """The highlighted group: ``("cluster" | "community", id)``, or None."""
    return st.session_state.get(_focus_key(ds))


def set_focus(ds: Dataset, what: str | None, group: str | None = None) -> None:
    if what is None or group is None:
        st.session_state.pop(_focus_key(ds), None)
    else:
        st.session_state[_focus_key(ds)] = (what, str(group))


def focus_from_chart(ds: Dataset, event, what: str, chart_key: str) -> bool:
    """Follow a bar chart's click selection (``focus``, field ``what``) like
    :func:`pick_from_chart`; returns whether the highlighted group changed."""
    seen_key = f"_seen@{chart_key}"
    try:
        groups = [p.get(what) for p in event["selection"]["focus"]]
    except (KeyError, TypeError, AttributeError):
        groups = []
    current = groups[0] if groups else None
    if current == st.session_state.get(seen_key):
        return False
    st.session_state[seen_key] = current
    set_focus(ds, what if current is not None else None, current)
    return True


def focus_caption(
    ds: Dataset, hint: str = "Click a bar to highlight its songs on every page."
) -> None:
    """Say which group is highlighted everywhere, with a button that clears it (else ``hint``)."""
    f = focus(ds)
    if f is None:
        st.caption(hint)
        return
    c1, c2 = st.columns([4, 1])
    c1.caption(f"Highlighted on the Map and the Graph: {f[0]} {f[1]}.")
    if c2.button("Clear the highlight", key="clear_focus"):
        set_focus(ds, None)
        st.rerun()
