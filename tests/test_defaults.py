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
