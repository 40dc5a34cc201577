import numpy as np
import pytest

from songsim.data.demo import STYLES, build_demo, render_track
from songsim.data.store import list_datasets, load_dataset, save_dataset
from songsim.errors import DatasetError
from songsim.steps import dataset_graph


def test_demo_corpus_shape(demo_ds):
    s = demo_ds.summary()
    assert s["tracks"] >= 300 and s["labels"] >= 8 and s["playlists"] >= 1000
    assert demo_ds.clips.shape[1:] == (96, 216)
    assert demo_ds.playlists.groupby("track_id")["playlist_id"].nunique().min() >= 10
    g = dataset_graph(demo_ds)
    assert g.n_nodes == s["tracks"]


def test_demo_playlists_mostly_but_not_only_one_style(demo_ds):
    labels = dict(zip(demo_ds.tracks.track_id, demo_ds.tracks.label))
    share = (
        demo_ds.playlists.assign(style=demo_ds.playlists.track_id.map(labels))
        .groupby("playlist_id")["style"]
        .agg(lambda s: s.value_counts(normalize=True).iloc[0])
    )
    assert 0.5 < share.mean() < 0.95
    assert (share < 1).mean() > 0.3


def test_demo_is_deterministic():
    a = build_demo(random_state=3, n_tracks=16, n_playlists=40, n_jobs=1)
    b = build_demo(random_state=3, n_tracks=16, n_playlists=40, n_jobs=1)
    c = build_demo(random_state=4, n_tracks=16, n_playlists=40, n_jobs=1)
    assert (
        np.array_equal(a.clips, b.clips)
        and a.playlists.equals(b.playlists)
        and a.tracks.equals(b.tracks)
    )
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert np.array_equal(render_track(2, 99), render_track(2, 99))


def test_styles_differ_in_spectra():
    means = np.array([render_track(i, 7)[: 22050 * 5] for i in range(len(STYLES))])
    spectra = np.abs(np.fft.rfft(means, axis=1))[:, ::50]
    corr = np.corrcoef(np.log1p(spectra))
    assert (corr[~np.eye(len(STYLES), dtype=bool)] < 0.99).all()


def test_save_load_roundtrip_and_corruption(fresh_cache):
    ds = build_demo(random_state=1, n_tracks=8, n_playlists=20, n_jobs=1)
    ds.name = "tiny"
    save_dataset(ds)
    back = load_dataset("tiny")
    assert np.array_equal(back.clips[:], ds.clips[:])  # 8-bit codes, the same on both sides
    assert (
        np.abs(
            back.clips[:]
            - build_demo(random_state=1, n_tracks=8, n_playlists=20, n_jobs=1).clips[:]
        ).max()
        <= 1 / 510 + 1e-7
    )
    assert back.tracks.track_id.tolist() == ds.tracks.track_id.tolist()
    assert back.fingerprint == ds.fingerprint and list_datasets() == ["tiny"]
    version = next(
        p for p in (fresh_cache / "datasets" / "tiny").iterdir() if p.name.startswith("v")
    )
    with open(version / "tracks.parquet", "r+b") as f:  # the table: checked on load
        f.seek(200)
        f.write(b"\x00\x01\x02")
    with pytest.raises(DatasetError, match="checksum"):
        load_dataset("tiny")


def test_a_damaged_clip_shard_is_found_when_read(fresh_cache):
    ds = build_demo(random_state=1, n_tracks=8, n_playlists=20, n_jobs=1)
    ds.name = "shard"
    save_dataset(ds)
    [shard] = (fresh_cache / "datasets" / "shard" / "shards").glob("*.npy")
    with open(shard, "r+b") as f:
        f.seek(shard.stat().st_size // 2)
        f.write(b"\x00\x01\x02")
    back = load_dataset("shard")  # loads: clips are read (and checked) when used
    with pytest.raises(DatasetError, match="checksum"):
        back.clips[0]


def test_failed_write_keeps_previous(fresh_cache, monkeypatch):
    ds = build_demo(random_state=1, n_tracks=8, n_playlists=20, n_jobs=1)
    ds.name = "keep"
    save_dataset(ds)
    broken = build_demo(random_state=2, n_tracks=8, n_playlists=20, n_jobs=1)
    broken.name = "keep"
    monkeypatch.setattr(
        "songsim.data.store.write_manifest",
        lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()),
    )
    with pytest.raises(KeyboardInterrupt):
        save_dataset(broken)
    assert load_dataset("keep").fingerprint == ds.fingerprint
    entry = fresh_cache / "datasets" / "keep"
    assert len([p for p in entry.iterdir() if p.name.startswith("v")]) == 1
    assert np.array_equal(load_dataset("keep").clips[:], ds.clips[:])


def test_bad_names_refused(fresh_cache):
    for bad in ("../x", "", "a/b", ".hidden", "x" * 65):
        with pytest.raises(DatasetError):
            load_dataset(bad)
    with pytest.raises(DatasetError, match="no dataset named"):
        load_dataset("nope")
