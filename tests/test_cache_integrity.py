"""Corrupted, truncated and foreign cache entries are detected, reported (a logged warning or an
error on the page) and rebuilt or passed over — and the dashboard keeps working."""

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from songsim import catalog
from songsim.data.store import load_dataset, save_dataset
from songsim.embeddings import embed
from songsim.embeddings.modeling import find_checkpoint
from songsim.errors import DatasetError
from songsim.models import ConvAutoencoder
from songsim.models.checkpoints import checkpoint_entry, save_checkpoint
from songsim.storage import current_version

APP = str(Path(__file__).resolve().parents[1] / "app.py")
pytestmark = pytest.mark.usefixtures("apptest_like_a_server")


def damage(path: Path, how: str) -> None:
    """Flip bytes in the middle of a file, cut it short, or replace the manifest with a foreign one."""
    if how == "corrupt":
        with open(path, "r+b") as f:
            f.seek(path.stat().st_size // 2)
            f.write(b"\xff\x00\xff")
    elif how == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    else:  # foreign: another program's manifest.json
        (path.parent / "manifest.json").write_text(
            json.dumps({"format": "not songsim", "schema_version": 99})
        )


@pytest.mark.parametrize("how", ["corrupt", "truncate"])
@pytest.mark.parametrize("what", ["v", "tracks-"])
def test_damaged_embedding_is_reported_and_recomputed(fresh_cache, caplog, how, what, tiny_dataset):
    ds = tiny_dataset("emb")
    save_dataset(ds)
    first = embed(ds, "mfcc")
    [store] = (fresh_cache / "embeddings" / "emb").iterdir()
    if what == "v":  # a shard of clip vectors: the track vectors are made from it again
        [path] = store.glob("v*.npy")
        for cached in store.glob("tracks-*"):
            cached.unlink()
    else:  # the stored track vectors of this version
        [path] = store.glob("tracks-*.npy")
    damage(path, how)
    with caplog.at_level(logging.WARNING, logger="songsim"):
        again = embed(ds, "mfcc")
    assert "recomputing" in caplog.text and "damaged" in caplog.text or "checksum" in caplog.text
    assert np.allclose(again.track, first.track, atol=1e-6)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="songsim"):
        embed(ds, "mfcc")
    assert caplog.text == ""


@pytest.mark.parametrize("how", ["corrupt", "truncate", "foreign"])
def test_damaged_checkpoint_is_reported_and_passed_over(fresh_cache, caplog, how, tiny_dataset):
    ds = tiny_dataset("ck")
    entry = checkpoint_entry("ck", "cae", 16)
    folder = save_checkpoint(
        entry, ConvAutoencoder(latent=16), {"dataset": {"fingerprint": ds.audio_fingerprint}}
    )
    assert find_checkpoint(ds, "cae", 16) == entry
    damage(folder / "weights.safetensors", how)
    with caplog.at_level(logging.WARNING, logger="songsim"):
        assert find_checkpoint(ds, "cae", 16) is None  # never loaded: training would make a new one
    assert "ignoring checkpoint" in caplog.text


def test_damaged_demo_is_rebuilt(fresh_cache, caplog, monkeypatch, tiny_dataset):
    monkeypatch.setattr(
        "songsim.data.demo.build_demo", lambda progress=None: tiny_dataset(catalog.DEMO_NAME)
    )
    demo = catalog.ensure_demo()
    [shard] = (fresh_cache / "datasets" / "demo" / "shards").glob("*.npy")
    damage(shard, "truncate")
    with pytest.raises(DatasetError):
        load_dataset("demo").clips[0]
    with caplog.at_level(logging.WARNING, logger="songsim"):
        again = catalog.ensure_demo()
    assert "rebuilding the demo dataset" in caplog.text
    assert (
        again.fingerprint == demo.fingerprint
        and load_dataset("demo").fingerprint == demo.fingerprint
    )


def test_app_keeps_working_with_a_damaged_dataset(fresh_cache, monkeypatch, tiny_dataset):
    monkeypatch.setattr(
        "songsim.data.demo.build_demo", lambda progress=None: tiny_dataset(catalog.DEMO_NAME)
    )
    catalog.ensure_demo()
    save_dataset(tiny_dataset("mine", seed=2))
    damage(current_version(fresh_cache / "datasets" / "mine") / "tracks.parquet", "corrupt")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.selectbox[0].set_value("mine").run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "cannot be loaded" in errors[0] and "checksum" in errors[0]
    assert {m.label: m.value for m in at.metric}["Tracks"] == "8"  # the demo is shown instead


