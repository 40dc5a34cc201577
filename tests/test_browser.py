"""End to end in a real headless Chromium: every page, the k slider, a playlist upload.

Needs Debian's chromium (``/usr/bin/chromium``, installed by .ci/run) and the playwright
package; it drives the app served by ``streamlit run`` on a free local port. Screenshots of
every page go to docs/screenshots/.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SONGSIM_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "docs" / "screenshots"
PAGES = [
    ("", "data"),
    ("model", "model"),
    ("clusters", "clusters"),
    ("graph", "graph"),
    ("map", "map"),
    ("compare", "compare"),
    ("similar", "similar"),
]
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Debian's chromium is not installed (.ci/run installs it)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cache_root) -> tuple[str, subprocess.Popen]:
    """``streamlit run app.py`` on a free local port; returns its URL and process once healthy."""
    port = free_port()
    env = {**os.environ, "SONGSIM_CACHE": str(cache_root)}
    # The server's log goes to a file, not a pipe: an unread pipe fills up and blocks the server.
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)
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
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    proc.log_path = log.name
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return url, proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("streamlit did not start: " + Path(log.name).read_text(errors="replace")[-2000:])


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the server has not exited after 30 s; removes its log."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    Path(proc.log_path).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def server(demo_ds, cache_root):
    url, proc = start_server(cache_root)
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=BROWSER_ARGS,
        )
        yield b
        b.close()


def refuse_dialogs(pg):
    pg.on(
        "dialog", lambda d: (_ for _ in ()).throw(AssertionError(f"a dialog opened: {d.message}"))
    )
    return pg


@pytest.fixture(scope="module")
def page(browser):
    pg = refuse_dialogs(browser.new_page(viewport={"width": 1400, "height": 1600}))
    yield pg
    pg.close()


@pytest.fixture
def browser_context(browser):
    """A factory of pages in fresh browser contexts (own sessions, own colour scheme)."""
    contexts = []

    def new_page(**options):
        contexts.append(
            browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, **options})
        )
        return refuse_dialogs(contexts[-1].new_page())

    yield new_page
    for c in contexts:
        c.close()


IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def settle(pg, timeout=240_000):
    """Wait until the app's script has run to the end and the page is idle."""
    pg.wait_for_timeout(300)  # let a rerun triggered by the last action begin
    pg.wait_for_selector(IDLE, timeout=timeout)
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout
    )
    pg.wait_for_timeout(700)  # images, iframes and charts paint after the script ends


def no_exceptions(pg):
    assert pg.locator('[data-testid="stException"]').count() == 0, pg.locator(
        '[data-testid="stException"]'
    ).first.inner_text()


def in_frames(pg, script: str) -> list:
    """``script``'s value in every frame of the page. Only a frame that was detached while we
    looked is passed over; any other error (a script error, a closed page) is raised."""
    from playwright.sync_api import Error

    values = []
    for f in pg.frames:
        try:
            values.append(f.evaluate(script))
        except Error:
            if not f.is_detached():
                raise
    return values


def graph_node_count(pg) -> int:
    """Nodes drawn on the Graph page, as its caption says ("Showing N of M songs")."""
    import re

    caption = pg.get_by_text(re.compile(r"^Showing \d+ of \d+ songs")).first
    caption.wait_for(timeout=60_000)
    return int(re.match(r"Showing (\d+) of", caption.inner_text()).group(1))


TOOLTIP = """() => { const e = document.getElementById('vg-tooltip-element');
  return e && e.classList.contains('visible') ? e.innerText : null }"""


def find_mark(pg, chart, step: int = 12) -> tuple[int, int, str]:
    """``(x, y, tooltip text)`` of a mark of a Vega chart: the pointer sweeps the chart's left
    four fifths (the legend is on the right) row by row until a tooltip shows."""
    box = chart.bounding_box()
    for y in range(int(box["y"]) + 8, int(box["y"] + box["height"]) - 8, step):
        for x in range(int(box["x"]) + 8, int(box["x"] + 0.8 * box["width"]), step):
            pg.mouse.move(x, y)
            text = pg.evaluate(TOOLTIP)
            if text:
                return x, y, text
    raise AssertionError("no mark of the chart shows a tooltip")


def song_picked(pg) -> str:
    """The song in the Similar songs page's picker ("Title — Artist (id)")."""
    picker = pg.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').first
    return picker.get_attribute("value")


