"""Playlists written for other programs come back: the CSV uploads as the playlist it lists, and
the M3U8 plays in a real media player (mpv) saved in another folder than the library's."""

import shutil
import subprocess

import pytest
from streamlit.testing.v1 import AppTest
from test_app import APP
from test_library import song

from songsim.cli import main
from songsim.data.store import load_dataset
from songsim.io.playlists import read_playlists

pytestmark = pytest.mark.usefixtures("apptest_like_a_server")


@pytest.fixture()
def exported(tmp_path, fresh_cache, capsys):
    """A 6-song library with spaces and accents in its paths, and the CLI's exports of one
    song's three nearest songs, written to a folder beside the library."""
    music = tmp_path / "music"
    for i in range(6):
        song(music / ("rock" if i % 2 else "jazz") / f"Été {i}.wav", seed=i)
    out = tmp_path / "elsewhere"
    out.mkdir()
    assert main(["ingest", "--audio", str(music), "--name", "lib"]) == 0
    assert main(["embed", "lib", "--kind", "mfcc"]) == 0
    common = ["similar", "lib", "jazz/Été 0.wav", "--kind", "mfcc", "--n", "3"]
    assert main([*common, "--m3u8", str(out / "abs.m3u8"), "--csv", str(out / "p.csv")]) == 0
    assert main([*common, "--m3u8", str(out / "rel.m3u8"), "--library-at", "../music"]) == 0
    capsys.readouterr()
    return out


