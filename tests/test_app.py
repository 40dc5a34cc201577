"""Every dashboard page under Streamlit's AppTest: it renders, its widgets exist and they act."""

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


pytestmark = pytest.mark.usefixtures("apptest_like_a_server")


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    if page != "data":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def drawn(at) -> int:
    """Nodes drawn on the Graph page (its caption says so)."""
    import re

    caption = next(c.value for c in at.caption if c.value.startswith("Showing "))
    return int(re.match(r"Showing (\d+) of", caption).group(1))


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_data(at) -> list[str]:
    return [
        str([d.data for d in c.proto.datasets]) + c.proto.spec for c in at.get("vega_lite_chart")
    ]


@pytest.fixture(autouse=True)
def _demo(demo_ds):
    return demo_ds


def labelled(widgets, label: str):
    """The widget of ``widgets`` (e.g. ``at.text_input``) with this label."""
    return next(w for w in widgets if w.label == label)


def test_data_page():
    at = open_page("data")
    values = {m.label: m.value for m in at.metric}
    assert values["Tracks"] == "320" and values["Clips"] == "1,920"
    assert values["Playlists"] == "1,200" and values["Songs"] == "320"
    assert len(at.get("image")) >= 8 and len(at.get("audio")) >= 8
    assert labelled(at.text_input, "Folder") and at.sidebar.selectbox[0].value == "demo"
    assert not any(b.label == "Update library" for b in at.button)  # the demo has no folder


def test_data_page_lists_skipped_files(fresh_cache, monkeypatch, tiny_dataset):
    from songsim import catalog
    from songsim.data.store import save_dataset

    monkeypatch.setattr(
        "songsim.data.demo.build_demo", lambda progress=None: tiny_dataset(catalog.DEMO_NAME)
    )
    catalog.ensure_demo()
    mine = tiny_dataset("mine", seed=2)
    mine.info["skipped_files"] = [{"file": "broken.mp3", "reason": "not an audio file"}]
    save_dataset(mine)
    at = open_page("data")
    at.sidebar.selectbox[0].set_value("mine").run()
    assert not at.exception, [e.value for e in at.exception]
    assert {m.label: m.value for m in at.metric}["Skipped files"] == "1"
    assert any(e.label == "1 skipped files" for e in at.expander)
    assert any("broken.mp3" in str(d.value) for d in at.dataframe)


def test_data_page_ingest_refuses_folders_outside_the_roots(tmp_path):
    at = open_page("data")
    labelled(at.text_input, "Folder").set_value(str(tmp_path))
    labelled(at.button, "Ingest or update").click().run()
    assert any("outside the folders" in e.value for e in at.error)


def test_data_page_ingest_refuses_an_empty_folder():
    at = open_page("data")
    labelled(at.button, "Ingest or update").click().run()  # the Folder field left empty
    assert any("give the folder to ingest" in e.value for e in at.error)
    assert not at.success


def test_graph_page_hostile_uploads_end_in_an_error_and_keep_the_graph(tmp_path):
    from bench.hostile_files import gzip_bomb

    at = open_page("graph")
    hostile = {
        "pid.json": b'{"playlists":[{"pid":' + b"9" * 5000 + b',"tracks":[]}]}',
        "pos.csv": b"playlist_id,track_id,position\np,demo/techno/0001,9223372036854775808\n",
        "deep.m3u8": b"#EXTM3U\n" + b"a/" * 50_000 + b"x.wav\n",
        "bomb.json.gz": gzip_bomb(tmp_path / "bomb.json.gz").read_bytes(),
    }
    for name, data in hostile.items():
        at.file_uploader[0].set_value((name, data, "application/octet-stream")).run()
        assert not at.exception, name
        assert any(
            name in e.value.replace("\\", "") and "previous graph is kept" in e.value
            for e in at.error
        ), name
        assert {m.label: m.value for m in at.metric}["Songs in the largest component"] == "320"


