"""The pieces behind the linked views: one colour per group, the strongest links of a song,
the Compare table from a sweep already made, and a progress bar that reaches its end."""

import numpy as np
import pandas as pd
import scipy.sparse as sp

from songsim.analysis.clustering import KSweep
from songsim.analysis.evaluation import score_embedding
from songsim.analysis.graph import SongGraph
from songsim.ui.charts import NO_GROUP, NO_GROUP_COLOR, PALETTE, bar_sizes, group_scale, scatter_map


def test_a_numbered_group_has_one_colour_whatever_else_is_drawn():
    a = group_scale(["3", "0", "12", NO_GROUP])
    b = group_scale(["12", "3"])  # another page draws fewer groups
    colour_a = dict(zip(a.domain, a.range))
    colour_b = dict(zip(b.domain, b.range))
    assert colour_a["3"] == colour_b["3"] == PALETTE[3]
    assert colour_a["12"] == colour_b["12"] == PALETTE[12]
    assert colour_a[NO_GROUP] == NO_GROUP_COLOR
    assert a.domain == ["0", "3", "12", NO_GROUP]  # numeric order, not "0", "12", "3"
    labels = group_scale(["rock", "jazz", "ambient"])
    assert dict(zip(labels.domain, labels.range)) == {
        "ambient": PALETTE[0],
        "jazz": PALETTE[1],
        "rock": PALETTE[2],
    }


def test_bars_take_their_groups_colours_and_can_be_clicked():
    spec = bar_sizes([5, 7, 1], what="community", selectable=True).to_dict()
    assert spec["encoding"]["color"]["scale"]["range"] == PALETTE[:3]
    assert spec["params"][0]["name"] == "focus"


def test_the_map_marks_the_picked_song_and_lines_to_its_neighbours():
    pts = pd.DataFrame(
        {
            "x": [0.0, 1, 2, 3],
            "y": [0.0, 1, 0, 1],
            "cluster": [0, 1, 1, 0],
            "title": list("abcd"),
            "artist": list("wxyz"),
            "track_id": list("abcd"),
        }
    )
    plain = scatter_map(pts, color="cluster").to_dict()
    assert len(plain["layer"]) == 1
    spec = scatter_map(pts, color="cluster", picked=2, neighbours=[0, 3, 2, 99]).to_dict()
    assert len(spec["layer"]) == 4
    lines = next(v for v in spec["datasets"].values() if v and "x2" in v[0])
    assert [(r["x"], r["x2"]) for r in lines] == [(2.0, 0.0), (2.0, 3.0)]  # not itself, not 99
    faded = scatter_map(pts, color="cluster", highlight=np.array([1, 0, 0, 1], bool)).to_dict()
    shown = next(v for v in faded["datasets"].values() if v and "shown" in v[0])
    assert [r["shown"] for r in shown] == [True, False, False, True]


def test_a_songs_strongest_links_against_a_brute_force_sort():
    rng = np.random.default_rng(0)
    W = rng.integers(0, 4, size=(30, 30))
    W = np.triu(W, 1)
    W = W + W.T
    g = SongGraph(np.arange(30), sp.csr_matrix(W), 30, 1)
    for node in range(30):
        got, weights = g.neighbours(node, 5)
        order = sorted((-W[node, j], j) for j in range(30) if W[node, j] > 0)[:5]
        assert got.tolist() == [j for _, j in order]
        assert weights.tolist() == [-w for w, _ in order]


def test_scores_from_a_sweep_already_made_equal_a_fresh_evaluation():
    rng = np.random.default_rng(1)
    X = np.concatenate([rng.normal(c, 0.3, size=(15, 4)) for c in (0, 3, 6)])
    labels = np.repeat(["a", "b", "c"], 15)
    communities = pd.Series(np.repeat([0, 1, 2], 15)[::-1], index=np.arange(45))
    fresh = score_embedding(X, labels=labels, communities=communities)
    sweep = KSweep(range(2, 21)).fit(X)
    reused = score_embedding(X, labels=labels, communities=communities, sweep=sweep)
    assert reused == fresh


def test_the_compare_table_is_one_column_per_embedding():
    from songsim.ui.compare import embeddings_table

    rows = [
        {"embedding": "MFCC statistics", "dim": 40, "best_k_silhouette": 8, "elbow_k": None,
         "silhouette": {2: 0.1}, "ami_labels": 0.51234},
        {"embedding": "PCA (64)", "dim": 64, "best_k_silhouette": 3, "elbow_k": 4,
         "silhouette": {2: 0.2}, "ami_labels": 0.2},
    ]  # fmt: skip
    table = embeddings_table(rows)
    assert list(table.columns) == ["measure", "MFCC statistics", "PCA (64)"]
    by = table.set_index("measure")
    assert by.loc["dimensions"].tolist() == ["40", "64"]
    assert by.loc["elbow k"].tolist() == ["—", "4"]
    assert by.loc["AMI vs labels"].tolist() == ["0.512", "0.200"]


def test_the_ingest_progress_reaches_its_end(tmp_path, fresh_cache):
    import soundfile as sf

    from songsim.catalog import ingest

    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(3):
        sf.write(lib / f"t{i}.wav", np.sin(np.arange(22050 * 6) * 0.01 * (i + 1)), 22050)
    seen = []
    ingest("p", audio=lib, progress=lambda done, total, msg: seen.append((msg, done, total)))
    decoding = [(d, t) for m, d, t in seen if m == "decoding audio"]
    assert decoding[-1] == (3, 3)


def test_the_graph_fades_what_is_not_highlighted():
    from songsim.ui.charts import graph_chart

    nodes = pd.DataFrame(
        {"x": [0.0, 1], "y": [0.0, 1], "size": [1, 2], "community": [0, 1], "title": ["a", "b"],
         "artist": ["c", "d"], "track_id": ["a", "b"], "degree": [1, 1]}
    )  # fmt: skip
    edges = pd.DataFrame({"x": [0.0], "y": [0.0], "x2": [1.0], "y2": [1.0]})
    spec = graph_chart(nodes, edges, color="community", highlight=np.array([True, False])).to_dict()
    shown = next(v for v in spec["datasets"].values() if v and "shown" in v[0])
    assert [r["shown"] for r in shown] == [True, False]
