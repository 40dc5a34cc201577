"""The Map of a large library (deck.gl): its JSON against pydeck's own, and the page drawing it."""

import json

import numpy as np
import pandas as pd
import pydeck as pdk
import pytest

from songsim.ui.deck import LAYER, DrawnDeck, deck_event, deck_map


def points(n=40, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.standard_normal(n),
            "y": rng.standard_normal(n),
            "cluster": rng.integers(0, 5, n).astype(str),
            "title": [f'Song "{i}" </script><b>é' for i in range(n)],  # text that needs escaping
            "artist": ["A/B"] * n,
            "track_id": [f"t{i}" for i in range(n)],
        },
        index=np.arange(100, 100 + n),
    )


def test_a_drawn_deck_is_pydecks_own_json_with_the_rows_pandas_wrote():
    rows = points().assign(c=lambda d: [[1, 2, 3, 200]] * len(d))[["x", "y", "c", "title"]]
    rows = rows.reset_index(drop=True).round(2)

    def deck(data):
        layers = [
            pdk.Layer("ScatterplotLayer", data, id="songs", get_position=["x", "y"]),
            pdk.Layer("LineLayer", [{"from": [0, 0], "to": [1, 1]}], id="lines"),
        ]
        return pdk.Deck(layers=layers, map_style=None, tooltip={"text": "{title}"})

    reference = json.loads(deck(rows).to_json())
    drawn = DrawnDeck(deck([]), "songs", rows)
    assert json.loads(drawn.to_json()) == reference
    assert drawn._tooltip == {"text": "{title}"}  # what st.pydeck_chart reads of a deck
    assert len(drawn.to_json()) < len(deck(rows).to_json()) / 1.5  # compact


def test_the_map_deck_colours_highlights_and_rings_the_picked_song():
    pts = points()
    mask = np.zeros(len(pts), bool)
    mask[:3] = True
    spec = json.loads(
        deck_map(
            pts, color="cluster", picked=101, neighbours=[102, 103, 999], highlight=mask
        ).to_json()
    )
    layers = {layer["id"]: layer for layer in spec["layers"]}
    songs = layers[LAYER]["data"]
    assert [s["row"] for s in songs] == pts.index.tolist()
    assert [s["title"] for s in songs] == pts["title"].tolist()  # user text intact, as data
    assert [s["c"][3] for s in songs] == [215] * 3 + [30] * (len(pts) - 3)
    same = pts["cluster"].to_numpy()
    colours = [tuple(s["c"][:3]) for s in songs]
    assert all(
        (colours[i] == colours[j]) == (same[i] == same[j]) for i in range(10) for j in range(10)
    )
    xy = np.array([[s["x"], s["y"]] for s in songs])
    assert (
        xy.min() >= 0 and xy.max() <= 1000 and np.isclose(np.ptp(xy, axis=0).max(), 1000, atol=0.01)
    )
    assert len(layers["neighbours"]["data"]) == 2  # the row not on the map is left out
    assert len(layers["picked"]["data"]) == 3  # the picked song and its two neighbours


def test_a_click_on_the_deck_reads_as_a_chart_pick():
    event = {"selection": {"objects": {LAYER: [{"track_id": "t7", "title": "x"}]}}}
    assert deck_event(event) == {"selection": {"picked": [{"track_id": "t7"}]}}
    assert deck_event({"selection": {"objects": {}}}) == {"selection": {"picked": []}}
    assert deck_event(None) == {"selection": {"picked": []}}


@pytest.mark.usefixtures("apptest_like_a_server")
def test_the_map_page_draws_a_large_library_with_webgl(monkeypatch, demo_ds):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    import songsim.ui

    monkeypatch.setattr(songsim.ui, "WEBGL_ABOVE", 0)  # the demo drawn as a large library is
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = at.get("deck_gl_json_chart")
    spec = json.loads(chart.proto.json)
    songs = next(layer for layer in spec["layers"] if layer["id"] == LAYER)["data"]
    assert len(songs) == demo_ds.n_tracks
    assert json.loads(chart.proto.tooltip)["text"].startswith("{title}\n{artist}\n{track_id}")
    assert not at.get("vega_lite_chart")


@pytest.mark.usefixtures("apptest_like_a_server")
def test_the_webgl_map_shows_the_words_of_the_taggers_that_heard_the_library(
    monkeypatch, tiny_dataset
):
    """A library drawn with WebGL (the threshold lowered: tagging 5,000 tracks takes minutes)
    whose tracks the taggers have heard: each song's tooltip carries its tags, and the drawing is
    made anew once they are heard (the map's key names the taggers, as the Vega map's does)."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    import songsim.ui
    from songsim.data.store import save_dataset
    from songsim.embeddings.kinds import track_tags

    ds = tiny_dataset("heard", seed=4)
    save_dataset(ds)
    monkeypatch.setattr(songsim.ui, "WEBGL_ABOVE", 0)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=300)
    at.run()
    at.sidebar.selectbox[0].set_value("heard").run()
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = at.get("deck_gl_json_chart")
    assert "{tags}" not in json.loads(chart.proto.tooltip)["text"]  # not heard yet

    track_tags(ds, "MSD")  # both taggers hear it (as `songsim tags heard` would)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = at.get("deck_gl_json_chart")
    assert json.loads(chart.proto.tooltip)["text"].endswith("{tags}\n{sound}")
    spec = json.loads(chart.proto.json)
    songs = next(layer for layer in spec["layers"] if layer["id"] == LAYER)["data"]
    assert len(songs) == ds.n_tracks and all(s["tags"] and s["sound"] for s in songs)