def test_an_ingested_folder_is_shown_at_once(tmp_path, monkeypatch, fresh_cache, demo_ds):
    import songsim.catalog as catalog
    from bench.hostile_files import spectrogram_folder

    monkeypatch.setattr(catalog, "ensure_demo", lambda **kw: demo_ds)
    from songsim.data.store import save_dataset

    save_dataset(demo_ds)
    monkeypatch.setenv("SONGSIM_INGEST_ROOTS", str(tmp_path))
    folder = spectrogram_folder(tmp_path / "pngs", 6)
    at = open_page("data")
    labelled(at.text_input, "Folder").set_value(str(folder))
    labelled(at.text_input, "Dataset name").set_value("fresh")
    at.radio[0].set_value("spectrograms")
    labelled(at.button, "Ingest or update").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("'fresh': 6 tracks (added 6" in s.value for s in at.success)
    picker = at.sidebar.selectbox[0]
    assert "fresh" in picker.options and picker.value == "fresh"
    assert "6 tracks" in at.sidebar.caption[0].value


def test_model_page_loads_shipped_weights_and_switches_model():
    at = open_page("model")
    assert at.radio[0].value == "contrastive"
    assert any("shipped pretrained encoder" in s.value for s in at.success)
    assert any(b.label == "Fine-tune on this library" for b in at.button)
    assert any(s.value == "Two training views of a clip" for s in at.subheader)
    assert len(at.get("image")) >= 8 and charts(at)
    at.radio[0].set_value("cae").run()
    assert any(  # when and on what it was trained, not its folder name
        "Loaded the checkpoint shipped for the demo, trained 2026-11-21"
        in s.value.replace("\\", "")
        and "on demo, 6 epochs" in s.value
        for s in at.success
    )
    assert any("squared error per spectrogram cell" in c.value for c in at.caption)
    assert any(s.value == "Originals and reconstructions" for s in at.subheader)
    at.radio[0].set_value("vae").run()
    assert any("Loaded the checkpoint shipped for the demo" in s.value for s in at.success)
    at.selectbox[0].set_value(16).run()
    assert any("No VAE checkpoint with latent size 16" in i.value for i in at.info)
    assert any(b.label == "Train" for b in at.button)


def test_clusters_k_slider_changes_the_clusters():
    at = open_page("clusters")
    assert at.slider[0].label == "k (clusters)" and at.selectbox[0].value == "contrastive"
    before = chart_data(at)
    at.slider[0].set_value(3).run()
    assert any(s.value == "3 clusters" for s in at.subheader)
    assert chart_data(at) != before
    at.selectbox[0].set_value("mfcc").run()
    assert not at.exception


def test_graph_page_and_upload(tmp_path):
    at = open_page("graph")
    values = {m.label: m.value for m in at.metric}
    assert values["Songs in the largest component"] == "320" and float(values["Modularity"]) > 0.3
    assert drawn(at) == 300  # the 300 nodes of highest degree, in a clickable chart
    graph = next(c for c in charts(at) if "picked" in json.dumps(c))
    assert {"picked", "zoom"} <= {p["name"] for p in graph["params"]}  # click to pick, zoom and pan
    assert len(at.get("download_button")) == 1  # the same graph as an offline pyvis page
    at.selectbox[0].set_value("leiden").run()
    assert not at.exception
    # an upload rebuilds the graph for this session
    rows = "\n".join(
        f"u{p},demo/{s}/{i:04d}"
        for p in range(6)
        for s, i in (
            ("techno", 1 + 8 * p),
            ("techno", 9 + 8 * p),
            ("piano", 4 + 8 * p),
            ("piano", 12 + 8 * p),
        )
    )
    at.file_uploader[0].set_value(
        ("mine.csv", ("playlist_id,track_id\n" + rows + "\nu9,nothing\n").encode(), "text/csv")
    ).run()
    assert not at.exception and not at.error
    assert any("1 unmatched" in s.value for s in at.success)
    sidebar = " ".join(c.value for c in at.sidebar.caption)  # the sidebar follows the upload
    assert "6 playlists" in sidebar and "mine" in sidebar.replace("\\", "")
    assert int({m.label: m.value for m in at.metric}["Songs in the largest component"]) < 320
    assert 0 < drawn(at) < 300
    # a bad upload shows the reason and keeps the uploaded graph
    at.file_uploader[0].set_value(("bad.json", b'{"playlists": [', "application/json")).run()
    assert any(
        "bad.json" in e.value.replace("\\", "") and "previous graph is kept" in e.value
        for e in at.error
    )
    assert int({m.label: m.value for m in at.metric}["Songs in the largest component"]) < 320


