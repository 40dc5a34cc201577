"""The first open of a fresh server survives a visitor who clicks away mid-build, and a second
visitor who arrives meanwhile: one build, the same progress everywhere, no exception anywhere."""

import shutil
from pathlib import Path

import pytest
from test_browser import (
    BROWSER_ARGS,
    CHROMIUM,
    PAGES,
    no_exceptions,
    settle,
    start_server,
    stop_server,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Debian's chromium is not installed (.ci/run installs it)",
    ),
]

BUILDING = "First start: building the demo corpus"


def test_first_open_survives_navigation_and_a_second_visitor(tmp_path):
    from playwright.sync_api import sync_playwright

    url, proc = start_server(tmp_path / "cache")  # an empty cache: the demo is built on first open
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
                args=BROWSER_ARGS,
            )
            first = browser.new_page(viewport={"width": 1400, "height": 1000})
            first.goto(url)
            first.get_by_text(BUILDING).wait_for(timeout=60_000)
            first.get_by_text("rendering demo tracks").wait_for(timeout=120_000)
            nav = first.locator('[data-testid="stSidebarNav"]')
            for name in ("Graph", "Map", "Compare"):  # click away while the build runs
                nav.get_by_text(name, exact=True).click()
                first.get_by_text(BUILDING).wait_for(timeout=30_000)
                no_exceptions(first)
            second = browser.new_page(viewport={"width": 1400, "height": 1000})
            second.goto(f"{url}/clusters")  # a second visitor watches the same build
            second.get_by_text("rendering demo tracks").wait_for(timeout=60_000)
            settle(second, timeout=600_000)
            no_exceptions(second)
            for path, _ in PAGES:  # once built, every page ends without an exception
                first.goto(f"{url}/{path}")
                settle(first, timeout=600_000)
                no_exceptions(first)
                assert BUILDING not in first.locator("body").inner_text()
            browser.close()
        log = Path(proc.log_path).read_text(errors="replace")
        assert "Traceback" not in log and "executor underlying Parallel" not in log, log[-3000:]
        assert "Inotify" not in log, log[-3000:]  # no file watcher floods the log
        demo = tmp_path / "cache" / "datasets" / "demo"
        versions = [v for v in demo.iterdir() if v.is_dir() and v.name.startswith("v")]
        assert len(versions) == 1  # one complete version (its clips in demo/shards)
    finally:
        stop_server(proc)
