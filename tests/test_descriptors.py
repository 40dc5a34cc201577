"""Tempo, key and loudness: clicks at known tempi, chord progressions in known keys, tones at
known loudness against pyloudnorm; unknown (never a guess) for short or silent audio; a library
measured incrementally equals one measured afresh; the CLI and the Data page show them."""

import json
from pathlib import Path

import numpy as np
import pytest

from songsim.analysis import descriptors as D

SR = 22050
ROOT = Path(__file__).resolve().parents[1]


def clicks(bpm: float, seconds: float = 30.0) -> np.ndarray:
    y = np.zeros(int(seconds * SR), np.float32)
    n = int(0.02 * SR)
    burst = np.random.default_rng(0).standard_normal(n) * np.hanning(n) * 0.5
    for t in np.arange(0, seconds, 60 / bpm):
        i = int(t * SR)
        y[i : i + n] += burst[: len(y) - i]
    return y


def chords(progression, seconds_each: float = 2.0) -> np.ndarray:
    """Triads ``(root pitch class, minor)`` as sines (two octaves), each faded in and out."""
    t = np.arange(int(seconds_each * SR)) / SR
    out = []
    for root, minor in progression:
        notes = (root, root + (3 if minor else 4), root + 7)
        y = sum(
            np.sin(2 * np.pi * 440 * 2 ** ((n - 9) / 12) * t)
            + 0.5 * np.sin(2 * np.pi * 220 * 2 ** ((n - 9) / 12) * t)
            for n in notes
        )
        out.append(y * np.hanning(len(t)))
    return (np.concatenate(out * 3) * 0.1).astype(np.float32)


@pytest.mark.parametrize("bpm", [60, 75, 90, 100, 120, 128, 140, 150, 174])
def test_clicks_at_a_known_tempo_measure_that_tempo(bpm):
    measured, confidence = D.tempo(clicks(bpm), SR)
    assert abs(measured - bpm) <= 0.04 * bpm and 0 < confidence <= 1


def test_a_fast_click_is_measured_at_its_tempo_or_half_by_the_stated_prior():
    measured, _ = D.tempo(clicks(180), SR)
    assert any(abs(measured - 180 * f) <= 0.04 * 180 * f for f in (1, 0.5))


@pytest.mark.parametrize(
    ("progression", "name", "code"),
    [
        ([(0, False), (5, False), (7, False), (0, False)], "C major", "8B"),
        ([(7, False), (0, False), (2, False), (7, False)], "G major", "9B"),
        ([(9, True), (2, True), (4, False), (9, True)], "A minor", "8A"),
        ([(4, True), (9, True), (11, False), (4, True)], "E minor", "9A"),
    ],
)
def test_a_chord_progression_is_in_its_key(progression, name, code):
    assert D.key(chords(progression), SR)[:2] == (name, code)


def test_the_camelot_wheel():
    assert D.camelot(0, False) == "8B" and D.camelot(9, True) == "8A"
    assert D.camelot(11, False) == "1B" and D.camelot(4, True) == "9A"
    assert D.compatible_camelot("8A") == {"8A", "8B", "7A", "9A"}
    assert D.compatible_camelot("12B") == {"12B", "12A", "11B", "1B"}


def test_dj_order_moves_tempo_and_key_in_small_steps():
    import pandas as pd

    from songsim.describing import camelot_steps, dj_order

    table = pd.DataFrame(
        {
            "tempo": [120.0, 150.0, 124.0, 61.0, None],
            "camelot": ["8A", "3B", "9A", "8B", None],
        }
    )
    assert camelot_steps("8A", "9A") == 1 and camelot_steps("12B", "1A") == 2
    # 61 BPM is half of 122: as near 120 as 124 is; 8B (relative) is one step like 9A
    order = dj_order([0, 1, 2, 3, 4], table)
    assert order[0] == 0 and set(order[1:3]) == {2, 3} and sorted(order) == [0, 1, 2, 3, 4]
    # a far tempo and key (150 BPM, 3B: 3.3 + 7) costs more than the unknown song (3 + 3)
    assert order[3:] == [4, 1]