def test_clusters_and_communities_in_words(fresh_cache, monkeypatch, tiny_dataset):
    from songsim import catalog
    from songsim.models.musicnn import tag_names

    monkeypatch.setattr(
        "songsim.data.demo.build_demo", lambda progress=None: tiny_dataset(catalog.DEMO_NAME)
    )
    catalog.ensure_demo()  # a demo of 8 tracks: musicnn hears it in seconds
    at = open_page("clusters")
    at.toggle[0].set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.dataframe[0].value
    msd, mtt = "genre and era (MSD tags)", "instruments, voice and mood (MTT tags)"
    assert list(table.columns) == ["cluster", "songs", msd, mtt]
    for column, folder in ((msd, "musicnn-msd"), (mtt, "musicnn-mtt")):
        words = {t for cell in table[column] for t in cell.split(", ")} - {"—"}
        assert words and words <= set(tag_names(folder)), column
    at.switch_page("pages/graph.py").run()
    assert not at.exception
    assert at.toggle[0].value  # the same setting, kept across pages
    assert any("community" in d.value.columns for d in at.dataframe)
    at.switch_page("pages/compare.py").run()  # side by side: clusters' words and communities'
    assert not at.exception, [e.value for e in at.exception]
    worded = [d.value for d in at.dataframe if mtt in d.value.columns]
    assert {"cluster", "community"} <= {t.columns[0] for t in worded}
    at.switch_page("pages/map.py").run()  # heard: each point's top tags of both in its tooltip
    assert not at.exception, [e.value for e in at.exception]
    tooltips = [f["field"] for c in charts(at) for f in c.get("encoding", {}).get("tooltip", [])]
    tooltips += [
        f["field"]
        for c in charts(at)
        for layer in c.get("layer", [])
        for f in layer.get("encoding", {}).get("tooltip", [])
    ]
    assert {"tags", "sound"} <= set(tooltips), tooltips


@pytest.mark.parametrize("shape", ["no-playlists-no-labels", "no-playlists-labels"])
def test_every_page_works_for_a_small_library_without_playlists(shape, tiny_dataset):
    from songsim.data.store import save_dataset
    from songsim.io.table import COLUMNS

    ds = tiny_dataset("bare")
    ds.playlists = ds.playlists.iloc[:0]  # a folder of songs and no playlists
    ds.info = {**ds.info, "kind": "spectrograms"}  # no audio to play
    if shape == "no-playlists-no-labels":
        ds.tracks = ds.tracks.assign(label=None)
    ds.playlists = pd.DataFrame(columns=COLUMNS).astype({"position": "int32"})
    save_dataset(ds)
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.sidebar.selectbox[0].set_value("bare").run()
    for page in ("data", "model", "clusters", "graph", "map", "compare", "similar"):
        if page != "data":
            at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert "8 tracks" in at.sidebar.caption[0].value
        assert not at.error, (page, [e.value for e in at.error])
        if page == "graph":  # an info pointing to the upload, which is open
            assert any("upload a playlist file" in i.value for i in at.info)
            box = next(e for e in at.expander if e.label.startswith("Upload playlists"))
            assert box.proto.expanded


def test_map_perplexity_slider_changes_the_map():
    at = open_page("map")
    assert at.slider[0].label == "Perplexity"
    before = chart_data(at)
    at.slider[0].set_value(10).run()
    assert chart_data(at) != before
    at.radio[0].set_value("PCA").run()
    assert any("explain" in c.value for c in at.caption)