def played(playlist) -> list[tuple[str, str]]:
    """``(path, title)`` of each entry mpv opened and played, run from another folder."""
    run = subprocess.run(
        [
            "mpv",
            "--no-config",
            "--quiet",
            "--ao=null",
            "--vo=null",
            "--length=0.2",
            "--term-playing-msg=PLAYED ${path} | ${media-title}",
            str(playlist),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert run.returncode == 0 and "Cannot open" not in run.stdout + run.stderr, run.stdout
    lines = [ln[len("PLAYED ") :] for ln in run.stdout.splitlines() if ln.startswith("PLAYED ")]
    return [tuple(ln.split(" | ", 1)) for ln in lines]


@pytest.mark.skipif(
    shutil.which("mpv") is None, reason="mpv is not installed (apt-get install mpv)"
)
def test_the_m3u8_plays_in_a_media_player_from_another_folder(exported):
    ds = load_dataset("lib")
    for name in ("abs.m3u8", "rel.m3u8"):
        entries = played(exported / name)
        assert len(entries) == 4, entries  # the song asked about, then its 3 nearest
        assert entries[0][1] == f"{ds.tracks.artist.iloc[0]} - {ds.tracks.title.iloc[0]}"
        assert {p.rsplit("/", 1)[-1] for p, _ in entries} <= {f"Été {i}.wav" for i in range(6)}
    text = (exported / "abs.m3u8").read_text(encoding="utf-8")
    assert "#EXTINF:9," in text  # durations, in whole seconds


def test_the_csv_export_reads_back_as_its_playlist(exported):
    ds = load_dataset("lib")
    table = read_playlists(exported / "p.csv", (exported / "p.csv").read_bytes())
    again = ds.with_playlists(table, source="p.csv")
    assert again.info["unmatched_playlist_entries"] == 0
    assert again.playlists["playlist_id"].nunique() == 1
    assert again.playlists["track_id"].iloc[0] == "jazz/Été 0.wav"
    assert again.playlists["position"].tolist() == [0, 1, 2, 3]


def test_player_paths_start_where_the_user_says(exported):
    ds = load_dataset("lib")
    row = ds.track_row("jazz/Été 0.wav")
    assert ds.player_path(row) == str(exported.parent / "music" / "jazz" / "Été 0.wav")
    assert ds.player_path(row, "C:\\Music") == "C:\\Music\\jazz\\Été 0.wav"
    assert ds.player_path(row, "/home/me/Music/") == "/home/me/Music/jazz/Été 0.wav"


def test_the_dashboards_csv_download_uploads_on_the_graph_page(demo_ds):
    from songsim import search, ui

    rows = search.grown_playlist(demo_ds, "mfcc", 0, length=12)
    table = demo_ds.tracks.iloc[rows].assign(row=rows)
    _, csv = ui.exports(demo_ds, table, "songsim — a grown one")
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("pages/graph.py").run()
    at.file_uploader[0].set_value(("songsim-playlist.csv", csv.encode(), "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("1 playlist, 12 entries matched, 0 unmatched" in s.value for s in at.success), [
        s.value for s in at.success
    ]
    back = next(b for b in at.button if b.label.startswith("Back to the dataset"))
    back.click().run()
    assert not at.success and not at.error
    assert at.file_uploader[0].value is None  # the uploader no longer holds the file


def test_an_upload_names_its_first_unmatched_entries():
    from songsim.ui.session import upload_summary

    one = upload_summary(
        {"playlists": 1, "matched": 12, "unmatched": 2, "unmatched_examples": ["a/x.mp3"]}
    )
    assert one.replace("\\", "") == (
        "1 playlist, 12 entries matched, 2 unmatched (“a/x.mp3”). The graph is rebuilt."
    )
    many = upload_summary(
        {"playlists": 3, "matched": 1, "unmatched": 9, "unmatched_examples": list("abcdef")}
    )
    assert many.startswith("3 playlists, 1 entry matched") and "“e”, …)" in many
    assert "“f”" not in many


ODD_NAMES = [
    "-intro.wav",
    "@home.wav",
    "=HYPERLINK(1).wav",
    "+plus.wav",
    "'quoted.wav",
    "#1 hit.wav",
    "#hits/x.wav",
    " lead.wav",
    "plain.wav",
]


def test_odd_names_come_back_from_the_csv_and_play_from_the_m3u8(tmp_path, fresh_cache):
    """Ids a spreadsheet would run as formulas, or a player would read as comments or trim,
    round-trip: the CSV (neutralised for spreadsheets) reads back to every id, and the M3U8's
    relative paths (``./#1 hit.wav``) are read back by songsim and played by mpv."""
    from songsim.io.export import playlist_csv, to_m3u8

    music = tmp_path / "music"
    for i, name in enumerate(ODD_NAMES):
        song(music / name, seed=i, seconds=3.0)
    assert main(["ingest", "--audio", str(music), "--name", "odd"]) == 0
    ds = load_dataset("odd")
    order = [ds.track_row(n) for n in ODD_NAMES]
    table = ds.tracks.iloc[order]
    csv_text = playlist_csv(table, name="=odd")
    assert "\n=" not in csv_text and ",=" not in csv_text and ",-" not in csv_text
    back = read_playlists(tmp_path / "p.csv", csv_text.encode())
    assert back["track_id"].astype(str).tolist() == ODD_NAMES
    again = ds.with_playlists(back, source="p.csv")
    assert again.info["unmatched_playlist_entries"] == 0
    m3u = music / "odd.m3u8"
    m3u.write_text(to_m3u8(table, name="odd", paths=ODD_NAMES), encoding="utf-8")
    back = read_playlists(m3u, m3u.read_bytes())
    assert back["track_id"].astype(str).tolist() == ODD_NAMES
    if shutil.which("mpv") is not None:
        entries = played(m3u)
        assert len(entries) == len(ODD_NAMES), entries


def test_a_visitors_m3u8_never_holds_the_servers_folders(exported, monkeypatch):
    """The owner's M3U8 download holds the files' absolute paths; a visitor's (read-only
    dashboard) holds paths relative to the library folder — nothing of the server's folders."""
    from songsim.ui.similar import exports

    ds = load_dataset("lib")
    table = ds.tracks.iloc[[0, 1, 2]].assign(row=[0, 1, 2])
    folder = str(exported.parent / "music")
    monkeypatch.delenv("SONGSIM_READ_ONLY", raising=False)
    assert folder in exports(ds, table, "mix")[0]
    monkeypatch.setenv("SONGSIM_READ_ONLY", "1")
    m3u, csv = exports(ds, table, "mix")
    assert folder not in m3u and str(exported.parent) not in m3u + csv
    assert "jazz/Été 0.wav" in m3u or "rock/Été 1.wav" in m3u
    assert "C:\\Music\\" in exports(ds, table, "mix", "C:\\Music")[0]  # a folder they name
