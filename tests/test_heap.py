"""What a script run frees goes back to the system: glibc's heaps of the server's threads."""

import os
import sys
import threading
from pathlib import Path

import pytest

from songsim import heap

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heaps")
def test_trim_hands_back_what_a_thread_freed_among_what_it_keeps():
    kept = []

    def run():  # 200 MB of 1 KB blocks in a thread's own heap; one in 64 outlives the run
        blocks = [bytearray(1024) for _ in range(200_000)]
        kept.extend(blocks[::64])

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    before = rss_mb()
    assert heap.trim()
    assert rss_mb() < before - 100, "the freed blocks between the kept ones stayed resident"
    assert len(kept) == 3125


def test_every_page_run_ends_by_trimming(monkeypatch, demo_ds):
    from streamlit.testing.v1 import AppTest

    calls = []
    monkeypatch.setattr(heap, "trim", lambda: calls.append(1) or True)
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception
    at.switch_page("pages/graph.py").run()
    assert not at.exception
    assert len(calls) == 2


def test_a_background_task_trims_when_it_ends(monkeypatch):
    from songsim.progress import BackgroundTask

    calls = []
    monkeypatch.setattr(heap, "trim", lambda: calls.append(1) or True)
    task = BackgroundTask(lambda progress: "the map", "test-trim").start()
    task._thread.join()
    assert task.result == "the map" and calls == [1]
