"""Software you can leave running: every class of hostile input ends in one line and exit 2 (or a
listed skip), memory follows the real work, writers of one dataset never lose it."""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from bench.hostile_files import (
    deep_entry_m3u8,
    gzip_bomb,
    odd_audio_folder,
    ogg_claiming_rate,
    sparse_wav,
    spectrogram_folder,
)
from songsim.cli import main
from songsim.errors import AudioFormatError, DatasetError, PlaylistFormatError
from songsim.io.playlists import read_playlists


def cli(capsys, *args) -> tuple[int, str, str]:
    """Run the CLI in this process: ``(exit code, stdout, stderr)``."""
    try:
        rc = main(list(map(str, args)))
    except SystemExit as exc:  # argparse's own errors
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def one_line_error(err: str, *names: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("songsim: error:"), err
    for name in names:
        assert name in lines[0], err


# -- playlists: bombs, integers, long lines ----------------------------------------------------


def test_gzip_bomb_is_refused_by_its_ratio_before_it_is_inflated(tmp_path):
    bomb = gzip_bomb(tmp_path / "bomb.json.gz")
    assert bomb.stat().st_size < 300_000
    with pytest.raises(PlaylistFormatError, match=r"bomb\.json\.gz: decompresses to more than"):
        read_playlists(bomb)


def test_zip_members_are_bounded_by_what_they_inflate_to_not_what_they_declare(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.json", b" " * (30 * 1024 * 1024))
    with pytest.raises(PlaylistFormatError, match="bomb.zip: decompresses to more than"):
        read_playlists("bomb.zip", buf.getvalue())  # ~30 kB packed: refused by the ratio


def test_json_text_over_the_limit_is_refused_before_parsing(monkeypatch):
    monkeypatch.setenv("SONGSIM_LIMIT_JSON_BYTES", "1000")
    doc = {"playlists": [{"pid": 1, "tracks": [{"track_uri": f"t{i}"} for i in range(200)]}]}
    with pytest.raises(PlaylistFormatError, match="over the 1000-byte limit"):
        read_playlists("big.json", json.dumps(doc).encode())


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("pid.json", b'{"playlists":[{"pid":' + b"9" * 5000 + b',"tracks":[]}]}', "too large"),
        (
            "pos.json",
            b'{"playlists":[{"pid":1,"tracks":[{"track_uri":"a","pos":100000000000000000000}]}]}',
            "a whole number too large",
        ),
        (
            "pos.csv",
            b"playlist_id,track_id,position\np,a,9223372036854775808\n",
            "position 9223372036854775808 is out of range",
        ),
        ("wrap.csv", b"playlist_id,track_id,position\np,a,2147483648\n", "out of range"),
        ("neg.csv", b"playlist_id,track_id,position\np,a,-1\n", "out of range"),
        ("long.m3u8", b"#EXTM3U\n" + b"a/" * 50_000 + b"x.wav\n", "longer than"),
    ],
)
def test_parser_errors_are_one_line_naming_the_file(name, data, message):
    with pytest.raises(PlaylistFormatError) as info:
        read_playlists(name, data)
    msg = str(info.value)
    assert msg.startswith(name) and "\n" not in msg and message in msg


def test_positions_up_to_int32_are_kept_exactly():
    df = read_playlists("ok.csv", b"playlist_id,track_id,position\np,a,2147483647\np,b,0\n")
    assert df["position"].tolist() == [2147483647, 0]


def test_mpd_fields_outside_the_schema_are_dropped_while_parsing():
    doc = {
        "info": {"x": 1},
        "playlists": [
            {
                "pid": 7,
                "name": "Road",
                "tracks": [
                    {
                        "track_uri": "spotify:track:A",
                        "pos": 0,
                        "album_name": "x" * 100,
                        "duration_ms": 1,
                    },
                    {
                        "track_uri": "spotify:track:B",
                        "pos": 1,
                        "track_name": "T",
                        "artist_name": "Ar",
                    },
                ],
            }
        ],
    }
    df = read_playlists("s.json", json.dumps(doc).encode())
    assert df["track_id"].tolist() == ["A", "B"] and df["title"].tolist() == ["", "T"]
    assert df["playlist_name"].tolist() == ["Road", "Road"]


def test_reading_a_device_or_a_fifo_is_refused_without_reading_or_hanging(tmp_path):
    with pytest.raises(PlaylistFormatError, match="not a regular file"):
        read_playlists(Path("/dev/zero"))
    fifo = tmp_path / "lists.m3u8"
    os.mkfifo(fifo)
    with pytest.raises(PlaylistFormatError, match="not a regular file"):
        read_playlists(fifo)  # a FIFO with no writer would block a plain open()


