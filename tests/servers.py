"""Real servers for the tests: a Subsonic server (supysonic, started on a folder of tagged test
audio and scanned with its own CLI) and ``songsim serve``, each on a free port of this machine.
Both are plain HTTP: the tests speak to them with the standard library, not songsim's client."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 60.0, proc=None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def tagged_library(folder: Path, *, shift: float = 1.0) -> list[dict]:
    """Two albums of three tagged OGG songs of distinct tones (``shift`` scales them all); their
    tags, in order."""
    import mutagen
    import soundfile as sf

    songs = []
    for album, base in (("Alpha", 220.0), ("Beta", 330.0)):
        (folder / album).mkdir(parents=True, exist_ok=True)
        for i in range(3):
            t = np.arange(22050 * 12) / 22050
            f = shift * base * (1 + 0.37 * i)
            rng = np.random.default_rng(int(f))
            beats = (np.sin(2 * np.pi * (1 + i + base / 110) * t) > 0.6).astype(float)
            y = 0.3 * np.sin(2 * np.pi * f * t) + 0.15 * np.sin(2 * np.pi * 2.5 * f * t) * beats
            y += 0.05 * rng.standard_normal(len(t)) * (1 - beats)
            path = folder / album / f"song{i}.ogg"
            sf.write(path, y.astype(np.float32), 22050)
            tags = mutagen.File(path)
            tags["title"], tags["artist"], tags["album"] = f"{album} {i}", f"Band {album}", album
            tags.save()
            songs.append({"path": f"{album}/song{i}.ogg", "title": f"{album} {i}"})
    return songs


class Supysonic:
    """A supysonic server on ``music`` with user ``alice``; :meth:`api` calls its REST API."""

    user, password = "alice", "s3cret-pass"

    def __init__(self, work: Path, music: Path):
        self.work, self.music = work, music
        work.mkdir(parents=True, exist_ok=True)
        (work / "supysonic.conf").write_text(
            f"[base]\ndatabase_uri = sqlite:///{work}/supysonic.db\n"
            f"[webapp]\ncache_dir = {work}/cache\nmount_webui = no\n"
            f"[daemon]\nsocket = {work}/daemon.sock\nrun_watcher = no\n"
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def cli(self, *args: str) -> str:
        r = subprocess.run(
            [str(BIN / "supysonic-cli"), *args],
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        return r.stdout

    def start(self) -> Supysonic:
        self.cli("user", "add", self.user, "-p", self.password)
        self.cli("folder", "add", "library", str(self.music))
        self.cli("folder", "scan", "-f", "library")
        self.proc = subprocess.Popen(
            [
                str(BIN / "supysonic-server"),
                "-S",
                "waitress",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
            ],
            cwd=self.work,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(f"{self.url}/rest/ping", proc=self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def api(self, method: str, params=()) -> dict:
        query = [("u", self.user), ("p", self.password), ("c", "test"), ("v", "1.16.1")]
        query += [("f", "json"), *params]
        address = f"{self.url}/rest/{method}?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(address, timeout=30) as r:
            answer = json.loads(r.read())["subsonic-response"]
        assert answer["status"] == "ok", answer
        return answer

    def song_ids(self) -> dict:
        """Path → server id of every song."""
        found = self.api("search3", [("query", ""), ("songCount", "500")])
        return {s["path"]: s["id"] for s in found["searchResult3"]["song"]}

    def playlist(self, name: str) -> dict | None:
        for p in self.api("getPlaylists").get("playlists", {}).get("playlist", []):
            if p["name"] == name:
                return p
        return None

    def playlist_paths(self, playlist_id: str) -> list[str]:
        found = self.api("getPlaylist", [("id", playlist_id)])["playlist"]
        return [e["path"] for e in found.get("entry", [])]


def supysonic_available() -> bool:
    return shutil.which("supysonic-cli", path=str(BIN)) is not None


@contextlib.contextmanager
def songsim_serve(name: str, cache: Path, *args: str, token: str | None = None):
    """``songsim serve NAME`` on a free port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "SONGSIM_CACHE": str(cache)}
    if token is not None:
        env["SONGSIM_API_TOKEN"] = token
    proc = subprocess.Popen(
        [sys.executable, "-m", "songsim", "serve", name, "--port", str(port), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health", seconds=180, proc=proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def get(url: str, token: str | None = None) -> tuple[int, object]:
    """``(status, JSON body)`` of a GET."""
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