def open_upload(pg) -> None:
    """Open the Graph page's upload box unless it is open already (it stays open after an
    upload, and a click on its header would close it)."""
    uploader = pg.locator('[data-testid="stFileUploader"]')
    if not uploader.is_visible():
        pg.get_by_text("Upload playlists to rebuild the graph").click()
    uploader.wait_for(state="visible")


def nav(pg, name: str) -> None:
    pg.locator('[data-testid="stSidebarNav"]').get_by_text(name, exact=True).click()
    settle(pg)
    no_exceptions(pg)


def test_every_page_renders(server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path, name in PAGES:
        page.goto(f"{server}/{path}")
        settle(page)
        no_exceptions(page)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.goto(f"{server}/graph")
    settle(page)
    assert graph_node_count(page) > 100


def test_the_data_page_opens_at_its_own_name_too(server, page):
    page.goto(f"{server}/data")
    settle(page)
    no_exceptions(page)
    assert "Page not found" not in page.locator("body").inner_text()
    assert page.get_by_role("heading", name="Data").count() >= 1


def test_a_song_clicked_on_the_graph_or_the_map_is_picked_everywhere(server, browser_context):
    """Click a node, then a map point: each picks its song on every page; no request leaves
    127.0.0.1 (the page icon and the graph's scripts ship with the package); dark mode too."""
    pg = browser_context(color_scheme="dark")
    outside = []
    pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    pg.goto(f"{server}/graph")
    settle(pg)
    chart = pg.locator('[data-testid="stVegaLiteChart"]').first
    x, y, tip = find_mark(pg, chart)
    title = tip.splitlines()[0]
    pg.mouse.click(x, y)
    settle(pg)
    no_exceptions(pg)
    assert pg.get_by_text("Its strongest links").count() == 1
    assert title in pg.locator('[data-testid="stMain"]').inner_text()
    pg.screenshot(path=str(SHOTS / "graph-dark.png"))
    nav(pg, "Similar songs")  # the Similar songs page starts from the song picked on the graph
    assert song_picked(pg).startswith(title)
    nav(pg, "Map")
    assert title in pg.locator('[data-testid="stMain"]').inner_text()  # marked there too
    chart = pg.locator('[data-testid="stVegaLiteChart"]').first
    x, y, tip = find_mark(pg, chart)
    other = tip.splitlines()[0]
    pg.mouse.click(x, y)
    settle(pg)
    assert pg.get_by_text("Its 10 nearest songs").count() == 1
    assert other in pg.locator('[data-testid="stMain"]').inner_text()
    nav(pg, "Similar songs")
    assert song_picked(pg).startswith(other)
    assert not outside, outside


def test_k_slider_moves_the_clusters(server, page):
    page.goto(f"{server}/clusters")
    settle(page)
    heading = page.get_by_role("heading", name="clusters").last
    before = heading.inner_text()
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("ArrowRight")
    settle(page)
    no_exceptions(page)
    assert page.get_by_role("heading", name="clusters").last.inner_text() != before


def test_playlist_upload_rebuilds_the_graph(server, page, tmp_path):
    page.goto(f"{server}/graph")
    settle(page)
    rows = "\n".join(
        f"u{p},demo/{s}/{i:04d}"
        for p in range(6)
        for s, i in (("techno", 1 + 8 * p), ("techno", 9 + 8 * p), ("piano", 4 + 8 * p))
    )
    upload = tmp_path / "my-playlists.csv"
    upload.write_text("playlist_id,track_id\n" + rows + "\n")
    open_upload(page)
    page.locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_text("entries matched").wait_for(timeout=120_000)
    settle(page)
    no_exceptions(page)
    assert 0 < graph_node_count(page) < 320
    bad = tmp_path / "broken.json"
    bad.write_text('{"playlists": [')
    page.locator('input[type="file"]').set_input_files(str(bad))
    page.get_by_text("previous graph is kept").wait_for(timeout=60_000)
    assert 0 < graph_node_count(page) < 320
    page.screenshot(path=str(SHOTS / "graph-upload.png"), full_page=True)


HOSTILE = [
    '<img src=x onerror="window.top.__pwned=1;alert(1)">',
    "</script><script>window.top.__pwned=2</script>",
    'see <a href="javascript:window.top.__pwned=3">href</a>',
    '"><svg onload=alert(4)>',
]
#: Markdown, Streamlit-directive and LaTeX payloads: each must show as its own characters.
MARKUP = [
    "![x](http://127.0.0.1:9/pwned.png)",
    "[click me](javascript:window.top.__pwned=6)",
    ":red[RED] :material/warning:",
    "$x^2$ and $$y$$",
]


def test_hostile_titles_are_shown_as_text(server, page, cache_root, tmp_path):
    from songsim.data.demo import build_demo
    from songsim.data.store import save_dataset

    ds = build_demo(random_state=9, n_tracks=24, n_playlists=80, n_jobs=1)
    ds.name = "hostile"
    payloads = HOSTILE + MARKUP
    ds.tracks["title"] = [payloads[i % len(payloads)] for i in range(ds.n_tracks)]
    ds.tracks["artist"] = [payloads[(i + 1) % len(payloads)] for i in range(ds.n_tracks)]
    save_dataset(ds)
    fetched = []  # every request the page makes: a rendered markdown image would be one
    page.on("request", lambda r: fetched.append(r.url))
    seen_text = []
    page.goto(
        server
    )  # a new session; the dataset is chosen in its sidebar and kept while it navigates
    settle(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').click()
    page.get_by_role("option", name="hostile").click()
    settle(page)
    nav = page.locator('[data-testid="stSidebarNav"]')
    for name in ("Data", "Graph", "Similar songs", "Map", "Compare"):
        nav.get_by_text(name, exact=True).click()
        settle(page)
        no_exceptions(page)
        if name == "Graph":
            assert graph_node_count(page) > 0
        if name in ("Graph", "Map"):  # a tooltip shows the hostile title as text
            chart = page.locator('[data-testid="stVegaLiteChart"]').first
            _, _, tip = find_mark(page, chart)
            assert any(p.split(" ")[0] in tip for p in payloads), tip
            inside = "() => document.querySelectorAll('#vg-tooltip-element :is(img, svg, a, script)').length"
            assert page.evaluate(inside) == 0
        if name == "Similar songs":  # the chosen song's title is on the page, as text
            assert page.get_by_text("<img src=x", exact=False).count() > 0
        assert (
            "24 tracks" in page.locator('[data-testid="stSidebar"]').inner_text()
        )  # still the hostile dataset
        assert set(in_frames(page, "() => window.top.__pwned")) <= {None}
        injected = "() => document.querySelectorAll('img[src=\"x\"], svg[onload]').length"
        assert set(in_frames(page, injected)) <= {0}
        rendered = '() => document.querySelectorAll(\'.katex, a[href^="javascript"], [src*="pwned"]\').length'
        assert set(in_frames(page, rendered)) <= {0}
        seen_text.append(page.locator('[data-testid="stMain"]').inner_text())
    assert not [u for u in fetched if "pwned" in u]
    shown = "\n".join(seen_text)
    for payload in MARKUP:  # shown as text somewhere (captions, song lists), never rendered
        assert payload.split(" ")[0] in shown, payload
    # a playlist upload whose file name and titles are hostile
    hostile_file = tmp_path / '<img src=x onerror="window.top.__pwned=5">.m3u8'
    lines = ["#EXTM3U"] + [
        f"#EXTINF:1,{HOSTILE[i % 4]} - {HOSTILE[(i + 2) % 4]}\n{t}"
        for i, t in enumerate(ds.tracks.track_id[:12])
    ]
    hostile_file.write_text("\n".join(lines) + "\n")
    nav.get_by_text("Graph", exact=True).click()
    settle(page)
    open_upload(page)
    page.locator('input[type="file"]').set_input_files(str(hostile_file))
    page.get_by_text("entries matched").wait_for(timeout=120_000)
    settle(page)
    no_exceptions(page)
    nav.get_by_text(
        "Similar songs", exact=True
    ).click()  # the sidebar shows the upload from the next run on
    settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Playlists from your upload: <img src=x onerror=" in sidebar, (
        sidebar
    )  # the name, shown as text
    assert set(in_frames(page, "() => window.top.__pwned")) <= {None}
    # an error message naming a file whose name is markdown: shown as the name, nothing fetched
    bad_name = tmp_path / "![x](pwned-error.png) $y$ :red[R].csv"
    bad_name.write_text("no header we know\n")
    nav.get_by_text("Graph", exact=True).click()
    settle(page)
    open_upload(page)
    page.locator('input[type="file"]').set_input_files(str(bad_name))
    page.get_by_text("previous graph is kept").wait_for(timeout=60_000)
    error = page.locator('[data-testid="stAlert"]').filter(has_text="previous graph is kept")
    assert "![x](pwned-error.png) $y$ :red[R].csv" in error.inner_text()
    assert set(in_frames(page, "() => document.querySelectorAll('.katex').length")) <= {0}
    assert not [u for u in fetched if "pwned" in u]
    page.screenshot(path=str(SHOTS / "hostile-titles.png"), full_page=True)


def test_a_library_without_playlists_opens_every_page(server, browser_context, cache_root):
    """A small folder of songs with no playlists and no labels: every page opens with its empty
    state, never an exception; an empty Folder field is refused; at 1280×720 the picked song's
    player is in view beside the map, and a click on empty space lets the song go."""
    from songsim.data.demo import build_demo
    from songsim.data.store import save_dataset
    from songsim.io.table import COLUMNS

    ds = build_demo(random_state=4, n_tracks=8, n_playlists=20, n_jobs=1)
    ds.name = "bare"
    ds.tracks = ds.tracks.assign(label=None)
    ds.playlists = pd.DataFrame(columns=COLUMNS).astype({"position": "int32"})
    save_dataset(ds)
    pg = browser_context(viewport={"width": 1280, "height": 720})
    pg.goto(server)
    settle(pg)
    pg.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').click()
    pg.get_by_role("option", name="bare").click()
    settle(pg)
    pg.get_by_role("button", name="Ingest").click()  # the Folder field left empty
    settle(pg)
    assert pg.get_by_text("give the folder to ingest").count() == 1
    for name in ("Model", "Clusters", "Graph", "Map", "Compare", "Similar songs"):
        nav(pg, name)
        assert "8 tracks" in pg.locator('[data-testid="stSidebar"]').inner_text()
    nav(pg, "Graph")
    assert "dataset=bare" in pg.url, pg.url
    pg.reload()  # the Graph page of a library without playlists, reloaded: still that library
    settle(pg)
    no_exceptions(pg)
    assert "dataset=bare" in pg.url, pg.url
    assert "8 tracks" in pg.locator('[data-testid="stSidebar"]').inner_text()
    nav(pg, "Map")
    chart = pg.locator('[data-testid="stVegaLiteChart"]').first
    x, y, tip = find_mark(pg, chart, step=6)
    pg.mouse.click(x, y)
    settle(pg)
    assert pg.get_by_text("Its 7 nearest songs").count() == 1  # 8 tracks: 7 others
    picked = pg.get_by_text(tip.splitlines()[0], exact=False).first
    box = picked.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720, box  # in view without scrolling
    box = chart.bounding_box()
    pg.mouse.click(box["x"] + 3, box["y"] + 3)  # a corner: empty space
    settle(pg)
    assert pg.get_by_text("Click a point to pick its song").count() == 1


def test_a_reload_or_a_shared_link_keeps_the_view(server, browser_context, demo_ds):
    """k moved on Clusters survives a reload; a link naming the embedding, k and a song opens
    that view in a new session (another visitor)."""
    pg = browser_context()
    pg.goto(f"{server}/clusters")
    settle(pg)
    slider = pg.get_by_role("slider").first
    slider.focus()
    for _ in range(3):
        slider.press("ArrowRight")
        settle(pg)
    shown = pg.get_by_role("heading", name="clusters").last.inner_text()
    assert "k=" in pg.url and "dataset=demo" in pg.url, pg.url
    pg.reload()
    settle(pg)
    no_exceptions(pg)
    assert pg.get_by_role("heading", name="clusters").last.inner_text() == shown

    track = demo_ds.tracks.iloc[17]
    link = f"{server}/similar?dataset=demo&kind=mfcc&k=5&song={track.track_id}"
    other = browser_context()
    other.goto(link)
    settle(other)
    no_exceptions(other)
    assert song_picked(other).startswith(track.title)
    main = other.locator('[data-testid="stMain"]')
    assert (
        main.locator('[data-testid="stSelectbox"] input')
        .nth(1)
        .get_attribute("value")
        .startswith("MFCC")
    )
    nav(other, "Clusters")
    assert other.get_by_role("heading", name="clusters").last.inner_text().startswith("5 ")