def test_compare_page():
    at = open_page("compare")
    assert any(s.value == "Clusters × communities" for s in at.subheader)
    assert any(s.value == "Clusters × labels" for s in at.subheader)
    assert len(at.dataframe) == 2
    assert {"AMI", "ARI", "V-measure"} <= set(at.dataframe[0].value.columns)
    table = at.dataframe[1].value
    from songsim.ui import KINDS_LABELS

    kinds = ("pca", "mfcc", "cae", "vae", "contrastive")  # raw only when asked for
    assert set(table.columns) == {"measure"} | {KINDS_LABELS[k] for k in kinds}
    assert "AMI vs labels" in set(table["measure"]) and not any("_" in m for m in table["measure"])
    at.checkbox[0].set_value(True).run()
    assert KINDS_LABELS["raw"] in at.dataframe[1].value.columns
    # Compare shows the clusters at the k chosen on the Clusters page
    before = at.dataframe[0].value.to_dict()
    at.switch_page("pages/clusters.py").run()
    at.slider[0].set_value(4).run()
    at.switch_page("pages/compare.py").run()
    assert any("k = 4" in c.value for c in at.caption)
    assert at.dataframe[0].value.to_dict() != before


def test_k_belongs_to_its_dataset(tiny_dataset):
    from songsim.data.store import save_dataset

    save_dataset(tiny_dataset("small"))
    at = open_page("clusters")
    at.slider[0].set_value(9).run()
    at.sidebar.selectbox[0].set_value("small").run()
    assert not at.exception, [e.value for e in at.exception]
    best = int(
        next(c.value for c in at.caption if "Best silhouette" in c.value).split("k = ")[1][0]
    )
    assert at.slider[0].value == best  # not 9 carried over (8 tracks sweep k = 2–6)
    at.switch_page("pages/map.py").run()
    assert not at.exception and any(f"k = {best}" in c.value for c in at.caption)
    at.sidebar.selectbox[0].set_value("demo").run()
    at.switch_page("pages/clusters.py").run()
    assert at.slider[0].value == 9  # each dataset keeps its own


def test_a_model_trained_at_another_size_is_picked_on_every_page(tiny_dataset):
    from songsim.data.store import save_dataset
    from songsim.embeddings.modeling import train_and_save
    from songsim.models.train import TrainParams

    ds = tiny_dataset("sized")
    save_dataset(ds)
    at = open_page("model")
    at.sidebar.selectbox[0].set_value("sized").run()
    at.radio[0].set_value("cae").run()
    at.selectbox[0].set_value(16).run()
    assert any("No CAE checkpoint with latent size 16" in i.value for i in at.info)
    # what the page's Train button runs, at one epoch
    train_and_save(ds, TrainParams.for_model("cae", latent=16, epochs=1))
    at.run()
    assert any("Loaded this library's checkpoint" in s.value for s in at.success)
    assert any(
        "Pick it as “Convolutional autoencoder, 16-d" in c.value.replace("\\", "")
        for c in at.caption
    )
    for page in ("clusters", "map", "compare", "similar"):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, [e.value for e in at.exception])
        picker = next(s for s in at.selectbox if s.label == "Embedding")
        label = next(o for o in picker.options if o.startswith("Convolutional autoencoder, 16-d"))
        assert "trained" in label and "on sized" in label  # when and on what
        if page == "clusters":
            picker.set_value("cae@16").run()
            assert not at.exception
        else:  # picked once, shown everywhere
            assert picker.value == "cae@16", page
    at.switch_page("pages/graph.py").run()
    next(r for r in at.radio if r.label == "Colour nodes by").set_value("cluster").run()
    assert any("Convolutional autoencoder (16-d)" in c.value for c in at.caption)


def test_map_marks_the_picked_song_and_its_neighbours():
    from songsim import ui

    at = open_page("similar")
    at.selectbox[0].set_value(5).run()  # pick a song on one page…
    at.switch_page("pages/map.py").run()  # …and the map marks it
    assert not at.exception
    spec = next(c for c in charts(at) if "layer" in c)
    assert len(spec["layer"]) == 4  # the points, lines to the neighbours, their rings, its ring
    assert any("Similar songs" in str(p.proto) for p in at.get("page_link"))
    assert len(at.get("audio")) == 1
    at.text_input[0].set_value("piano").run()  # search: only the matching songs stay bright
    assert any(" songs match." in c.value for c in at.caption)
    del ui


