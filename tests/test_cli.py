"""The command line as a user runs it: real processes, exit codes and output."""

import json
import os
import subprocess
import sys

import igraph as ig
import numpy as np
import pytest
import soundfile as sf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, cache):
    env = {**os.environ, "SONGSIM_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "songsim", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_help_on_every_command(cache_root):
    for cmd in (
        [],
        ["demo"],
        ["ingest"],
        ["info"],
        ["list"],
        ["graph"],
        ["train"],
        ["embed"],
        ["evaluate"],
        ["communities"],
        ["similar"],
    ):
        r = run(*cmd, "--help", cache=cache_root)
        assert r.returncode == 0 and "usage:" in r.stdout


def test_info_json_on_demo(demo_ds, cache_root):
    r = run("info", "demo", "--json", cache=cache_root)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert (
        info["tracks"] == 320
        and info["clips"] == 1920
        and info["playlists"] == 1200
        and info["labels"] == 8
    )
    assert info["skipped_files"] == 0 and info["unmatched_playlist_entries"] == 0
    assert (
        info["graph"]["nodes"] == info["graph"]["lcc_nodes"] == 320 and info["graph"]["edges"] > 0
    )
    assert "demo" in run("list", cache=cache_root).stdout


def test_ingest_audio_with_playlists_and_errors(tmp_path):
    music = tmp_path / "music"
    for album, f in (("Alpha", 220.0), ("Beta", 660.0)):
        (music / album).mkdir(parents=True)
        for i in range(3):
            t = np.arange(22050 * 12) / 22050
            sf.write(
                music / album / f"song{i}.ogg",
                (0.3 * np.sin(2 * np.pi * f * (i + 1) * t)).astype(np.float32),
                22050,
            )
    (music / "Beta" / "broken.mp3").write_bytes(b"\xff\xfb" + b"\x00" * 300)
    pl = tmp_path / "lists.csv"
    pl.write_text(
        "playlist_id,track_id\np1,Alpha/song0.ogg\np1,Alpha/song1.ogg\np1,song0.ogg\np2,Beta/song2.ogg\np2,Alpha/song1.ogg\np2,ghost.mp3\n"
    )
    cache = tmp_path / "cache"
    r = run(
        "ingest",
        "--audio",
        str(music),
        "--playlists",
        str(pl),
        "--labels",
        "parent",
        "--name",
        "x",
        "--clips",
        "2",
        cache=cache,
    )
    assert r.returncode == 0, r.stderr
    # 'song0.ogg' names a file in both albums: ambiguous, so unmatched like 'ghost.mp3'
    assert "skipped Beta/broken.mp3" in r.stdout and "2 playlist entries matched no" in r.stdout
    info = json.loads(run("info", "x", "--json", cache=cache).stdout)
    assert (
        info["tracks"] == 6
        and info["clips"] == 12
        and info["labels"] == 2
        and info["skipped_files"] == 1
    )
    assert info["unmatched_playlist_entries"] == 2 and info["graph"]["nodes"] == 3

    bad = tmp_path / "bad.csv"
    bad.write_text("playlist_id,track_id\np1\n")
    r = run("ingest", "--audio", str(music), "--playlists", str(bad), "--name", "x", cache=cache)
    assert (
        r.returncode == 2
        and r.stderr.count("\n") == 1
        and "bad.csv: line 2" in r.stderr
        and "Traceback" not in r.stderr
    )
    assert (
        json.loads(run("info", "x", "--json", cache=cache).stdout)["tracks"] == 6
    )  # the old dataset is intact
    for args in (
        ["info", "nope"],
        ["ingest", "--audio", str(tmp_path / "none"), "--name", "y"],
        ["info", "../etc"],
        ["train", "x", "--model", "cae", "--distill", "1"],  # only the contrastive encoder
    ):
        r = run(*args, cache=cache)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)


def test_a_mistyped_option_is_named(cache_root):
    r = run("--versoin", cache=cache_root)
    assert r.returncode == 2 and "unknown option '--versoin'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert run("--version", cache=cache_root).stdout.startswith("songsim ")


def test_communities_karate_refined_by_default(tmp_path, cache_root):
    edges = tmp_path / "karate.txt"
    edges.write_text("\n".join(f"{a} {b}" for a, b in ig.Graph.Famous("Zachary").get_edgelist()))
    out = json.loads(
        run("communities", "--edgelist", str(edges), "--json", cache=cache_root).stdout
    )
    assert out["modularity"] >= 0.419 and out["n_communities"] == 4
    plain = json.loads(
        run(
            "communities", "--edgelist", str(edges), "--no-refine", "--json", cache=cache_root
        ).stdout
    )
    assert plain["modularity"] == pytest.approx(0.3934, abs=1e-3)