@pytest.mark.parametrize("amplitude", [0.5, 0.1, 0.01])
def test_a_tone_has_the_loudness_pyloudnorm_gives_it(amplitude):
    import pyloudnorm

    t = np.arange(20 * SR) / SR
    tone = amplitude * np.sin(2 * np.pi * 1000 * t)
    stereo = np.column_stack([tone, tone]).astype(np.float32)
    lufs, lra = D.loudness(stereo, SR)
    reference = pyloudnorm.Meter(SR).integrated_loudness(stereo.astype(np.float64))
    assert lufs == pytest.approx(reference, abs=0.02)
    assert lufs == pytest.approx(20 * np.log10(amplitude), abs=0.2)  # 1 kHz: K-weighting ≈ 0 dB
    assert lra == pytest.approx(0.0, abs=0.1)  # a steady tone has no loudness range


def test_a_track_of_two_levels_has_their_loudness_range():
    t = np.arange(10 * SR) / SR
    quiet, loud = (a * np.sin(2 * np.pi * 1000 * t) for a in (10 ** (-30 / 20), 10 ** (-10 / 20)))
    y = np.concatenate([quiet, loud, quiet, loud]).astype(np.float32)[:, None]
    _, lra = D.loudness(y, SR)
    assert 17 <= lra <= 20.5  # the 10th to 95th percentile of short-term loudness: ≈ 20 LU


def test_short_or_silent_audio_is_unknown_never_a_guess():
    short = D.describe(chords([(0, False)]), SR)  # 6 s
    assert short.tempo is None and short.key is None and short.loudness is not None
    silent = D.describe(np.zeros(30 * SR, np.float32), SR)
    assert all(getattr(silent, f) is None for f in ("tempo", "key", "loudness", "loudness_range"))
    noise = D.describe(np.zeros((100, 2), np.float32), SR)  # under one 400 ms block
    assert noise.loudness is None


@pytest.fixture()
def music_folder(tmp_path):
    import soundfile as sf

    folder = tmp_path / "music"
    folder.mkdir()
    for name, y in (
        ("clicks-100.wav", clicks(100, 20)),
        ("c-major.wav", np.tile(chords([(0, False), (5, False), (7, False), (0, False)]), 1)),
        ("clicks-140.wav", clicks(140, 20)),
        ("clicks-80.wav", clicks(80, 20)),
        ("a-minor.wav", chords([(9, True), (2, True), (4, False), (9, True)])),
    ):
        sf.write(folder / name, y, SR)
    return folder


def test_a_library_is_measured_once_per_file_and_incrementally_equals_afresh(
    music_folder, fresh_cache, monkeypatch
):
    import soundfile as sf

    import songsim.describing as describing
    from songsim.catalog import ingest

    ds = ingest("measured", audio=music_folder, progress=lambda *a: None)
    assert describing.to_describe(ds) == 5
    first = describing.track_descriptors(ds, compute=True, progress=lambda *a: None)
    by_id = first.set_index("track_id")
    assert abs(by_id.loc["clicks-100.wav", "tempo"] - 100) <= 4
    assert by_id.loc["c-major.wav", "key"] == "C major"

    sf.write(music_folder / "clicks-120.wav", clicks(120, 20), SR)
    ds = ingest("measured", audio=music_folder, progress=lambda *a: None)
    measured = []
    real = describing.measure_one
    monkeypatch.setattr(describing, "measure_one", lambda ref: measured.append(ref) or real(ref))
    again = describing.describe_library(ds, n_jobs=1, progress=lambda *a: None)
    assert [Path(r[0]).name for r in measured] == ["clicks-120.wav"]  # only the new file
    monkeypatch.setattr(describing, "stored", lambda ds: again.iloc[:0])  # as if none were
    fresh = describing.describe_library(ds, n_jobs=1, progress=lambda *a: None)
    assert fresh.sort_index().equals(again.sort_index())


