"""The Dask path gives what the single-machine path gives: the song graph through Parquet row
blocks (here and on a local cluster of 2 workers) and audio ingest as one task per file."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from songsim.analysis.graph import build_graph, cooccurrence, song_incidence
from songsim.config import AudioParams
from songsim.distributed import build_graph_blocks, cluster, read_graph_blocks
from songsim.errors import SongsimError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def client():
    with cluster("local:2") as c:
        assert len(c.scheduler_info()["workers"]) == 2
        yield c


def playlists(seed: int = 0, n_playlists: int = 400, n_tracks: int = 150) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(2, 15, n_playlists)
    return pd.DataFrame(
        {
            "playlist_id": np.repeat([f"p{i}" for i in range(n_playlists)], lengths),
            "track_id": [f"t{t}" for t in rng.zipf(1.3, lengths.sum()) % n_tracks],
        }
    )


def same_graph(a, b) -> bool:
    return (
        np.array_equal(a.nodes, b.nodes)
        and a.adjacency.shape == b.adjacency.shape
        and (a.adjacency != b.adjacency).nnz == 0
        and a.n_components == b.n_components
        and a.n_candidates == b.n_candidates
    )


IDS = [f"t{i}" for i in range(160)]


@pytest.mark.parametrize("min_playlists,min_weight", [(1, 1), (3, 1), (1, 2)])
def test_graph_blocks_written_here_equal_the_in_memory_graph(tmp_path, min_playlists, min_weight):
    df = playlists()
    want = build_graph(df, IDS, min_playlists=min_playlists, min_weight=min_weight)
    got = build_graph_blocks(
        df, IDS, tmp_path, min_playlists=min_playlists, min_weight=min_weight, block_products=300
    )
    assert len(list(tmp_path.glob("rows-*.parquet"))) > 5  # really in blocks
    assert same_graph(got, want)


def test_graph_blocks_written_by_two_workers_equal_the_in_memory_graph(tmp_path, client):
    df = playlists(seed=1)
    want = build_graph(df, IDS, min_playlists=2)
    got = build_graph_blocks(df, IDS, tmp_path, client=client, min_playlists=2, block_products=200)
    assert len(list(tmp_path.glob("rows-*.parquet"))) > 5
    assert same_graph(got, want)
    edges = pd.read_parquet(tmp_path)  # the blocks are plain Parquet
    B, Bt, _ = song_incidence(df, IDS, min_playlists=2)
    assert len(edges) == cooccurrence(B, Bt=Bt).nnz  # every candidate's edges, both directions
    assert list(edges.columns) == ["source", "target", "weight"]


def test_missing_block_is_an_error_not_a_smaller_graph(tmp_path):
    df = playlists(seed=2)
    g = build_graph_blocks(df, IDS, tmp_path, block_products=300)
    files = sorted(tmp_path.glob("rows-*.parquet"))
    files[len(files) // 2].unlink()
    with pytest.raises(SongsimError, match="incomplete"):
        read_graph_blocks(tmp_path, g.n_candidates)


def write_library(root):
    sr = 22050
    for i in range(6):
        folder = root / ("a" if i % 2 else "b")
        folder.mkdir(parents=True, exist_ok=True)
        t = np.arange(int(6 * sr)) / sr
        y = 0.3 * np.sin(2 * np.pi * (220 + 55 * i) * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.5 * t))
        sf.write(folder / f"song{i}.wav", y.astype(np.float32), sr)
    (root / "b" / "broken.wav").write_bytes(b"RIFF not really")
    return root


def test_ingest_and_embedding_on_two_workers_equal_local(tmp_path, client, fresh_cache):
    from songsim.catalog import ingest
    from songsim.embeddings import embed

    root = write_library(tmp_path / "music")
    params = AudioParams(n_clips=2)
    local = ingest("local", audio=root, params=params, labels_from_parent=True)
    remote = ingest("remote", audio=root, params=params, labels_from_parent=True, client=client)
    assert remote.tracks["track_id"].tolist() == local.tracks["track_id"].tolist()
    assert remote.tracks["label"].tolist() == ["a"] * 3 + ["b"] * 3
    assert np.array_equal(remote.clips[:], local.clips[:])  # the same codes, clip for clip
    assert remote.audio_fingerprint == local.audio_fingerprint  # names aside, the same dataset
    assert remote.info["skipped_files"] == local.info["skipped_files"]
    assert len(local.info["skipped_files"]) == 1
    for kind in ("contrastive", "mfcc"):
        here = embed(local, kind)
        there = embed(remote, kind, client=client)  # batches of tracks as tasks on the workers
        np.testing.assert_allclose(there.track, here.track, atol=1e-5)


def test_tempo_key_and_loudness_on_two_workers_equal_local(tmp_path, client, fresh_cache):
    from songsim.catalog import ingest
    from songsim.describing import track_descriptors

    root = write_library(tmp_path / "music")
    local = ingest("measured-here", audio=root, params=AudioParams(n_clips=2))
    remote = ingest("measured-there", audio=root, params=AudioParams(n_clips=2), client=client)
    here = track_descriptors(local, compute=True, progress=lambda *a: None)
    there = track_descriptors(remote, compute=True, client=client, progress=lambda *a: None)
    assert there.equals(here)  # one task per track on the workers, the same measures


def run(*args, cache):
    return subprocess.run(
        [sys.executable, "-m", "songsim", *args],
        cwd=ROOT,
        env={**os.environ, "SONGSIM_CACHE": str(cache)},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_cli_graph_on_a_local_cluster_matches_info(tmp_path):
    cache = tmp_path / "cache"
    root = write_library(tmp_path / "music")
    lists = tmp_path / "lists.csv"
    lists.write_text(
        "playlist_id,track_id\n"
        + "".join(f"p{k},{'ba'[i % 2]}/song{i}.wav\n" for k in range(4) for i in range(k, k + 3))
    )
    r = run(
        "ingest",
        "--audio",
        str(root),
        "--playlists",
        str(lists),
        "--name",
        "lib",
        "--clips",
        "2",
        "--scheduler",
        "local:2",
        cache=cache,
    )
    assert r.returncode == 0, r.stderr
    assert "skipped b/broken.wav" in r.stdout
    r = run("embed", "lib", "--kind", "mfcc", "--scheduler", "local:2", cache=cache)
    assert r.returncode == 0 and "6 tracks" in r.stdout, r.stderr
    info = json.loads(run("info", "lib", "--json", cache=cache).stdout)["graph"]
    r = run(
        "graph",
        "lib",
        "--json",
        "--edges",
        str(tmp_path / "edges"),
        "--cluster",
        "local:2",
        cache=cache,
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert (got["nodes"], got["edges"]) == (info["nodes"], info["edges"]) == (6, 9)
    assert list((tmp_path / "edges").glob("rows-*.parquet"))


def test_cli_cluster_errors_are_one_line(tmp_path):
    cache = tmp_path / "cache"
    r = run("graph", "demo", "--cluster", "local:2", cache=cache)
    assert r.returncode == 2 and "needs --edges" in r.stderr and r.stderr.count("\n") == 1
    r = run(
        "ingest",
        "--spectrograms",
        str(tmp_path),
        "--name",
        "x",
        "--cluster",
        "local:1",
        cache=cache,
    )
    assert r.returncode == 2 and "use it with --audio" in r.stderr