# -- matching is linear: the same answers as the all-tails rule --------------------------------


def _reference_match(entry: str, ids: list[str]) -> str | None:
    """The matching rule written out: every trailing part of the entry, longest first."""
    if entry in ids:
        return entry
    if "://" in entry:
        return None
    parts = entry.split("/")
    tails = ["/".join(parts[k:]) for k in range(len(parts))]
    for key in (str, str.lower):
        table = {}
        for t in ids:
            table[key(t)] = None if key(t) in table else t
        found = next((table[key(t)] for t in tails if table.get(key(t))), None)
        if found:
            return found
    name = parts[-1]
    for key in (lambda t: t.rsplit("/", 1)[-1], lambda t: t.rsplit("/", 1)[-1].rsplit(".", 1)[0]):
        table = {}
        for t in ids:
            table[key(t)] = None if key(t) in table else t
        for cand in (name, name.rsplit(".", 1)[0]):
            if table.get(cand):
                return table[cand]
    return None


def test_matching_equals_the_all_tails_rule():
    from songsim.data.matching import match_tracks

    rng = np.random.default_rng(3)
    ids = ["Rock/a.mp3", "Pop/b.mp3", "c.flac", "Live/2019/Rock/a.mp3", "Jazz/Cool/d.ogg", "e.wav"]
    words = [
        "Rock",
        "rock",
        "Pop",
        "a.mp3",
        "b.MP3",
        "Live",
        "2019",
        "c",
        "d.ogg",
        "Cool",
        "x",
        "e",
    ]
    entries = ["/".join(rng.choice(words, size=rng.integers(1, 9))) for _ in range(3000)]
    entries += ["a/" * 20_000 + "e.wav", "http://h/a.mp3"]
    table = pd.DataFrame({"playlist_id": "p", "track_id": entries, "position": range(len(entries))})
    table = table.assign(title="", artist="", playlist_name="")
    matched, unmatched = match_tracks(table, pd.DataFrame({"track_id": ids}))
    expected = [_reference_match(e, ids) for e in entries]
    assert matched["track_id"].tolist() == [m for m in expected if m is not None]
    assert unmatched == sum(m is None for m in expected)


# -- audio: headers that lie -------------------------------------------------------------------


def test_audio_headers_claiming_absurd_rates_are_refused_before_decoding(tmp_path):
    from songsim.io.audio import read_audio_clips, read_excerpt

    ogg = ogg_claiming_rate(tmp_path / "bomb.ogg")
    wav = sparse_wav(tmp_path / "sparse.wav", rate=40_000_000, seconds=10)
    assert ogg.stat().st_size < 20_000 and wav.stat().st_blocks * 512 < 100_000
    for path in (ogg, wav):
        with pytest.raises(AudioFormatError, match="sample rate .* Hz is outside"):
            read_audio_clips(path)
        with pytest.raises(AudioFormatError, match="sample rate"):
            read_excerpt(path, 0.0, 5.0)


def test_many_channels_are_mixed_down_a_block_at_a_time_as_a_whole_read_would(
    tmp_path, monkeypatch
):
    import songsim.io.audio as audio

    rng = np.random.default_rng(0)
    y = rng.standard_normal((44100 * 14, 6)).astype(np.float32) * 0.1
    path = tmp_path / "six.wav"
    sf.write(path, y, 44100, subtype="FLOAT")
    whole, starts, _ = audio.read_audio_clips(path)
    monkeypatch.setattr(audio, "BLOCK_SAMPLES", 6 * 1000)  # blocks of 1,000 frames
    blocked, starts_b, _ = audio.read_audio_clips(path)
    assert starts == starts_b and np.array_equal(whole, blocked)


def test_folders_fifos_links_and_odd_names_are_listed_as_skipped(tmp_path, fresh_cache):
    from songsim.catalog import ingest

    folder = odd_audio_folder(tmp_path / "lib")
    ds = ingest("odd", audio=folder)
    assert ds.tracks["track_id"].tolist() == ["real.wav"]
    reasons = {s["file"]: s["reason"] for s in ds.info["skipped_files"]}
    assert set(reasons) == {"broken.wav", "caf\\xe9.wav", "folder.wav", "loop.wav", "pipe.wav"}
    assert "not UTF-8" in reasons["caf\\xe9.wav"] and "folder" in reasons["folder.wav"]