def test_a_damaged_current_pointer_reads_the_last_complete_version(fresh_cache, tiny_dataset):
    """A CURRENT file holding other bytes (a non-UTF-8 byte, a path) is not a traceback for every
    dataset: it is read as naming the newest complete version, by the CLI and the dashboard."""
    import subprocess
    import sys

    save_dataset(tiny_dataset("mine", seed=2))
    save_dataset(tiny_dataset("other", seed=3))
    entry = fresh_cache / "datasets" / "mine"
    good = current_version(entry)
    for damaged in (b"\xff" + good.name.encode(), b"../other/" + good.name.encode()):
        (entry / "CURRENT").write_bytes(damaged)
        assert current_version(entry) == good
        for args in (["list"], ["info", "mine"], ["info", "other"]):
            r = subprocess.run(
                [sys.executable, "-m", "songsim", *args],
                capture_output=True,
                text=True,
                env={**__import__("os").environ, "SONGSIM_CACHE": str(fresh_cache)},
                cwd=Path(APP).parent,
            )
            assert r.returncode == 0 and "Traceback" not in r.stderr, (args, r.stderr)
        assert load_dataset("mine").n_tracks == 8


def test_an_altered_manifest_is_one_line_not_wrong_counts(fresh_cache, tiny_dataset):
    """A digit changed in a dataset's manifest.json (its counts) is found: `info` says so in one
    line and exits 2 instead of reporting 9 tracks for 8."""
    import subprocess
    import sys

    save_dataset(tiny_dataset("mine", seed=2))
    manifest = current_version(fresh_cache / "datasets" / "mine") / "manifest.json"
    text = manifest.read_text()
    assert '"tracks": 8' in text
    manifest.write_text(text.replace('"tracks": 8', '"tracks": 9'))
    r = subprocess.run(
        [sys.executable, "-m", "songsim", "info", "mine"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "SONGSIM_CACHE": str(fresh_cache)},
        cwd=Path(APP).parent,
    )
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "manifest.json: altered (checksum mismatch)" in r.stderr and "9 tracks" not in r.stdout
    with pytest.raises(DatasetError, match="altered"):
        load_dataset("mine")


def test_a_damaged_or_swapped_vector_index_is_built_again(
    fresh_cache, tiny_dataset, monkeypatch, caplog
):
    """The HNSW graph beside the vectors is checked against its SHA-256 when opened: a truncated
    file, or another graph over the same keys (which would answer wrong songs), is built again
    with a warning — or, where nothing may be built, passed over for exact search."""
    import songsim.analysis.index as index_module
    from songsim.analysis.index import VectorIndex, build_graph, content_keys
    from songsim.analysis.similar import nearest
    from songsim.embeddings.search import index_folder, song_index

    monkeypatch.setattr(index_module, "EXACT_BELOW", 4)  # a graph for 8 tracks
    save_dataset(tiny_dataset("mine", seed=2))
    ds = load_dataset("mine")
    emb = embed(ds, "mfcc")
    keys = content_keys(ds.tracks["clips_hash"])
    exact = VectorIndex(emb.track, keys, exact=True)
    want = [nearest(emb.track, r, n=3, index=exact)[0].tolist() for r in range(8)]

    def answers(index):
        return [nearest(emb.track, r, n=3, index=index)[0].tolist() for r in range(8)]

    assert not song_index(ds, emb).exact
    (path,) = index_folder(ds).glob("*.usearch")
    rng = np.random.default_rng(0)
    for how in ("truncate", "swap"):
        if how == "truncate":
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
        else:
            build_graph(rng.standard_normal(emb.track.shape).astype(np.float32), keys).save(
                str(path)
            )
        assert song_index(ds, emb, build=False).exact  # nothing built: exact search
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="songsim"):
            index = song_index(ds, emb)
        assert "vector index was damaged" in caplog.text, how
        assert not index.exact and answers(index) == want, how
        assert answers(song_index(ds, emb)) == want  # the rebuilt graph opens as it is
