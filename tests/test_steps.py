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
    """Counts of the expensive steps, as the dashboard's caches call them."""
    import songsim.embeddings
    from songsim.analysis import communities, maps
    from songsim.analysis.clustering import KSweep
    from songsim.data.datasets import Dataset
    from songsim.steps import graph as graph_steps

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
    counted(graph_steps, "dataset_graph", "graph")
    counted(communities, "detect", "communities")
    counted(Dataset, "with_playlists", "playlist matching")
    return runs


def test_a_new_k_perplexity_or_upload_recomputes_only_its_own_step(steps, tiny_dataset):
    from songsim.data.store import save_dataset

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
    from songsim.params import GraphParams

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
    from songsim.params import GraphParams
    from songsim.steps import Flow, dataset_graph

    params = GraphParams(min_playlists=2, method="leiden", random_state=3)
    g, res = Flow(demo_ds).get("song_graph", graph=params)
    ref = detect(
        dataset_graph(demo_ds, min_playlists=2),
        method="leiden",
        refine_partition=True,
        random_state=3,
    )
    assert g.n_nodes == len(res.membership) and list(res.membership) == list(ref.membership)


def test_sweep_and_map_parameters_are_checked_once_and_say_what_they_clip():
    from songsim.errors import SongsimError
    from songsim.params import MapParams, SweepParams

    for bad in ({"k_min": 1}, {"k_min": 5, "k_max": 4}, {"method": "dbscan"}, {"n_init": 0}):
        with pytest.raises(SongsimError):
            SweepParams(**bad)
    for bad in ({"method": "umap"}, {"perplexity": 0.5}, {"perplexity": 51}, {"n_iter": 0}):
        with pytest.raises(SongsimError):
            MapParams(**bad)
    assert SweepParams().fit(300).params == SweepParams() and SweepParams().fit(300).note is None
    small = SweepParams().fit(9)
    assert small.params.ks == range(2, 9) and small.note == "k goes up to 8 for 9 tracks"
    with pytest.raises(SongsimError, match="too few"):
        SweepParams().fit(2)
    lowered = MapParams(perplexity=30).fit(25)
    assert lowered.params.perplexity == 8 and "lowered to 8" in lowered.note
    assert MapParams(method="pca").fit(25).note is None  # PCA has no perplexity to lower
    assert MapParams(perplexity=12).fit(1000).params == MapParams(perplexity=12)
    with pytest.raises(SongsimError, match="needs 4 tracks"):
        MapParams().fit(3)
    assert hash(MapParams(perplexity=10)) != hash(MapParams())  # frozen: a cache key


def test_the_sweep_and_map_steps_are_the_estimators_they_wrap():
    import numpy as np

    from songsim.analysis.clustering import KSweep
    from songsim.analysis.maps import TSNEMapper, pca_2d
    from songsim.cache import MemoryCache
    from songsim.params import MapParams, SweepParams
    from songsim.steps import Flow, drawn_map

    X = np.random.default_rng(0).standard_normal((40, 6)).astype(np.float32)
    cache = MemoryCache()
    flow = Flow(cache=cache, given={"track_vectors": X})
    ours = flow.get("k_sweep", sweep=SweepParams(k_max=60, random_state=2))
    ref = KSweep(range(2, 40), random_state=2).fit(X)
    assert ours.ks_ == ref.ks_ and all((ours.labels_[k] == ref.labels_[k]).all() for k in ref.ks_)

    params = MapParams(perplexity=20)  # above (40 - 1) / 3: lowered to 13
    cache._values.clear()
    tm = drawn_map(flow, map=params)
    assert tm.fitted.params.perplexity == 13 and tm.fitted.note
    mapper = TSNEMapper(max_perplexity=50).fit(X)
    np.testing.assert_array_equal(tm.xy, mapper.transform(13))
    again = drawn_map(flow, map=MapParams(perplexity=7))  # the neighbours are reused
    assert len(cache._values) == 3  # neighbours once, a map per perplexity
    np.testing.assert_array_equal(again.xy, mapper.transform(7))
    warm = drawn_map(flow, map=MapParams(perplexity=8), start=again)
    assert warm.key not in (again.key, tm.key) and warm.xy.shape == (40, 2)
    pca = drawn_map(flow, map=MapParams(method="pca"))
    xy, ratio = pca_2d(X)
    np.testing.assert_array_equal(pca.xy, xy)
    assert pca.explained == tuple(ratio)