def test_a_folder_tree_deeper_than_the_limit_is_cut_and_listed(tmp_path, monkeypatch):
    from songsim.io.scan import scan_folder

    monkeypatch.setenv("SONGSIM_LIMIT_PATH_DEPTH", "5")
    deep = tmp_path.joinpath(*["d"] * 8)
    deep.mkdir(parents=True)
    (deep / "x.png").write_bytes(b"")
    (tmp_path / "d" / "y.png").write_bytes(b"")
    scan = scan_folder(tmp_path, (".png",))
    assert [p.name for p in scan.files] == ["y.png"]
    assert scan.skipped[0]["reason"] == "more than 5 folders deep"


def test_the_audio_player_gets_a_bounded_excerpt_of_a_two_hour_file(tmp_path):
    from songsim.data.datasets import Dataset
    from songsim.ui.media import track_audio

    sparse_wav(tmp_path / "mix.wav", rate=44100, seconds=2 * 3600)  # 635 MB as a file
    ds = Dataset.assemble(
        "mix",
        pd.DataFrame(
            [{"track_id": "mix.wav", "title": "t", "artist": "", "label": None, "duration": 7200.0}]
        ),
        [np.zeros((1, 96, 216), np.float32)],
        [[600.0]],
        None,
        params=__import__("songsim.config", fromlist=["AudioParams"]).AudioParams(),
        info={"kind": "audio", "sources": [str(tmp_path)]},
    )
    data, mime = track_audio(ds, 0)
    assert mime == "audio/ogg" and 1000 < len(data) < 1_000_000
    decoded, sr = sf.read(io.BytesIO(data))
    assert abs(len(decoded) / sr - 20.0) < 0.1


# -- writers, resume state, caches -------------------------------------------------------------


def test_concurrent_ingests_to_one_name_leave_a_complete_dataset(tmp_path, fresh_cache):
    import subprocess
    import sys

    from songsim.data.store import datasets_root, load_dataset

    folders = [spectrogram_folder(tmp_path / f"pngs{i}", 30 + 10 * i, seed=i) for i in range(4)]
    env = {**os.environ, "SONGSIM_CACHE": str(fresh_cache)}
    writers = [  # real processes, started together, each writing its own folder to one name
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "songsim",
                "ingest",
                "--spectrograms",
                str(f),
                "--name",
                "shared",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in folders
    ]
    results = [(w.wait(timeout=600), w.stderr.read()) for w in writers]
    assert all(rc == 0 for rc, _ in results), results  # every writer finished
    ds = load_dataset("shared")  # readable, checksums intact
    assert ds.n_tracks in (30, 40, 50, 60) and len(ds.clips) == ds.n_tracks
    entry = datasets_root() / "shared"
    versions = [p for p in entry.iterdir() if p.name.startswith("v")]
    assert len(versions) <= 2  # the current one and the one it replaced; nothing half-written
    assert ds.clips[:].shape == (ds.n_clips, 96, 216)  # every clip it points at is there
    used = set(ds.tracks["shard"])
    previous = [v for v in versions if v.name != entry.joinpath("CURRENT").read_text().strip()]
    if previous:
        used |= set(json.loads((previous[0] / "manifest.json").read_text())["shards"])
    assert {p.stem for p in (entry / "shards").glob("*.npy")} == used  # no orphaned shard


def test_a_resume_file_of_other_data_or_a_corrupt_one_is_ignored(tmp_path, caplog):
    import torch

    from songsim.models.train import TrainParams, train

    rng = np.random.default_rng(0)
    clips = rng.random((24, 96, 216), dtype=np.float32)
    clip_track = np.repeat(np.arange(8), 3)
    params = TrainParams.for_model("cae", latent=8, epochs=2, batch_size=8)
    resume = tmp_path / "resume.pt"

    def stop_after_one(done, total, message):
        if message.startswith("epoch 2"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(
            clips,
            clip_track,
            params,
            resume_path=resume,
            resume_key="data-A",
            progress=stop_after_one,
        )
    assert resume.is_file()
    with caplog.at_level(logging.WARNING, logger="songsim"):
        _, h = train(clips, clip_track, params, resume_path=resume, resume_key="data-B")
    assert h["resumed_from"] is None and "other data" in caplog.text
    resume.write_bytes(b"PK\x03\x04 not a torch file")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="songsim"):
        _, h = train(clips, clip_track, params, resume_path=resume, resume_key="data-B")
    assert h["resumed_from"] is None and "unreadable resume file" in caplog.text
    assert isinstance(torch.load(resume, weights_only=True), dict)  # rewritten by the new run