def test_similar_page():
    at = open_page("similar")
    assert len(at.dataframe[0].value) == 10
    at.slider[0].set_value(5).run()
    assert len(at.dataframe[0].value) == 5
    assert len(at.get("download_button")) == 4
    path = at.dataframe[2].value  # the path to another song: its ends, no song twice
    assert len(path) == 12 and path["track_id"].is_unique
    seed = at.selectbox[0].value
    from songsim.catalog import ensure_demo

    ids = ensure_demo().tracks["track_id"]
    assert path["track_id"].iloc[0] == ids.iloc[seed]
    assert path["track_id"].iloc[-1] == ids.iloc[labelled(at.selectbox, "To the song").value]
    at.slider[2].set_value(5).run()
    assert len(at.dataframe[2].value) == 5 and not at.exception


def test_a_new_checkpoint_redraws_every_chart_and_score(tiny_dataset):
    """A model trained while a session is open (as `songsim train` in another process): every
    page's charts and the Compare scores come from the new checkpoint, none from the old."""
    from songsim.data.store import load_dataset, save_dataset
    from songsim.embeddings import embed
    from songsim.embeddings.modeling import train_and_save
    from songsim.models.params import TrainParams
    from songsim.steps import Flow

    save_dataset(tiny_dataset("retrained", seed=11))
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.sidebar.selectbox[0].set_value("retrained").run()

    def seen() -> dict:
        out = {}
        for page in ("clusters", "map", "compare"):
            at.switch_page(f"pages/{page}.py").run()
            assert not at.exception, [e.value for e in at.exception]
            out[page] = chart_data(at)
            if page == "compare":
                table = next(d.value for d in at.dataframe if "measure" in d.value.columns)
                # the column is the embedding's label: it names the checkpoint once trained here
                column = next(c for c in table.columns if c.startswith("Contrastive encoder"))
                out["scores"] = table.set_index("measure")[column].to_dict()
        return out

    before = seen()
    ds = load_dataset("retrained")
    params = TrainParams.for_model("contrastive", epochs=1, batch_size=16, random_state=3)
    train_and_save(ds, params, progress=lambda *a: None)  # fine-tunes the shipped encoder
    after = seen()
    for page in ("clusters", "map", "compare"):
        assert after[page] != before[page], page
    new = embed(ds, "contrastive", train_if_missing=False)
    assert new.params["checkpoint"].startswith("contrastive-128/")  # this library's own now
    sweep = Flow(given={"track_vectors": new.track}).get("k_sweep")
    best = f"{max(sweep.silhouette_):.3f}"
    assert (
        after["scores"]["silhouette at best k"] == best != before["scores"]["silhouette at best k"]
    )


@pytest.mark.parametrize("value", ["inf", "-inf"])
def test_an_infinite_perplexity_in_a_shared_link_falls_back(value):
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params["dataset"] = "demo"
    at.query_params["perplexity"] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_model_trained_by_another_process_shows_on_the_model_page(tiny_dataset):
    """`songsim train` in another process while a session is open: that session's next run and
    a new session's Model page show the new checkpoint — its summary, loss curves and
    reconstructions — never the model loaded before."""
    import os
    import subprocess
    import sys

    from songsim.data.store import save_dataset

    save_dataset(tiny_dataset("elsewhere", seed=5))

    def train(epochs: int) -> None:
        r = subprocess.run(
            [sys.executable, "-m", "songsim", "train", "elsewhere", "--model", "cae"]
            + ["--epochs", str(epochs)],
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert r.returncode == 0, r.stderr

    def model_page(at=None):
        if at is None:
            at = AppTest.from_file(APP, default_timeout=300)
            at.run()
            at.sidebar.selectbox[0].set_value("elsewhere").run()
            at.switch_page("pages/model.py").run()
            labelled(at.radio, "Model").set_value("cae").run()
        else:
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        summary = next(s.value for s in at.success if s.value.startswith("Loaded"))
        images = [str(i.proto) for i in at.get("image")]
        return at, summary, chart_data(at), images

    train(1)
    open_session, summary, loss, images = model_page()
    assert "1 epoch on" in summary and images
    train(2)
    for seen in (model_page(open_session)[1:], model_page()[1:]):
        assert "2 epochs on" in seen[0], seen[0]
        assert seen[1] != loss and seen[2] != images  # the new loss curves and reconstructions