def test_evaluate_and_similar_on_demo(demo_ds, cache_root):
    r = run("evaluate", "demo", "--json", cache=cache_root)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["graph"]["n_communities"] >= 2 and out["graph"]["modularity"] > 0.3
    assert set(out["embeddings"]) == {"raw", "pca", "mfcc", "cae", "vae", "contrastive"}
    assert out["best_embedding"] == "contrastive"
    assert (
        out["embeddings"]["contrastive"]["precision_at_10"]
        >= out["embeddings"]["cae"]["precision_at_10"]
    )
    for e in out["embeddings"].values():
        for key in (
            "best_k_silhouette",
            "elbow_k",
            "silhouette",
            "ami_communities",
            "ari_communities",
            "v_measure_communities",
            "ami_labels",
            "ari_labels",
            "v_measure_labels",
            "precision_at_10",
        ):
            assert key in e
        assert 0.5 < e["precision_at_10"] <= 1.0
    r = run("similar", "demo", "demo/techno/0001", "--n", "5", cache=cache_root)
    assert r.returncode == 0 and len(r.stdout.strip().splitlines()) == 6
    r = run("similar", "demo", "no/such/track", cache=cache_root)
    assert r.returncode == 2
    r = run("similar", "demo", "demo/techno/0001", "--kind", "mfcc@16", cache=cache_root)
    assert r.returncode == 2 and "only cae, vae, contrastive take a latent size" in r.stderr
    r = run("similar", "demo", "demo/techno/0001", "--kind", "cae@16", cache=cache_root)
    assert r.returncode == 2 and "no cae checkpoint with latent 16" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_graph_held_as_incidence_on_demo(demo_ds, cache_root):
    """`graph --incidence` never builds the graph, yet gives its size and igraph's communities."""
    from songsim.analysis.communities import detect
    from songsim.steps import dataset_graph

    r = run("graph", "demo", "--incidence", "--count-edges", "--json", cache=cache_root)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    held = dataset_graph(demo_ds)
    want = detect(held)  # igraph on the held graph, no refinement
    assert (got["nodes"], got["edges"]) == (held.n_nodes, held.n_edges)
    assert got["communities"] == want.n_communities and got["community_sizes"] == want.sizes
    assert got["modularity"] == pytest.approx(want.modularity, abs=1e-9)
    r = run("graph", "demo", "--incidence", "--min-weight", "2", cache=cache_root)
    assert r.returncode == 2 and "--incidence holds no edges" in r.stderr


def test_every_argument_says_what_it_is_for():
    import argparse

    from songsim import __version__
    from songsim.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name}: {action.dest} has no help"
    assert "examples:" in parser.format_help()
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["--version"])
    assert exc.value.code == 0 and __version__ == "0.5.0"


@pytest.mark.usefixtures("apptest_like_a_server")
def test_training_the_shared_demo_says_what_it_replaces(demo_ds, cache_root, tmp_path, monkeypatch):
    """`train demo` replaces the demo's models for every dashboard visitor: the command says so
    (and which checkpoint it replaced), and the Model page says whose checkpoint it shows."""
    import shutil

    from streamlit.testing.v1 import AppTest

    cache = tmp_path / "cache"
    shutil.copytree(cache_root / "datasets" / "demo", cache / "datasets" / "demo")
    first = run("train", "demo", "--model", "cae", "--epochs", "1", cache=cache)
    assert first.returncode == 0, first.stderr
    assert "note: the demo is shared" in first.stdout and "replaced" not in first.stdout
    again = run("train", "demo", "--model", "cae", "--epochs", "1", cache=cache)
    assert "replaced demo's previous cae checkpoint (cae-" in again.stdout, again.stdout

    monkeypatch.setenv("SONGSIM_CACHE", str(cache))
    at = AppTest.from_file(os.path.join(ROOT, "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/model.py").run()
    next(r for r in at.radio if r.label == "Model").set_value("cae").run()
    assert not at.exception, [e.value for e in at.exception]
    loaded = next(s.value for s in at.success if s.value.startswith("Loaded"))
    assert "trained from the command line" in loaded and "every visitor" in loaded
    assert not any("its models are the shipped ones" in c.value for c in at.caption)


def test_steps_prints_the_step_graph_as_declared(cache_root):
    r = run("steps", "--json", "--dashboard", cache=cache_root)
    assert r.returncode == 0, r.stderr
    steps = {s["step"]: s for s in json.loads(r.stdout)}
    assert steps["k_sweep"]["reads"] == ["track_vectors"] and "sweep" in steps["k_sweep"]["params"]
    assert steps["vectors_id"]["volatile"] and steps["cluster_labels"]["lazy"] == ["track_vectors"]
    assert {"model", "checkpoint", "map_chart", "graph_drawing", "descriptors"} <= set(steps)
    assert steps["model"]["reads"] == ["audio", "checkpoint"]
    text = run("steps", cache=cache_root).stdout
    assert "k_sweep\n    reads track_vectors" in text
