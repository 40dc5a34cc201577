"""Each dashboard step runs once: a new k, perplexity or playlist upload recomputes only its own
step (counted by wrapping the library functions the steps call), and an upload is matched and
its graph built once."""

from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
pytestmark = pytest.mark.usefixtures("apptest_like_a_server", "demo_ds")


@pytest.fixture()
def steps(monkeypatch):
    """Counts of the pipeline's expensive steps, as the dashboard's caches call them."""
    import songsim.embeddings
    from songsim import pipeline
    from songsim.analysis import communities, maps
    from songsim.analysis.clustering import KSweep
    from songsim.data.datasets import Dataset

    runs = Counter()

    def counted(owner, name, step):
        real = getattr(owner, name)

        def wrapper(*args, **kwargs):
            runs[step] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    counted(songsim.embeddings, "embed", "embed")
    counted(KSweep, "fit", "k sweep")
    counted(maps.TSNEMapper, "fit", "t-SNE neighbours")
    counted(maps.TSNEMapper, "transform", "t-SNE map")
    counted(pipeline, "dataset_graph", "graph")
    counted(communities, "detect", "communities")
    counted(Dataset, "with_playlists", "playlist matching")
    return runs


def test_a_new_k_perplexity_or_upload_recomputes_only_its_own_step(steps, tiny_dataset):
    from songsim.data.datasets import save_dataset

    ds = tiny_dataset("steps", seed=7)
    save_dataset(ds)
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.sidebar.selectbox[0].set_value("steps").run()
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert steps["embed"] == 1 and steps["k sweep"] == 1 and steps["t-SNE map"] == 1
    assert steps["graph"] == 1 and steps["communities"] == 1

    steps.clear()
    perplexity = next(s for s in at.slider if s.label == "Perplexity")
    perplexity.set_value(perplexity.value - 1).run()
    assert not at.exception
    assert dict(steps) == {"t-SNE map": 1}  # the neighbours, embedding and sweep are reused

    steps.clear()
    at.switch_page("pages/clusters.py").run()
    k = next(s for s in at.slider if s.label == "k (clusters)")
    k.set_value(k.value + 1 if k.value < k.max else k.value - 1).run()
    at.switch_page("pages/map.py").run()
    assert not at.exception
    assert dict(steps) == {}  # every k's clusters come from the one sweep

    steps.clear()
    at.switch_page("pages/graph.py").run()
    ids = ds.tracks["track_id"].tolist()
    rows = [f"p{p},{ids[(p + j) % len(ids)]}" for p in range(6) for j in range(3)]
    upload = ("mine.csv", ("playlist_id,track_id\n" + "\n".join(rows)).encode(), "text/csv")
    at.file_uploader[0].set_value(upload).run()
    assert not at.exception and any("entries matched" in s.value for s in at.success)
    assert dict(steps) == {"playlist matching": 1, "graph": 1, "communities": 1}


def test_graph_parameters_are_checked_once_where_they_are_made():
    from songsim.errors import SongsimError
    from songsim.pipeline import GraphParams

    assert GraphParams() == GraphParams(min_playlists=1, method="leading-eigenvector", refine=True)
    for bad in (
        {"min_playlists": 0},
        {"min_weight": 0},
        {"method": "spectral"},
        {"max_communities": 0},
    ):
        with pytest.raises(SongsimError):
            GraphParams(**bad)
    assert hash(GraphParams(method="leiden")) != hash(GraphParams())  # frozen: a cache key


def test_the_song_graph_step_is_the_graph_and_its_communities(demo_ds):
    from songsim.analysis.communities import detect
    from songsim.pipeline import GraphParams, dataset_graph, song_graph

    params = GraphParams(min_playlists=2, method="leiden", random_state=3)
    g, res = song_graph(demo_ds, params)
    ref = detect(
        dataset_graph(demo_ds, min_playlists=2),
        method="leiden",
        refine_partition=True,
        random_state=3,
    )
    assert g.n_nodes == len(res.membership) and list(res.membership) == list(ref.membership)
