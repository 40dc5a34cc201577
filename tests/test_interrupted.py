"""SIGKILL at random points during ingest and training: nothing already saved is lost, and
training resumes from its last checkpoint."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from songsim.data.demo import build_demo
from songsim.data.store import load_dataset, save_dataset

ROOT = Path(__file__).resolve().parents[1]


def start(args, cache):
    env = {**os.environ, "SONGSIM_CACHE": str(cache)}
    return subprocess.Popen(
        [sys.executable, "-m", "songsim", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill(proc):
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killed_ingest_keeps_the_previous_dataset(tmp_path, fresh_cache):
    music = tmp_path / "music"
    music.mkdir()
    for i in range(24):
        t = np.arange(22050 * 20) / 22050
        sf.write(
            music / f"s{i:02d}.flac",
            (0.3 * np.sin(2 * np.pi * (200 + 30 * i) * t)).astype(np.float32),
            22050,
        )
    cache = fresh_cache
    first = start(["ingest", "--audio", str(music), "--name", "lib"], cache)
    assert first.wait(timeout=300) == 0
    reference = load_dataset("lib").fingerprint
    for delay in np.random.default_rng(0).uniform(0.3, 4.0, size=4):
        proc = start(["ingest", "--audio", str(music), "--name", "lib", "--clips", "3"], cache)
        time.sleep(float(delay))
        if proc.poll() is None:
            kill(proc)
        ds = load_dataset("lib")  # verifies every checksum
        assert (
            ds.fingerprint == reference or len(ds.clips) == 24 * 3
        )  # the old one, or the new one complete


def test_killed_training_resumes(fresh_cache):
    cache = fresh_cache
    ds = build_demo(random_state=5, n_tracks=16, n_playlists=40, n_jobs=1)
    ds.name = "tiny"
    save_dataset(ds)
    entry = cache / "models" / "tiny" / "cae-8"
    proc = start(["train", "tiny", "--model", "cae", "--latent", "8", "--epochs", "20"], cache)
    deadline = time.time() + 300
    while not (entry / "resume.pt").exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert (entry / "resume.pt").exists(), "no resume file was written"
    time.sleep(float(np.random.default_rng(1).uniform(0, 1.5)))
    kill(proc)
    assert load_dataset("tiny").fingerprint == ds.fingerprint
    done = start(["train", "tiny", "--model", "cae", "--latent", "8", "--epochs", "20"], cache)
    assert done.wait(timeout=600) == 0
    from songsim.storage import current_version

    manifest = json.loads((current_version(entry) / "manifest.json").read_text())
    assert manifest["history"]["resumed_from"] >= 1
    assert len(manifest["history"]["val_loss"]) == manifest["history"]["epochs_run"]
    assert not (entry / "resume.pt").exists()