def test_a_small_library_says_how_its_k_and_perplexity_were_fitted(tiny_dataset):
    from songsim.data.store import save_dataset

    save_dataset(tiny_dataset("small", seed=3))  # 8 tracks
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.sidebar.selectbox[0].set_value("small").run()
    at.switch_page("pages/clusters.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("k goes up to 7 for 8 tracks" in c.value for c in at.caption)
    at.switch_page("pages/map.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("at most 2 for 8 tracks" in c.value for c in at.caption)


def test_the_runner_keys_every_step_through_its_inputs_and_fetches_only_on_a_miss():
    """Steps declared by name: the runner resolves their inputs, keys each result on its inputs'
    keys and its own parameters, asks a lazy input only when the step calls it, runs a volatile
    look-up on every key, and refuses an unknown parameter."""
    from songsim.cache import MemoryCache
    from songsim.flow import STEPS, Flow, Lazy, step

    runs, state = [], {"version": 1}

    @step(volatile=True)
    def _t_version(audio) -> int:
        return state["version"]

    @step
    def _t_numbers(audio, _t_version, size: int = 3) -> list:
        runs.append("numbers")
        return list(range(size * _t_version))

    @step
    def _t_total(_t_numbers, _t_version: Lazy = None, scale: int = 1) -> int:
        runs.append("total")
        return scale * sum(_t_numbers)

    try:
        assert STEPS["_t_total"].inputs == ("_t_numbers", "_t_version")
        assert STEPS["_t_total"].lazy == {"_t_version"}
        ds = type("Tiny", (), {"audio_fingerprint": "a1", "fingerprint": "f1"})()
        cache = MemoryCache()
        flow = Flow(ds, cache=cache)
        assert flow.get("_t_total") == 3 and runs == ["numbers", "total"]
        assert flow.get("_t_total") == 3 and runs == ["numbers", "total"]  # a hit: nothing runs
        assert flow.get("_t_total", scale=2) == 6 and runs[-1] == "total" and len(runs) == 3
        first = flow.key("_t_total")
        assert flow.key("_t_total", size=4).digest != first.digest  # an upstream parameter
        state["version"] = 2  # a new checkpoint, say: every key after it changes
        assert Flow(ds, cache=cache).key("_t_total").digest != first.digest
        assert Flow(ds, cache=cache).get("_t_total") == sum(range(6))
        other = type("Tiny", (), {"audio_fingerprint": "a2", "fingerprint": "f2"})()
        assert Flow(other).key("_t_total").digest != Flow(ds).key("_t_total").digest
        with pytest.raises(TypeError, match="no parameter sise"):
            flow.get("_t_total", sise=4)
        given = Flow(given={"_t_numbers": [5, 5], "_t_version": 1})
        assert given.get("_t_total") == 10 and runs[-1] == "total"
    finally:
        for name in ("_t_version", "_t_numbers", "_t_total"):
            STEPS.pop(name, None)


def test_a_step_code_version_is_derived_from_the_modules_it_reads():
    from songsim.flow import STEPS, _closure, derived_code
    from songsim.steps import clusters

    files = {p.name for p in _closure(Path(clusters.__file__).resolve())}
    assert {"clustering.py", "clusters.py", "params.py", "flow.py"} <= files
    assert "results.py" not in files  # the dashboard is not read by the steps
    assert STEPS["k_sweep"].code == derived_code(clusters.k_sweep)


def test_the_steps_after_an_embedding_are_keyed_through_it_and_equal_their_references(demo_ds):
    """Comparison, scores and layout are steps: each equals the functions it wraps, runs once per
    key, and runs again when anything upstream changes (other vectors: a new checkpoint)."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import adjusted_mutual_info_score

    from songsim.analysis.clustering import KSweep
    from songsim.analysis.evaluation import community_labels, score_embedding
    from songsim.cache import MemoryCache
    from songsim.params import GraphParams, SweepParams
    from songsim.steps import Flow, comparison

    X = np.random.default_rng(2).standard_normal((demo_ds.n_tracks, 6)).astype(np.float32)
    cache = MemoryCache()
    flow = Flow(demo_ds, cache=cache, given={"track_vectors": X})

    sweep = SweepParams(k_max=8)
    first = comparison(flow, "labels", k=5, sweep=sweep)
    labels = KSweep(sweep.ks, random_state=0).fit(X).labels_[5]
    assert first.scores["ami"] == pytest.approx(adjusted_mutual_info_score(demo_ds.labels, labels))
    assert first.table.to_numpy().sum() == demo_ds.n_tracks and first.left_out == 0
    assert comparison(flow, "labels", k=5, sweep=sweep) is first
    other = Flow(demo_ds, cache=cache, given={"track_vectors": X[::-1].copy()})
    assert comparison(other, "labels", k=5, sweep=sweep) is not first  # new vectors upstream

    graph = GraphParams()
    row = flow.get("embedding_scores", graph=graph, sweep=sweep)
    communities = community_labels(*flow.get("song_graph", graph=graph))
    ref = score_embedding(
        X, labels=demo_ds.complete_labels, communities=communities, sweep=KSweep(sweep.ks).fit(X)
    )
    assert row == ref
    by_community = comparison(flow, "communities", k=5, graph=graph, sweep=sweep)
    assert list(by_community.table.columns.names) == ["community"]
    assert isinstance(by_community.table, pd.DataFrame)
    outside = flow.get("cluster_labels", k=12, sweep=sweep)  # k past the sweep: its own k-means
    assert len(np.unique(outside)) == 12

    keep, edges, pos = flow.get("graph_layout", graph=graph, max_nodes=50, edges_per_node=3)
    assert len(keep) == 50 and pos.shape == (50, 2) and edges.max() < 50
    assert flow.get("graph_layout", graph=graph, max_nodes=50, edges_per_node=3)[2] is pos
