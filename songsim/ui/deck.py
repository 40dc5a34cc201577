"""The map of a large library, drawn with WebGL (deck.gl through ``st.pydeck_chart``).

A Vega canvas redraws every mark on every hover and pan: smooth to a few thousand points. Above
:data:`WEBGL_ABOVE` tracks the Map draws with deck.gl instead, which keeps 100,000 points smooth
to hover, zoom and pan: the same colours (one per cluster or community on every page), the
picked song ringed with lines to its nearest songs, the songs a search or a group leaves
highlighted. Tooltips are deck.gl's text tooltips (user text is never HTML).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from .charts import NO_GROUP, NO_GROUP_COLOR, PALETTE, PICK_COLOR, _group_order

#: Tracks above which the Map is drawn with WebGL.
WEBGL_ABOVE = 5_000
#: Side of the square the map's coordinates are scaled into.
SPAN = 1000.0
LAYER = "songs"
#: What a song's tooltip shows: who and what it is, then the tags of the taggers that heard it.
TOOLTIP = ("title", "artist", "track_id")
WORDS = ("tags", "sound")


def _rgb(hex_colour: str) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[i : i + 2], 16) for i in (0, 2, 4)]


def group_colours(values: pd.Series) -> np.ndarray:
    """``(n, 3)`` uint8 colour of each group value, as :func:`~songsim.ui.charts.group_scale`
    colours them (``PALETTE[number % 20]``; named groups by their sorted place; none grey)."""
    values = values.astype(str)
    domain = sorted(set(values), key=_group_order)
    named = [v for v in domain if not v.isdigit() and v != NO_GROUP]

    def colour(v: str) -> list[int]:
        if v == NO_GROUP:
            return _rgb(NO_GROUP_COLOR)
        return _rgb(PALETTE[(int(v) if v.isdigit() else named.index(v)) % len(PALETTE)])

    table = {v: colour(v) for v in domain}
    return np.array([table[v] for v in values], dtype=np.uint8).reshape(-1, 3)


def deck_map(
    points: pd.DataFrame,
    *,
    color: str,
    picked: int | None = None,
    neighbours=(),
    highlight: np.ndarray | None = None,
    height: int = 560,
):
    """A :class:`DrawnDeck` of ``points`` (x, y, ``color``, title, artist, track_id, and tags and
    sound where the taggers have heard the library; index = track row): hover shows a song and
    its words, a click picks it (layer :data:`LAYER`), wheel and drag zoom and pan."""
    import pydeck as pdk

    xy = points[["x", "y"]].to_numpy(np.float64)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    scaled = (xy - lo) / max(float((hi - lo).max()), 1e-9) * SPAN
    rgb = group_colours(points[color])
    alpha = np.full(len(points), 215, np.uint8)
    if highlight is not None:
        alpha[~np.asarray(highlight, bool)] = 30
    data = pd.DataFrame(
        {
            "row": points.index.to_numpy(),
            "x": scaled[:, 0].round(2),
            "y": scaled[:, 1].round(2),
            "c": np.column_stack([rgb, alpha]).tolist(),
            "title": points["title"].astype(str).to_numpy(),
            "artist": points["artist"].astype(str).to_numpy(),
            "track_id": points["track_id"].astype(str).to_numpy(),
            **{c: points[c].astype(str).to_numpy() for c in WORDS if c in points},
        }
    )
    layers = [
        pdk.Layer(
            "ScatterplotLayer",
            [],  # the songs: written into the JSON by DrawnDeck
            id=LAYER,
            get_position=["x", "y"],
            get_fill_color="c",
            get_radius=3,
            radius_units="pixels",
            pickable=True,
            auto_highlight=True,
        )
    ]
    if picked is not None and picked in points.index:
        at = data.set_index("row")
        me = at.loc[picked]
        near = at.loc[[r for r in neighbours if r in at.index and r != picked]]
        lines = pd.DataFrame(
            {"from": [[me.x, me.y]] * len(near), "to": near[["x", "y"]].to_numpy().tolist()}
        )
        ring = pd.DataFrame({"x": [me.x], "y": [me.y]})
        pick = _rgb(PICK_COLOR)
        layers += [
            pdk.Layer(
                "LineLayer",
                lines,
                id="neighbours",
                get_source_position="from",
                get_target_position="to",
                get_color=pick,
                get_width=1.5,
            ),
            pdk.Layer(
                "ScatterplotLayer",
                pd.concat([ring, near[["x", "y"]]], ignore_index=True),
                id="picked",
                get_position=["x", "y"],
                stroked=True,
                filled=False,
                get_line_color=pick,
                line_width_units="pixels",
                get_line_width=2,
                get_radius=7,
                radius_units="pixels",
            ),
        ]
    view = pdk.View(type="OrthographicView", controller=True)
    state = pdk.ViewState(target=[SPAN / 2, SPAN / 2, 0], zoom=-1, min_zoom=-3, max_zoom=8)
    deck = pdk.Deck(
        layers=layers,
        views=[view],
        initial_view_state=state,
        map_style=None,
        tooltip={"text": "\n".join(f"{{{c}}}" for c in TOOLTIP + WORDS if c in data)},
        height=height,
    )
    return DrawnDeck(deck, LAYER, data)


class DrawnDeck:
    """A ``pydeck.Deck`` serialised once, compactly, its largest layer's rows written by pandas:
    what ``st.pydeck_chart`` reads of a deck (``to_json()`` and the tooltip).

    pydeck keeps a layer's table as a list of dicts and writes indented JSON afresh on every
    rerun; at 100,000 songs (``bench/bench_deck.py``) it takes 2.8 s to build, 1.6 s every rerun,
    and a kept drawing holds 97–128 MB for 31 MB of JSON. This takes 0.55 s once and holds 46 MB for
    15.5 MB of compact JSON; the spec is otherwise pydeck's own."""

    layers = None  # nothing for Streamlit to convert (its pandas 3 work-around for pydeck)
    mapbox_key = None

    def __init__(self, deck, layer: str, rows: pd.DataFrame):
        spec = json.loads(deck.to_json())
        (target,) = [each for each in spec["layers"] if each["id"] == layer]
        hole = f"@@rows of {layer}@@"  # the spec holds no user text: the first match is this
        target["data"] = hole
        text = json.dumps(spec, separators=(",", ":"))
        self._json = text.replace(json.dumps(hole), rows.to_json(orient="records"), 1)
        self._tooltip = deck._tooltip

    def to_json(self) -> str:
        return self._json


def deck_event(event) -> dict:
    """A click on a :func:`deck_map` in the shape a Vega chart's selection has
    (``{"selection": {"picked": [{"track_id": …}]}}``: see :func:`~songsim.ui.selection.
    pick_from_chart`); a click on empty space picks nothing."""
    try:
        objects = event["selection"]["objects"].get(LAYER, [])
    except (KeyError, TypeError, AttributeError):
        objects = []
    ids = [str(o.get("track_id")) for o in objects if o.get("track_id") is not None]
    return {"selection": {"picked": [{"track_id": t} for t in ids]}}