def test_the_cli_describes_and_narrows_similar_songs_by_tempo_and_key(music_folder, tmp_path):
    from test_cli import run as songsim

    def run(*args):
        return songsim(*args, cache=tmp_path / "cache")

    assert run("ingest", "--audio", str(music_folder), "--name", "lib").returncode == 0
    r = run("similar", "lib", "clicks-100.wav", "--kind", "mfcc", "--tempo-within", "5")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "tempo is unknown" in r.stderr
    r = run("describe", "lib", "--json")
    assert r.returncode == 0, r.stderr
    rows = {row["track_id"]: row for row in json.loads(r.stdout)}
    assert rows["c-major.wav"]["camelot"] == "8B" and rows["clicks-140.wav"]["tempo"] > 130
    r = run("describe", "lib", "--csv")
    assert r.stdout.splitlines()[0].startswith("track_id,title,artist,tempo")
    assert ",'-" not in r.stdout  # numbers stay numbers in a spreadsheet
    r = run("similar", "lib", "clicks-100.wav", "--kind", "mfcc", "--tempo-within", "5", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []  # no other tempo within 5 % of 100, 50 or 200
    r = run("similar", "lib", "clicks-100.wav", "--kind", "mfcc", "--json")
    assert {"tempo", "key", "camelot", "loudness"} <= set(json.loads(r.stdout)[0])


@pytest.mark.usefixtures("apptest_like_a_server")
def test_the_data_page_shows_and_measures_tempo_key_and_loudness(
    music_folder, fresh_cache, monkeypatch
):
    from streamlit.testing.v1 import AppTest

    from songsim.catalog import ingest

    monkeypatch.setenv("SONGSIM_INGEST_ROOTS", str(music_folder.parent))
    ingest("page", audio=music_folder, progress=lambda *a: None)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.sidebar.selectbox[0].set_value("page").run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("pages/data.py").run()
    assert any("5 of 5 tracks not measured" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Measure tempo, key and loudness").click().run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "BPM" in d.value.columns)
    assert table.set_index("track_id").loc["c-major.wav", "Camelot"] == "8B"
    at.switch_page("pages/map.py").run()
    colour = next(r for r in at.radio if r.label == "Colour by")
    assert {"tempo", "key", "loudness"} <= set(colour.options)
    colour.set_value("key").run()
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = at.get("vega_lite_chart")
    assert "8B" in str([d.data for d in chart.proto.datasets])  # the C major track's code
    at.switch_page("pages/clusters.py").run()
    assert not at.exception, [e.value for e in at.exception]
    groups = next(d.value for d in at.dataframe if "tempo" in d.value.columns)
    assert groups["songs"].sum() == 5 and groups["loudness"].str.endswith("LUFS").all()
    at.switch_page("pages/similar.py").run()
    assert not at.exception, [e.value for e in at.exception]
    next(s for s in at.slider if s.label == "Tempo within (%)").set_value(5).run()
    next(t for t in at.toggle if t.label == "DJ order").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    near = at.dataframe[0].value
    assert {"BPM", "Camelot"} <= set(near.columns)
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if {"measure", "AMI"} <= set(d.value.columns))
    assert set(table["measure"]) == {"tempo", "key", "loudness"}
    at.switch_page("pages/data.py").run()
    monkeypatch.setenv("SONGSIM_READ_ONLY", "1")  # a visitor: what is stored, and who measures
    at.run()
    assert not at.exception and not any(b.label.startswith("Measure") for b in at.button)


def test_a_playlist_export_carries_tempo_and_key_and_still_reads_back(tmp_path):
    import pandas as pd

    from songsim.io.export import playlist_csv
    from songsim.io.playlists import read_playlists

    table = pd.DataFrame(
        {
            "track_id": ["a.ogg", "b.ogg"],
            "title": ["A", "B"],
            "artist": ["X", "Y"],
            "BPM": [120.5, 98.0],
            "Camelot": ["8A", "12B"],
        }
    )
    text = playlist_csv(table, name="set")
    assert text.splitlines()[0].endswith("BPM,Camelot") and "120.5,8A" in text
    path = tmp_path / "set.csv"
    path.write_text(text)
    back = read_playlists(path)
    assert back["track_id"].tolist() == ["a.ogg", "b.ogg"]