def test_titles_and_labels_are_part_of_what_views_are_keyed_on(tiny_dataset):
    from songsim.ui.media import track_labels

    a, b = tiny_dataset("a"), tiny_dataset("b")
    b.tracks = b.tracks.assign(title=[f"Renamed {i}" for i in range(b.n_tracks)])
    assert a.audio_fingerprint == b.audio_fingerprint and a.fingerprint != b.fingerprint
    assert track_labels(b)[0].startswith("Renamed 0") and not track_labels(a)[0].startswith(
        "Renamed"
    )
    c = tiny_dataset("c")
    c.tracks = c.tracks.assign(label="other")
    assert c.fingerprint != a.fingerprint


# -- disks, numbers and the CLI's one line -----------------------------------------------------


def test_a_cache_that_cannot_be_written_is_found_before_any_work(tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SONGSIM_CACHE", str(blocker / "cache"))
    rc, _, err = cli(capsys, "ingest", "--spectrograms", tmp_path, "--name", "x")
    assert rc == 2
    one_line_error(err, "cache")


def test_a_full_disk_is_found_before_any_work(tmp_path, fresh_cache, monkeypatch):
    import shutil

    import songsim.storage as storage
    from songsim.catalog import ingest

    monkeypatch.setattr(
        storage.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(1, 1, 1024)
    )
    with pytest.raises(DatasetError, match="MiB free"):
        ingest("x", spectrograms=spectrogram_folder(tmp_path / "p", 2))


def test_non_finite_or_overflowing_weights_are_errors_and_json_has_no_nan(tmp_path, capsys):
    for weight in ("1e309", "nan", "inf"):
        edges = tmp_path / f"e-{weight}.txt"
        edges.write_text(f"a b {weight}\nb c 1\n")
        rc, _, err = cli(capsys, "communities", "--edgelist", edges)
        assert rc == 2
        one_line_error(err, edges.name, "finite")
    huge = tmp_path / "huge.txt"
    huge.write_text("a b 1e308\nb c 1e308\nc a 1\n")
    for method in ("leading-eigenvector", "leiden"):
        rc, _, err = cli(capsys, "communities", "--edgelist", huge, "--method", method, "--json")
        assert rc == 2
        one_line_error(err, "too large")
    from songsim.cli.output import finite

    assert json.dumps(finite({"m": float("nan"), "x": [np.float32(1.5), float("inf")]})) == (
        '{"m": null, "x": [1.5, null]}'
    )


def test_smaller_cli_cases(tmp_path, capsys, fresh_cache):
    rc, _, err = cli(
        capsys, "ingest", "--spectrograms", tmp_path, "--playlists", "/dev/zero", "--name", "z"
    )
    assert rc == 2
    one_line_error(err, "/dev/zero", "not a regular file")
    rc, _, err = cli(capsys, "similar", "demo", "demo/techno/0001", "--n", "-3")
    assert rc == 2 and "-3 is outside 1 to" in err
    lists = deep_entry_m3u8(tmp_path / "deep.m3u8")
    rc, _, err = cli(
        capsys, "ingest", "--spectrograms", tmp_path, "--playlists", lists, "--name", "z"
    )
    assert rc == 2
    one_line_error(err, "deep.m3u8", "longer than")


def test_a_relative_audio_folder_is_stored_as_an_absolute_one(tmp_path, fresh_cache, monkeypatch):
    from songsim.catalog import ingest

    lib = tmp_path / "lib"
    lib.mkdir()
    sf.write(lib / "a.wav", np.random.default_rng(0).standard_normal(22050 * 3) * 0.1, 22050)
    monkeypatch.chdir(tmp_path)
    ds = ingest("rel", audio=Path("lib"))  # decoded by worker processes with another cwd
    assert ds.info["sources"] == [str(lib.resolve())]


def test_every_reader_failure_gets_the_one_boundary(monkeypatch):
    import songsim.io.playlists as pl

    def broken(*args, **kwargs):
        raise OverflowError("Python int too large to convert to C long")

    monkeypatch.setattr(pl, "read_csv_playlists", broken)
    with pytest.raises(PlaylistFormatError, match=r"^x\.csv: cannot read playlists \(Python int"):
        read_playlists("x.csv", b"playlist_id,track_id\np,a\n")


def test_gzip_members_and_padding_are_read_and_truncation_is_an_error():
    body = b'{"playlists":[{"pid":1,"tracks":[{"track_uri":"a"}]}]}'
    two = gzip.compress(body[:20]) + gzip.compress(body[20:]) + b"\x00" * 10
    assert read_playlists("two.json.gz", two)["track_id"].tolist() == ["a"]
    with pytest.raises(PlaylistFormatError, match="truncated"):
        read_playlists("cut.json.gz", gzip.compress(body)[:-12])
