"""songsim and a real music server: supysonic (a Subsonic server from PyPI) started on a folder of
test audio and scanned with its own CLI; ``songsim ingest`` + ``link`` read its playlist and map
every song; ``similar --save-to-server`` writes playlists the server's own API then lists; bad
addresses and logins get one line and exit 2, the dataset unchanged."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading

import pytest
from servers import ROOT, Supysonic, free_port, supysonic_available, tagged_library

pytestmark = pytest.mark.skipif(not supysonic_available(), reason="supysonic is not installed")


def songsim(*args, cache, password: str | None = Supysonic.password, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SONGSIM_SUBSONIC")}
    env["SONGSIM_CACHE"] = str(cache)
    if password is not None:
        env["SONGSIM_SUBSONIC_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "songsim", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """A supysonic server with a user's playlist, and dataset 'home' ingested and linked to it
    (one song the server has was removed before the ingest; one track was added after the scan)."""
    tmp = tmp_path_factory.mktemp("music-server")
    music = tmp / "music"
    tagged_library(music)
    (music / "Gone.ogg").write_bytes((music / "Alpha" / "song0.ogg").read_bytes())
    server = Supysonic(tmp / "server", music).start()
    ids = server.song_ids()
    (music / "Gone.ogg").unlink()  # the server still lists it: a song the dataset lacks
    tagged_library(
        tmp / "more", shift=1.6
    )  # a track the server lacks: another recording, added late
    (tmp / "more" / "Beta" / "song1.ogg").rename(music / "Beta" / "late.ogg")
    songs = [ids["Alpha/song0.ogg"], ids["Alpha/song1.ogg"], ids["Beta/song0.ogg"]]
    server.api("createPlaylist", [("name", "Road trip"), *(("songId", s) for s in songs)])
    cache = tmp / "cache"
    r = songsim("ingest", "--audio", str(music), "--name", "home", "--clips", "2", cache=cache)
    assert r.returncode == 0, r.stderr
    r = songsim("link", "home", "--subsonic", server.url, "--user", server.user, cache=cache)
    yield server, cache, r
    server.stop()


def info(cache) -> dict:
    r = songsim("info", "home", "--json", cache=cache)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_link_maps_every_song_and_reads_the_playlists(linked, monkeypatch):
    server, cache, r = linked
    assert r.returncode == 0, r.stderr
    assert "6 of 7 server songs matched" in r.stdout and "1 playlists read" in r.stdout
    assert "1 server songs not in the dataset (e.g. Gone.ogg)" in r.stdout
    assert "1 tracks not on the server (e.g. Beta/late.ogg)" in r.stdout
    assert server.password not in r.stdout + r.stderr
    link = info(cache)["link"]
    assert link["matched"] == 6 and link["tracks_not_on_server"] == 1 and link["playlists"] == 1
    # the server's playlist is in the dataset's playlist table, by track id and in order
    from songsim.data.store import load_dataset

    monkeypatch.setenv("SONGSIM_CACHE", str(cache))
    pl = load_dataset("home").playlists
    entries = pl[pl["playlist_id"].astype(str).str.startswith("server:")].sort_values("position")
    assert entries["track_id"].astype(str).tolist() == [
        "Alpha/song0.ogg",
        "Alpha/song1.ogg",
        "Beta/song0.ogg",
    ]
    assert set(entries["playlist_name"].astype(str)) == {"Road trip"}
    assert info(cache)["graph"]["nodes"] == 3  # the song graph is built from it
    stored = "".join(p.read_text(errors="ignore") for p in cache.rglob("*.json"))
    assert server.password not in stored


def test_songs_saved_to_the_server_are_listed_by_it(linked):
    server, cache, _ = linked
    r = songsim(
        "similar", "home", "Alpha/song0.ogg", "--n", "3", "--save-to-server", "Mix", cache=cache
    )
    assert r.returncode == 0, r.stderr
    assert "created playlist 'Mix'" in r.stdout
    made = server.playlist("Mix")
    listed = ["Alpha/song0.ogg"] + [line.split()[1] for line in r.stdout.splitlines()[1:4]]
    assert server.playlist_paths(made["id"]) == listed  # the song asked about, then its nearest
    # again: the playlist songsim made is replaced, its id kept
    r = songsim(
        "similar", "home", "Beta/song1.ogg", "--n", "2", "--save-to-server", "Mix", cache=cache
    )
    assert r.returncode == 0 and "replaced playlist 'Mix'" in r.stdout, r.stderr
    assert server.playlist("Mix")["id"] == made["id"]
    assert server.playlist_paths(made["id"])[0] == "Beta/song1.ogg"
    # a path to another song, saved too; the track the server lacks is left out, and said so
    r = songsim(
        "similar",
        "home",
        "Alpha/song0.ogg",
        "--to",
        "Beta/late.ogg",
        "--n",
        "4",
        "--keep-duplicates",
        "--save-to-server",
        "Path",
        cache=cache,
    )
    assert r.returncode == 0, r.stderr
    assert "3 songs; 1 not on the server, left out" in r.stdout
    assert server.playlist_paths(server.playlist("Path")["id"])[0] == "Alpha/song0.ogg"
    # songsim's own playlists never feed the song graph
    r = songsim("link", "home", "--subsonic", server.url, "--user", server.user, cache=cache)
    assert r.returncode == 0 and "3 playlists read" in r.stdout, r.stderr
    assert info(cache)["playlists"] == 1 and info(cache)["link"]["made_by_songsim"] == 2
    # a playlist the user made is never overwritten without --replace
    r = songsim("similar", "home", "Alpha/song1.ogg", "--save-to-server", "Road trip", cache=cache)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert (
        "did not make" in r.stderr
        and len(server.playlist_paths(server.playlist("Road trip")["id"])) == 3
    )
    server.api("createPlaylist", [("name", "Old mix"), ("songId", server.song_ids()["Gone.ogg"])])
    r = songsim(
        "similar",
        "home",
        "Alpha/song1.ogg",
        "--n",
        "1",
        "--save-to-server",
        "Old mix",
        "--replace",
        "Old mix",
        cache=cache,
    )
    assert r.returncode == 0 and "replaced" in r.stdout, r.stderr
    assert len(server.playlist_paths(server.playlist("Old mix")["id"])) == 2


def test_clusters_saved_as_playlists_named_by_their_tags(linked):
    server, cache, _ = linked
    r = songsim("tags", "home", "--by", "cluster", "--k", "2", "--save-to-server", cache=cache)
    assert r.returncode == 0, r.stderr
    made = [
        p
        for p in server.api("getPlaylists")["playlists"]["playlist"]
        if p["name"].startswith("songsim cluster")
    ]
    assert len(made) == 2 and all(": " in p["name"] for p in made)  # named by their tags
    assert sum(len(server.playlist_paths(p["id"])) for p in made) == 6  # every song on the server
    r = songsim("tags", "home", "--by", "cluster", "--k", "2", "--save-to-server", cache=cache)
    assert r.returncode == 0 and r.stdout.count("replaced playlist") == 2, r.stderr
    r = songsim("tags", "home", "--by", "track", "--save-to-server", cache=cache)
    assert r.returncode == 2 and "use --by cluster or community" in r.stderr


def test_an_update_of_a_linked_dataset_keeps_its_link(linked):
    server, cache, _ = linked
    r = songsim(
        "ingest", "--audio", str(server.music), "--name", "home", cache=cache, password=None
    )
    assert r.returncode == 0, r.stderr
    assert "its songs as last read, matched again" in r.stdout
    assert info(cache)["link"]["matched"] == 6 and info(cache)["playlists"] == 1
    r = songsim("ingest", "--audio", str(server.music), "--name", "home", cache=cache)
    assert r.returncode == 0 and "(read again)" in r.stdout, r.stderr


class _NotSubsonic(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 — the standard library's name
        body = b"<html><body>hello</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_bad_server_addresses_and_logins_get_one_line(linked):
    server, cache, _ = linked
    before = info(cache)["fingerprint"]
    web = http.server.HTTPServer(("127.0.0.1", 0), _NotSubsonic)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        cases = {
            "wrong password": (
                [server.url, "--user", server.user],
                "wrong-password",
                "refused the login",
            ),
            "nothing there": (
                [f"http://127.0.0.1:{free_port()}", "--user", "a"],
                "x",
                "cannot reach",
            ),
            "not Subsonic": (
                [f"http://127.0.0.1:{web.server_port}", "--user", "a"],
                "x",
                "not a Subsonic server",
            ),
            "not an address": (["ftp://example", "--user", "a"], "x", "http://host"),
            "no password": ([server.url, "--user", server.user], None, "SONGSIM_SUBSONIC_PASSWORD"),
        }
        for case, (where, password, said) in cases.items():
            r = songsim("link", "home", "--subsonic", *where, cache=cache, password=password)
            assert r.returncode == 2, (case, r.stderr)
            assert len(r.stderr.strip().splitlines()) == 1 and said in r.stderr, (case, r.stderr)
            assert "Traceback" not in r.stderr and "wrong-password" not in r.stderr
    finally:
        web.shutdown()
    assert info(cache)["fingerprint"] == before


def test_serve_answers_by_the_servers_ids(linked):
    """A linked dataset is served by the server's song and artist ids, with its albums; a track
    the server lacks is never offered; no server path is shown."""
    from servers import get, songsim_serve

    server, cache, _ = linked
    ids = server.song_ids()
    path_of = {v: k for k, v in ids.items()}
    with songsim_serve("home", cache, "--no-token") as (url, _):
        status, body = get(f"{url}/api/similar_tracks?item_id={ids['Alpha/song0.ogg']}&n=10")
        assert status == 200 and len(body) == 5  # 7 tracks less the song itself and late.ogg
        assert all(t["item_id"] in path_of for t in body)
        assert {t["album"] for t in body} <= {"Alpha", "Beta"}
        assert "Beta/late.ogg" not in json.dumps(body) and str(server.music) not in json.dumps(body)
        status, _ = get(f"{url}/api/similar_tracks?item_id=Alpha/song0.ogg")
        assert status == 404  # songsim's own ids are not the server's
        artist_id = server.api("getArtists")["artists"]["index"][0]["artist"][0]["id"]
        status, body = get(f"{url}/api/similar_artists?artist={artist_id}&n=5")
        assert status == 200 and len(body) == 1 and body[0]["artist_id"] != artist_id
        assert get(f"{url}/api/health")[1]["linked"] is True


def test_the_dashboard_shows_the_link_refreshes_it_and_saves_to_the_server(
    linked, monkeypatch, apptest_like_a_server
):
    from streamlit.testing.v1 import AppTest

    server, cache, _ = linked
    monkeypatch.setenv("SONGSIM_CACHE", str(cache))
    monkeypatch.setenv("SONGSIM_SUBSONIC_PASSWORD", server.password)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.sidebar.selectbox[0].set_value("home").run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert (
        metrics["Server songs matched"] == "6 of 7" and metrics["Tracks not on the server"] == "1"
    )
    refresh = next(b for b in at.button if b.label == "Refresh from server")
    assert not refresh.disabled
    refresh.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Read the server again" in s.value for s in at.success)
    at.switch_page("pages/graph.py").run()
    assert any("come from the music server" in c.value for c in at.caption)
    at.switch_page("pages/similar.py").run()
    assert not at.exception, [e.value for e in at.exception]
    name = next(t for t in at.text_input if t.key == "save_path_name")
    name.set_value("From the dashboard").run()
    next(b for b in at.button if b.key == "save_path").click().run()
    assert any("Created 'From the dashboard'" in s.value for s in at.success), at.error
    made = server.playlist("From the dashboard")
    assert len(server.playlist_paths(made["id"])) >= 2
    at.switch_page("pages/clusters.py").run()
    next(b for b in at.button if b.label == "Save the clusters to the music server").click().run()
    assert any("as playlists on the music server" in s.value for s in at.success), at.error
    assert server.playlist("songsim cluster 0") is not None
    monkeypatch.delenv("SONGSIM_SUBSONIC_PASSWORD")  # without the password: said, not failed
    at.switch_page("pages/data.py").run()
    assert next(b for b in at.button if b.label == "Refresh from server").disabled
    assert any("SONGSIM_SUBSONIC_PASSWORD" in c.value.replace("\\", "") for c in at.caption)
