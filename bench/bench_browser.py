"""Dashboard responsiveness in a real browser (Debian's Chromium driven by Playwright).

Starts ``streamlit run app.py`` on an empty cache and measures, from the browser's side:

* first open: from loading the page until the app is idle (the demo corpus is built here);
* warm page switches: clicking each page in the sidebar, twice round (the second round, when
  every page's results are cached, is the warm figure);
* k slider moves on the Clusters page (arrow keys, k values already swept);
* a t-SNE perplexity change on the Map page (a new optimisation each time).

'Idle' means Streamlit reports its script as not running and no status widget shows. There is
no reference implementation for this one: the figures are medians against the goals — first
open ≤ 60 s, every first page visit ≤ 20 s, a warm k move ≤ 300 ms, a new perplexity ≤ 2 s.

With ``--cache DIR --dataset NAME`` it opens an existing cache instead, picks that dataset in
the sidebar, and also reports the server's resident memory (the process and its children:
peak, and after each page's first visit).

Usage: python bench/bench_browser.py [--repeats 7] [--cache DIR --dataset NAME]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from _common import emit

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
PAGES = ["Data", "Model", "Clusters", "Graph", "Map", "Compare", "Similar songs"]
ROUND = PAGES[1:] + PAGES[:1]  # starts away from the page the app opens on


WATCH = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  window.__states = [];
  if (window.__observer) window.__observer.disconnect();
  window.__observer = new MutationObserver(() => window.__states.push([performance.now(), app.getAttribute('data-test-script-state')]));
  window.__observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  window.__input = null;
  for (const type of ['pointerdown', 'keydown'])
    document.addEventListener(type, () => { if (window.__input === null) window.__input = performance.now(); },
                              {capture: true, once: true});
  return performance.now();
}"""
DONE = """() => { const s = window.__states.filter(x => window.__input !== null && x[0] >= window.__input);
  const r = s.findIndex(x => x[1] === 'running');
  if (r >= 0) return s.slice(r).some(x => x[1] === 'notRunning');
  const app = document.querySelector('[data-testid=stApp]');  // a rerun too short to be seen
  return window.__input !== null && performance.now() - window.__input > 5000
    && app.getAttribute('data-test-script-state') === 'notRunning'; }"""


def timed(pg, action, timeout=600_000) -> float | None:
    """Seconds from the user's input (the pointerdown or keydown that ``action`` makes) until the
    rerun it starts has finished, timed inside the page (a MutationObserver on the app's script
    state), so neither the driver's polling nor its pre-click checks count. None when the rerun
    was too short for the page ever to show it running (state changes before the input, such as
    the end of a previous rerun, never count)."""
    pg.evaluate(WATCH)
    action()
    pg.wait_for_function(DONE, timeout=timeout, polling=50)
    pg.wait_for_timeout(300)  # let a rerun triggered by the first one (a widget settling) show up
    if pg.evaluate(
        "() => window.__states.length && window.__states[window.__states.length - 1][1] !== 'notRunning'"
    ):
        pg.wait_for_selector(IDLE, timeout=timeout)
    end = pg.evaluate(
        "() => (window.__states.filter(x => x[0] >= window.__input && x[1] === 'notRunning')"
        ".pop() || [null])[0]"
    )
    return None if end is None else (end - pg.evaluate("() => window.__input")) / 1000


def tree_rss_kb(pid: int) -> int:
    from bench_library import _tree_rss_kb

    return _tree_rss_kb(pid)


def server_mb(pid: int) -> float:
    return round(tree_rss_kb(pid) / 1024, 1)


def pick_dataset(pg, name: str) -> None:
    """Choose ``name`` in the sidebar's Dataset menu."""
    pg.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    pg.get_by_role("option", name=name, exact=True).click()


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--cache", help="an existing cache (default: a new, empty one)")
    ap.add_argument("--dataset", help="with --cache: the dataset to pick in the sidebar")
    ap.add_argument(
        "--visits-only",
        action="store_true",
        help="only the first open and two rounds of page visits (no k or perplexity moves: at "
        "100,000 tracks each perplexity is a background t-SNE of minutes)",
    )
    ap.add_argument(
        "--settle",
        type=float,
        default=0,
        metavar="S",
        help="at the end, wait S seconds (a background t-SNE finishing) and give the server's "
        "memory then",
    )
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cache = args.cache or tempfile.mkdtemp(prefix="songsim-bench-")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env={**os.environ, "SONGSIM_CACHE": cache},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.wait(0.25):
            peak[0] = max(peak[0], tree_rss_kb(proc.pid))

    threading.Thread(target=sample, daemon=True).start()
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            pg = browser.new_page(viewport={"width": 1400, "height": 1000})
            t = time.perf_counter()
            pg.goto(url)
            pg.wait_for_selector(IDLE, timeout=600_000)
            first_open = time.perf_counter() - t
            memory = {"after_first_open": server_mb(proc.pid)}
            picked = None
            sidebar = pg.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first
            if args.dataset and args.dataset not in sidebar.inner_text():
                picked = timed(pg, lambda: pick_dataset(pg, args.dataset))
                memory["after_picking_dataset"] = server_mb(proc.pid)
            nav = pg.locator('[data-testid="stSidebarNav"]')
            rounds = []
            for _ in range(2):
                visits = {}
                for name in ROUND:
                    visits[name] = timed(pg, lambda n=name: nav.get_by_text(n, exact=True).click())
                    if not rounds:
                        memory[f"after_{name}"] = server_mb(proc.pid)
                rounds.append(visits)
            warm_switch, k_moves, perplexity = [], [], []
            if not args.visits_only:
                warm_switch = [
                    t
                    for _ in range(max(1, args.repeats // len(PAGES) + 1))
                    for t in (
                        timed(pg, lambda n=name: nav.get_by_text(n, exact=True).click())
                        for name in ROUND
                    )
                ]
                timed(pg, lambda: nav.get_by_text("Clusters", exact=True).click())
                slider = pg.get_by_role("slider").first
                k_moves = []
                for i in range(args.repeats):
                    slider.focus()
                    k_moves.append(
                        timed(
                            pg,
                            lambda i=i: slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft"),
                        )
                    )
                timed(pg, lambda: nav.get_by_text("Map", exact=True).click())
                slider = pg.get_by_role("slider").first
                perplexity = []
                for _ in range(max(3, args.repeats // 2)):
                    slider.focus()
                    perplexity.append(timed(pg, lambda: slider.press("ArrowLeft")))
            if args.settle:
                time.sleep(args.settle)
                memory[f"after_{args.settle:g}_s_more"] = server_mb(proc.pid)
            browser.close()
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=30)
    emit(
        "dashboard_browser",
        {
            "cache": "given" if args.cache else "empty",
            "dataset": args.dataset,
            "pick_dataset_s": picked,
            "server_rss_mb": memory,
            "server_peak_rss_mb": peak[0] / 1024,
            "first_open_empty_cache_s": first_open,
            "first_visit_s": rounds[0],
            "second_visit_s": rounds[1],
            **{
                f"{name}_{stat}_s": (fn(seen) if seen else None)
                for name, values in (
                    ("warm_page_switch", warm_switch),
                    ("k_slider", k_moves),
                    ("perplexity_change", perplexity),
                )
                for seen in [[v for v in values if v is not None]]
                for stat, fn in (("median", statistics.median), ("max", max))
            },
        },
    )


if __name__ == "__main__":
    main()
