"""A dashboard served to other people: visitors cannot replace each other's data or the demo,
files stay inside the ingest roots (links too, for every later reader), uploads and options are
bounded, and messages carry no server folder."""

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
pytestmark = pytest.mark.usefixtures("apptest_like_a_server", "demo_ds")


def wav(path: Path, seed: int, seconds: float = 8.0) -> Path:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * 22050)) / 22050
    y = 0.3 * np.sin(2 * np.pi * (200 + 40 * seed) * t) + 0.05 * rng.standard_normal(len(t))
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y.astype(np.float32), 22050)
    return path


def data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def labelled(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def ingest_on_the_page(at, folder, name: str, *, replace: bool = False):
    labelled(at.text_input, "Folder").set_value(str(folder))
    labelled(at.text_input, "Dataset name").set_value(name)
    labelled(at.checkbox, "Replace it").set_value(replace)
    labelled(at.button, "Ingest or update").click().run()
    return at


def test_a_visitor_cannot_replace_the_demo_or_another_dataset(tmp_path, monkeypatch):
    from songsim.data.store import load_dataset

    monkeypatch.setenv("SONGSIM_INGEST_ROOTS", str(tmp_path))
    demo = load_dataset("demo").fingerprint
    for i in range(2):
        wav(tmp_path / "mine" / f"a{i}.wav", i)
        wav(tmp_path / "theirs" / f"b{i}.wav", 10 + i)
    at = ingest_on_the_page(data_page(), tmp_path / "mine", "demo")
    assert any("built-in demo" in e.value.replace("\\", "") for e in at.error)
    assert load_dataset("demo").fingerprint == demo  # untouched
    at = ingest_on_the_page(data_page(), tmp_path / "theirs", "shared-lib")
    assert not at.error, [e.value for e in at.error]
    theirs = load_dataset("shared-lib").fingerprint
    at = ingest_on_the_page(data_page(), tmp_path / "mine", "shared-lib")  # another folder
    assert any("Replace it" in e.value.replace("\\", "") for e in at.error)
    assert load_dataset("shared-lib").fingerprint == theirs
    at = ingest_on_the_page(data_page(), tmp_path / "mine", "shared-lib", replace=True)
    assert not at.error and load_dataset("shared-lib").fingerprint != theirs


def test_the_cli_keeps_the_demo_name_for_the_demo(tmp_path, capsys):
    from songsim.cli import main

    wav(tmp_path / "lib" / "a.wav", 1)
    assert main(["ingest", "--audio", str(tmp_path / "lib"), "--name", "demo"]) == 2
    assert "built-in demo" in capsys.readouterr().err


def test_read_only_and_the_shared_demo_allow_no_writes(monkeypatch):
    monkeypatch.setenv("SONGSIM_READ_ONLY", "1")
    at = data_page()
    assert not any(t.label == "Folder" for t in at.text_input)
    assert any("read-only" in i.value for i in at.info)
    monkeypatch.delenv("SONGSIM_READ_ONLY")
    at.switch_page("pages/model.py").run()  # the demo: its models are the shipped ones
    fine_tune = labelled(at.button, "Fine-tune on this library")
    assert fine_tune.disabled and any("demo is shared" in c.value for c in at.caption)


def test_links_out_of_the_roots_are_skipped_and_followed_by_nobody(tmp_path, monkeypatch):
    root, outside = tmp_path / "srv", tmp_path / "elsewhere"
    wav(root / "music" / "mine.wav", 1)
    wav(outside / "secret.wav", 2)
    (outside / "private.m3u").write_text("secret.wav\n")
    os.symlink(outside / "secret.wav", root / "music" / "leaked.wav")
    os.symlink(outside / "private.m3u", root / "music" / "mylist.m3u")
    os.symlink("/etc/passwd", root / "music" / "passwd.m3u")
    monkeypatch.setenv("SONGSIM_INGEST_ROOTS", str(root))
    at = ingest_on_the_page(data_page(), root / "music", "confined")
    assert not at.error, [e.value for e in at.error]
    from songsim.data.store import load_dataset

    ds = load_dataset("confined")
    assert ds.tracks["track_id"].tolist() == ["mine.wav"]
    skipped = {s["file"]: s["reason"] for s in ds.info["skipped_files"]}
    assert "outside the folders" in skipped["leaked.wav"]
    assert not ds.info["playlist_sources"]  # neither linked playlist was read
    # the CLI follows links (its user's own choice), and so does every later reader
    from songsim.catalog import ingest

    cli = ingest("followed", audio=root / "music")
    assert sorted(cli.tracks["track_id"]) == ["leaked.wav", "mine.wav"]
    row = cli.track_row("leaked.wav")
    assert cli.source_file(row) is not None  # the player and musicnn read what ingest read
    from songsim.embeddings.musicnn import audio_refs

    assert audio_refs(cli, [row])[0][0].endswith("leaked.wav")


def test_every_cli_number_is_checked_where_it_is_parsed(tmp_path, capsys):
    from songsim.cli import main
    from songsim.config import cache_dir

    for argv in (
        ["train", "demo", "--model", "cae", "--latent", "0", "--epochs", "1"],
        ["train", "demo", "--model", "cae", "--latent", "-4"],
        ["train", "demo", "--model", "cae", "--latent", "1000000000"],
        ["train", "demo", "--model", "cae", "--epochs", "0"],
        ["train", "demo", "--model", "vae", "--beta", "nan"],
        ["train", "demo", "--random-state", "-1"],
        ["tags", "demo", "--by", "cluster", "--random-state", "-1"],
        ["info", "demo", "--min-playlists", "-5"],
        ["ingest", "--audio", str(tmp_path), "--name", "x", "--clips", "1000000"],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert err and "error" in err[-1], argv
    models = cache_dir() / "models" / "demo"
    assert not models.exists() or not any(p.name.startswith("cae-") for p in models.iterdir())


def test_names_and_paths_with_control_characters_are_refused(tmp_path, monkeypatch):
    from songsim.errors import DatasetError
    from songsim.storage import check_name

    with pytest.raises(DatasetError):
        check_name("demo\n")
    monkeypatch.setenv("SONGSIM_INGEST_ROOTS", str(tmp_path))
    at = ingest_on_the_page(data_page(), str(tmp_path) + "\x00x", "nul")
    assert not at.exception and any("control character" in e.value for e in at.error)


def test_messages_to_viewers_name_no_server_folder(tmp_path, monkeypatch):
    from songsim.config import cache_dir
    from songsim.ui.media import viewer_text

    monkeypatch.setenv("SONGSIM_INGEST_ROOTS", str(tmp_path / "srv"))
    said = viewer_text(
        f"{cache_dir()}/datasets/x/v1/manifest.json: unreadable; "
        f"{tmp_path}/srv/music/a.flac: cannot decode; /home/someone/private/b.ogg: gone"
    )
    assert str(cache_dir()) not in said and str(tmp_path) not in said
    assert "cache/datasets/x/v1/manifest.json" in said and "srv/music/a.flac" in said
    assert "…/private/b.ogg" in said


def test_an_upload_costs_about_its_size(monkeypatch):
    """A zip of valid slices padded with a big unknown field: refused by the JSON budget of all
    its members together, while streaming (never a member's objects at once); an upload is held
    to its entry budget."""
    import tracemalloc

    from songsim.errors import PlaylistFormatError
    from songsim.io.playlists import read_playlists
    from songsim.limits import for_an_upload

    monkeypatch.setenv("SONGSIM_LIMIT_JSON_BYTES", "3000000")
    numbers = np.random.default_rng(0).integers(0, 10**6, 150_000)
    # 1.3 MB of tiny lists (150,000 objects to json.loads), random enough to pack only ~2.5×
    junk = b",".join(b"[%d]" % x for x in numbers)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for m in range(4):
            z.writestr(f"m{m}.json", b'{"playlists": [{"pid": %d, "tracks": [{"track_uri": '
                       b'"spotify:track:A"}], "junk": [' % m + junk + b"]}]}")  # fmt: skip
    tracemalloc.start()
    try:
        with pytest.raises(PlaylistFormatError, match="JSON text over the 3000000-byte limit"):
            with for_an_upload():
                read_playlists("slices.zip", buf.getvalue())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 2**20  # one member's lists as Python objects would be ~25 MB
    lines = b"".join(b"t%d.mp3\n" % i for i in range(250_000))
    with pytest.raises(PlaylistFormatError, match="200000 playlist entries"):
        with for_an_upload():
            read_playlists("many.m3u8", lines)
    assert len(read_playlists("many.m3u8", lines)) == 250_000  # the CLI's own files: 5,000,000
