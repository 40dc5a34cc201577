"""Shared fixtures: a private cache for the whole run, and the demo dataset built once in it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("songsim-cache")
    os.environ["SONGSIM_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session")
def demo_ds(cache_root):
    from songsim.catalog import ensure_demo

    return ensure_demo()


@pytest.fixture()
def fresh_cache(tmp_path, monkeypatch) -> Path:
    """A cache of this test's own (the session cache is restored afterwards)."""
    monkeypatch.setenv("SONGSIM_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture()
def tiny_dataset():
    """Factory of small demo-like datasets (8 tracks, 20 playlists), built in a second or two."""
    from songsim.data.demo import build_demo

    def make(name: str, seed: int = 1):
        ds = build_demo(random_state=seed, n_tracks=8, n_playlists=20, n_jobs=1)
        ds.name = name
        return ds

    return make


@pytest.fixture()
def apptest_like_a_server(monkeypatch):
    """AppTest sets Streamlit's old "pages/ folder" flag afresh before every run, so each run of a
    switched-to page would start outside app.py's router (and ui reruns it through app.py, which
    drops button clicks). A real server clears the flag once, for good, on its first requests."""
    from streamlit.runtime.pages_manager import PagesManager

    init = PagesManager.__init__

    def cleared(self, *args, **kwargs):
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", cleared)


@pytest.fixture()
def check_resume(tmp_path):
    """``check(full, clips, clip_track, params)``: interrupt a training run in its second epoch,
    resume it from its resume file, and check it ends with ``full``'s weights."""

    def check(full, clips, clip_track, params):
        import torch

        from songsim.models.train import train

        def interrupt(done, total, message):
            if message.startswith("epoch 2"):
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            train(clips, clip_track, params, resume_path=tmp_path / "resume.pt", progress=interrupt)
        resumed, h = train(clips, clip_track, params, resume_path=tmp_path / "resume.pt")
        assert h["resumed_from"] == 1 and h["epochs_run"] == 2
        for (k, va), vb in zip(full.state_dict().items(), resumed.state_dict().values()):
            assert torch.allclose(va, vb), k

    return check
