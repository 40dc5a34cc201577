"""Each default is written once: the k range every sweep starts from, and the limits the
dashboard enforces come from :mod:`songsim.limits` (its environment overrides act)."""

import inspect
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP

from songsim.analysis.clustering import KSweep, sweep_k
from songsim.analysis.evaluation import score_embedding
from songsim.config import DEFAULT_KS
from songsim.params import SweepParams

ROOT = Path(__file__).resolve().parents[1]


def test_every_k_range_is_the_one_default():
    assert SweepParams().ks == KSweep().ks == DEFAULT_KS
    for fn in (sweep_k, score_embedding):
        assert inspect.signature(fn).parameters["ks"].default is DEFAULT_KS
    written = re.compile(r"range\(2, ?21\)|k_max: int = 20|\b2, 20\b|2 to 20|2–20")
    sources = [*ROOT.glob("songsim/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]
    again = [str(f.relative_to(ROOT)) for f in sources if written.search(f.read_text())]
    assert again == ["songsim/config.py"], again


@pytest.mark.usefixtures("apptest_like_a_server")
def test_the_upload_limit_is_the_limits_one(monkeypatch):
    monkeypatch.setenv("SONGSIM_LIMIT_UPLOAD_BYTES", "100")
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("pages/graph.py").run()
    data = ("playlist_id,track_id\n" + "p,demo/techno/0001\n" * 20).encode()
    at.file_uploader[0].set_value(("big.csv", data, "text/csv")).run()
    shown = [e.value.replace("\\", "") for e in at.error]  # markdown escapes dropped
    assert any("over the 100-byte upload limit" in e for e in shown), shown


def test_streamlit_caches_live_only_in_the_step_caches_back_end_and_the_media_module():
    """Every result a page shows is a step, keyed by the runner: the only Streamlit caches are the
    step cache's back-end (and the datasets it starts from) and the media bytes."""
    decorator = re.compile(r"@(st\.)?cache_(data|resource)\b|\bcache_(data|resource)\(")
    sources = [*ROOT.glob("songsim/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]
    found = sorted(str(f.relative_to(ROOT)) for f in sources if decorator.search(f.read_text()))
    assert found == ["songsim/ui/media.py", "songsim/ui/stepcache.py"], found


def test_no_caller_builds_a_step_key():
    """Pages, the CLI, the service and the dashboard's layer ask for a step by name: none builds a
    StepKey, passes an input key, or hashes vectors for a cache."""
    built = re.compile(r"\bStepKey\(|\binput_key\b|\barray_key\(|\bstep_key\(")
    sources = [*ROOT.glob("songsim/**/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]
    allowed = {"songsim/cache.py", "songsim/flow.py"}  # the keys' home and the runner
    found = sorted(
        str(f.relative_to(ROOT))
        for f in sources
        if built.search(f.read_text()) and str(f.relative_to(ROOT)) not in allowed
    )
    assert found == [], found
