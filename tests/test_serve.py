"""``songsim serve`` over real HTTP on a free port: AudioMuse-AI's endpoints with the exact fields
and types its plugins parse (tests/data/audiomuse_api_fields.json, written from their source),
the same order as ``songsim similar``, tokens, bounds, unknown ids, and a library update followed
without a restart. Song paths (``similar --to``) are checked here too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from servers import ROOT, get, songsim_serve, tagged_library

TOKEN = "test-token-0123456789"
FIELDS = json.loads((Path(__file__).parent / "data" / "audiomuse_api_fields.json").read_text())
GO_TYPES = {"string": (str,), "float64": (int, float)}


def songsim(*args, cache, env=None):
    return subprocess.run(
        [sys.executable, "-m", "songsim", *args],
        cwd=ROOT,
        env={**os.environ, "SONGSIM_CACHE": str(cache), **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def check_fields(obj: dict, spec: dict) -> None:
    """Every field the plugins read is there with the type their Go structs declare."""
    for field, kind in spec.items():
        assert field in obj, field
        if kind in GO_TYPES:
            assert isinstance(obj[field], GO_TYPES[kind]) and not isinstance(obj[field], bool)


@pytest.fixture(scope="module")
def demo_service(demo_ds, cache_root):
    with songsim_serve("demo", cache_root, token=TOKEN) as (url, _):
        yield url


def test_similar_tracks_as_the_plugins_parse_it_in_songsim_similars_order(demo_service, cache_root):
    seed = "demo/techno/0001"
    status, body = get(
        f"{demo_service}/api/similar_tracks?item_id={quote(seed)}&n=7&eliminate_duplicates=true"
        "&radius_similarity=true",
        TOKEN,
    )
    assert status == 200 and isinstance(body, list) and len(body) == 7
    for track in body:
        check_fields(track, FIELDS["track"])
        assert 0.0 <= track["distance"] <= 1.0 and track["item_id"] != seed
    assert [t["distance"] for t in body] == sorted(t["distance"] for t in body)
    r = songsim("similar", "demo", seed, "--n", "7", "--json", cache=cache_root)
    assert r.returncode == 0, r.stderr
    expected = json.loads(r.stdout)
    assert [t["item_id"] for t in body] == [e["track_id"] for e in expected]
    for t, e in zip(body, expected):  # distance = (1 - cosine similarity) / 2
        assert t["distance"] == pytest.approx((1 - e["similarity"]) / 2, abs=1e-5)


def test_find_path_and_similar_artists_as_the_plugins_parse_them(demo_service, demo_ds):
    a, b = "demo/techno/0001", "demo/ambient/0000"
    status, body = get(
        f"{demo_service}/api/find_path?start_song_id={quote(a)}&end_song_id={quote(b)}"
        "&count=9&max_steps=9&path_fix_size=false&mood_pct=100",
        TOKEN,
    )
    assert status == 200 and isinstance(body["path"], list) and len(body["path"]) == 9
    for track in body["path"]:
        check_fields(track, FIELDS["track"])
    ids = [t["item_id"] for t in body["path"]]
    songs = demo_ds.songs[[demo_ds.track_row(i) for i in ids]]
    assert ids[0] == a and ids[-1] == b and len(set(songs)) == len(ids)
    assert body["total_distance"] == pytest.approx(
        sum(t["distance"] for t in body["path"]), abs=1e-4
    )
    artist = demo_ds.tracks["artist"].iloc[0]
    status, body = get(
        f"{demo_service}/api/similar_artists?artist={quote(artist)}&n=3&include_component_matches=true",
        TOKEN,
    )
    assert status == 200 and len(body) == 3
    spec = FIELDS["similar_artists"]
    for found in body:
        check_fields(found, spec["artist"] | {"component_matches": None})
        assert found["artist"] != artist
        for match in found["component_matches"]:
            for side in spec["match"]:
                assert match[side], side
                for song in match[side]:
                    check_fields(song, spec["song"])
    status, plain = get(f"{demo_service}/api/similar_artists?artist={quote(artist)}&n=3", TOKEN)
    assert [p["artist_id"] for p in plain] == [f["artist_id"] for f in body]


def test_tokens_bounds_and_unknown_ids(demo_service):
    ok = f"{demo_service}/api/similar_tracks?item_id={quote('demo/techno/0001')}"
    assert get(ok)[0] == 401 and get(ok, "wrong-token-wrong-token")[0] == 401
    status, body = get(ok)
    assert "error" in body
    for bad in ("&n=abc", "&n=-1", "&n=10^9", "&n=1000000000", "&n=0"):
        status, body = get(ok + bad, TOKEN)
        assert status == 422 and "n" in body["error"], bad
    path = (
        f"{demo_service}/api/find_path?start_song_id=demo/techno/0001&end_song_id=demo/ambient/0000"
    )
    for bad in ("&max_steps=0", "&max_steps=100000", "&count=abc"):
        status, body = get(path + bad, TOKEN)
        assert status == 422 and isinstance(body, dict), bad
    status, body = get(f"{demo_service}/api/similar_tracks?item_id=no/such/song", TOKEN)
    assert status == 404 and "no song" in body["error"]
    status, body = get(path.replace("demo/ambient/0000", "nope"), TOKEN)
    assert status == 404
    status, body = get(f"{demo_service}/api/similar_artists?artist=Nobody%20At%20All", TOKEN)
    assert status == 404
    status, body = get(f"{demo_service}/api/health")
    assert status == 200 and body["status"] == "ok" and body["tracks"] == 320
    status, _ = get(f"{demo_service}/openapi.json")
    assert status == 200


def test_serve_refuses_to_start_unsafely(cache_root):
    env = {"SONGSIM_API_TOKEN": ""}
    r = songsim("serve", "demo", cache=cache_root, env=env)
    assert r.returncode == 2 and "SONGSIM_API_TOKEN" in r.stderr and len(r.stderr.splitlines()) == 1
    r = songsim("serve", "demo", "--no-token", "--host", "0.0.0.0", cache=cache_root, env=env)
    assert r.returncode == 2 and "--no-token only with --host 127.0.0.1" in r.stderr
    r = songsim("serve", "nosuch", "--no-token", cache=cache_root, env=env)
    assert r.returncode == 2 and "no dataset named 'nosuch'" in r.stderr


def test_serve_follows_a_library_update_without_a_restart(tmp_path):
    music, cache = tmp_path / "music", tmp_path / "cache"
    tagged_library(music)
    assert songsim("ingest", "--audio", str(music), "--name", "lib", cache=cache).returncode == 0
    with songsim_serve("lib", cache, "--no-token") as (url, _):
        new = quote("Gamma/song0.ogg")
        assert get(f"{url}/api/similar_tracks?item_id={new}")[0] == 404
        tagged_library(tmp_path / "more", shift=1.5)
        (tmp_path / "more" / "Alpha").rename(music / "Gamma")
        assert (
            songsim("ingest", "--audio", str(music), "--name", "lib", cache=cache).returncode == 0
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status, body = get(f"{url}/api/similar_tracks?item_id={new}&n=3")
            if status == 200:
                break
            time.sleep(0.5)
        assert status == 200 and len(body) == 3
        assert get(f"{url}/api/health")[1]["tracks"] == 9
        assert "loudness" not in body[0]  # not measured yet
        assert songsim("describe", "lib", cache=cache).returncode == 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the measures are followed as a new version is
            body = get(f"{url}/api/similar_tracks?item_id={new}&n=3")[1]
            if "loudness" in body[0]:
                break
            time.sleep(0.5)
        assert isinstance(body[0]["loudness"], float) and "camelot" in body[0]


def test_a_song_path_moves_steadily_from_one_song_to_the_other(demo_ds, cache_root):
    """On the demo, between songs of two styles: ends right, no song twice (copies folded), and
    the cosine distance to the end never rises by more than 0.1 from one song to the next and
    falls overall (the songs of the path's first half are farther from the end than those of its
    second half)."""
    from songsim.analysis.paths import path_distances
    from songsim.search import song_path, vector_index

    X = vector_index(demo_ds, "contrastive").X
    rng = np.random.default_rng(0)
    for a, b in rng.choice(demo_ds.n_tracks, size=(40, 2)):
        if demo_ds.labels[a] == demo_ds.labels[b]:
            continue
        path = song_path(demo_ds, "contrastive", int(a), int(b), length=12)
        assert path[0] == a and path[-1] == b and len(path) == 12
        assert len(set(demo_ds.songs[path])) == 12
        d = path_distances(X, path)
        assert np.diff(d).max() <= 0.1 and d[1:6].mean() > d[6:-1].mean()
    r = songsim(
        "similar",
        "demo",
        "demo/techno/0001",
        "--to",
        "demo/ambient/0000",
        "--n",
        "5",
        cache=cache_root,
    )
    lines = r.stdout.strip().splitlines()
    assert r.returncode == 0 and len(lines) == 6
    assert lines[1].split()[0] == "demo/techno/0001" and lines[-1].split()[0] == "demo/ambient/0000"


def test_a_version_that_fails_to_load_is_tried_once_and_the_old_one_keeps_answering(monkeypatch):
    from songsim.service import library as lib

    current, loads = ["v1"], []

    def fake_load(name, kind, version):
        loads.append(version)
        if version == "v2":
            raise OSError("/srv/music/secret: gone")
        return lib.Served(
            version,
            None,
            np.zeros(1, int),
            ["a"],
            ["t"],
            ["x"],
            [""],
            {"a": 0},
            np.ones(1, bool),
            None,
            False,
        )

    monkeypatch.setattr(lib, "load_served", fake_load)
    monkeypatch.setattr(lib.Library, "version", lambda self: current[0])
    monkeypatch.setattr(lib, "RECHECK_SECONDS", 0.0)
    library = lib.Library("x", "contrastive")
    assert library.load().version == "v1"
    current[0] = "v2"
    for _ in range(20):
        assert library.current().version == "v1"
        time.sleep(0.02)
    assert loads.count("v2") == 1 and library.error == "OSError"  # no message: it names a folder
    current[0] = "v3"
    deadline = time.monotonic() + 5
    while library.current().version != "v3" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert library.current().version == "v3" and library.error is None
