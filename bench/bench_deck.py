"""The WebGL map's drawing: songsim's deck (serialised once, rows written by pandas) against
pydeck's own ``Deck.to_json()`` of the same layers and rows, as ``st.pydeck_chart`` calls it on
every rerun.

Random points with song-like text; prints one JSON line: median seconds to build and serialise,
the JSON's size and the memory a kept drawing holds (resident growth after the C heap is trimmed),
for each, and the ratios. Both outputs are checked to parse to the same spec first.

Usage: python bench/bench_deck.py [--points 100000] [--repeats 3]
"""

import argparse
import json

import numpy as np
import pandas as pd
from _common import emit, kept_mb, median_time

from songsim.ui.deck import LAYER, deck_map


def points(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "x": rng.standard_normal(n),
            "y": rng.standard_normal(n),
            "cluster": rng.integers(0, 12, n).astype(str),
            "title": [f"Song title number {i}" for i in range(n)],
            "artist": [f"Artist {i % 997}" for i in range(n)],
            "track_id": [f"library/album {i % 401}/track-{i:06d}.ogg" for i in range(n)],
        }
    )


def pydecks(drawn, rows: pd.DataFrame):
    """The reference: the same deck with the songs in pydeck's layer (as pydeck keeps them)."""
    import pydeck as pdk

    spec = json.loads(drawn.to_json())
    songs = next(layer for layer in spec["layers"] if layer["id"] == LAYER)
    layer = pdk.Layer(
        "ScatterplotLayer",
        rows,
        id=LAYER,
        get_position=["x", "y"],
        get_fill_color="c",
        get_radius=songs["getRadius"],
        radius_units="pixels",
        pickable=True,
        auto_highlight=True,
    )
    view = pdk.View(type="OrthographicView", controller=True)
    state = pdk.ViewState(**{k: spec["initialViewState"][k] for k in ("target", "zoom")})
    state.min_zoom, state.max_zoom = (
        spec["initialViewState"]["minZoom"],
        spec["initialViewState"]["maxZoom"],
    )
    return pdk.Deck(
        layers=[layer],
        views=[view],
        initial_view_state=state,
        map_style=None,
        tooltip=drawn._tooltip,
        height=560,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    pts = points(a.points)

    def ours():
        drawn = deck_map(pts, color="cluster")
        return drawn, drawn.to_json()

    (t_ours, (drawn, text)), held_ours = kept_mb(lambda: median_time(ours, a.repeats))
    rows = pd.DataFrame(json.loads(text)["layers"][0]["data"])

    def reference():
        deck = pydecks(drawn, rows)
        return deck, deck.to_json()

    (t_ref, (deck, ref_text)), held_ref = kept_mb(lambda: median_time(reference, a.repeats))
    t_rerun, _ = median_time(deck.to_json, a.repeats)  # what each rerun costs pydeck
    assert json.loads(text) == json.loads(ref_text), "the two drawings differ"
    emit(
        "deck",
        {
            "points": a.points,
            "songsim_s": round(t_ours, 3),
            "pydeck_s": round(t_ref, 3),
            "pydeck_rerun_s": round(t_rerun, 3),
            "songsim_json_mb": round(len(text) / 2**20, 1),
            "pydeck_json_mb": round(len(ref_text) / 2**20, 1),
            "songsim_held_mb": round(held_ours, 1),
            "pydeck_held_mb": round(held_ref, 1),
            "time_ratio": round(t_ref / t_ours, 2),
            "json_ratio": round(len(ref_text) / len(text), 2),
        },
    )


if __name__ == "__main__":
    main()
