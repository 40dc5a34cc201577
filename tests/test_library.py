"""A library, not a dataset in memory: incremental ingest equals a fresh one, removed and changed
files, an interrupted update, duplicates folded, the vector index against exact search, and
commands that never read the clips."""

import shutil

import numpy as np
import pytest
import soundfile as sf

from songsim.catalog import ingest
from songsim.data.store import load_dataset


def song(path, seed: int, seconds: float = 9.0, sr: int = 22050, fmt: dict | None = None):
    """A distinct little piece of music: a melody of seed-chosen notes, 8 harmonics, and
    breathing noise (full enough in spectrum for a lossy encoding to stay close)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    notes = 220 * 2 ** (rng.integers(0, 24, int(seconds * 4)) / 12)
    phase = 2 * np.pi * np.cumsum(np.repeat(notes, len(t) // len(notes) + 1)[: len(t)]) / sr
    y = sum(0.25 / h * np.sin(h * phase) for h in range(1, 9))
    noise = np.convolve(rng.standard_normal(len(t)), np.ones(4) / 4, mode="same")
    y = y + 0.15 * noise * (1 + np.sin(2 * np.pi * 2 * t))
    y = 0.5 * y / np.abs(y).max()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sf.SoundFile(str(path), "w", sr, 1, **(fmt or {})) as out:
        for i in range(0, len(y), 8192):
            out.write(y[i : i + 8192].astype(np.float32))
    return path


@pytest.fixture()
def library(tmp_path):
    root = tmp_path / "music"
    for i in range(6):
        song(root / ("rock" if i % 2 else "jazz") / f"s{i}.wav", seed=i)
    return root


def same_dataset(a, b) -> None:
    assert a.tracks["track_id"].tolist() == b.tracks["track_id"].tolist()
    assert a.tracks["clips_hash"].tolist() == b.tracks["clips_hash"].tolist()
    assert np.array_equal(a.clips[:], b.clips[:])
    assert np.array_equal(a.clip_start, b.clip_start)
    assert a.audio_fingerprint == b.audio_fingerprint and a.fingerprint == b.fingerprint


def test_an_update_equals_a_fresh_ingest_and_touches_only_what_changed(
    library, fresh_cache, tmp_path
):
    from songsim.embeddings import embed

    first = ingest("lib", audio=library, labels_from_parent=True)
    assert first.info["last_update"]["decoded"] == 6 and first.n_tracks == 6
    before = embed(first, "contrastive").track
    again = ingest("lib", audio=library)  # nothing changed: nothing decoded
    assert again.info["last_update"] == {
        "added": 0, "changed": 0, "removed": 0, "unchanged": 6, "skipped": 0, "decoded": 0
    }  # fmt: skip
    assert again.labels is not None  # labelled as before
    (library / "rock" / "s1.wav").unlink()  # removed
    song(library / "jazz" / "s0.wav", seed=40)  # changed
    song(library / "new" / "n.wav", seed=41)  # added
    shutil.copy(
        library / "jazz" / "s2.wav", library / "jazz" / "moved.wav"
    )  # new path, known content
    (library / "jazz" / "s2.wav").unlink()
    updated = ingest("lib", audio=library)
    assert updated.info["last_update"] == {
        "added": 2, "changed": 1, "removed": 2, "unchanged": 3, "skipped": 0, "decoded": 2
    }  # fmt: skip
    fresh = ingest("fresh", audio=library, labels_from_parent=True)
    assert fresh.info["last_update"]["decoded"] == 6
    same_dataset(updated, fresh)
    # embeddings: the update's vectors are the fresh ones, and only new content was embedded
    import songsim.embeddings.compute as compute

    calls = []
    real = compute.clip_vectors_task
    compute.clip_vectors_task = lambda *a: calls.append(len(a[2])) or real(*a)
    try:
        after = embed(updated, "contrastive").track
    finally:
        compute.clip_vectors_task = real
    assert sum(calls) == sum(len(updated.track_clips(r)) for r in (0, 4))  # s0 changed, n new
    np.testing.assert_allclose(after, embed(fresh, "contrastive").track, atol=1e-6)
    unchanged = updated.tracks["track_id"].isin(["jazz/s4.wav", "rock/s3.wav", "rock/s5.wav"])
    old = first.tracks["track_id"].isin(["jazz/s4.wav", "rock/s3.wav", "rock/s5.wav"])
    np.testing.assert_array_equal(after[unchanged.to_numpy()], before[old.to_numpy()])


def test_an_interrupted_update_keeps_the_previous_version_and_is_continued(
    library, fresh_cache, monkeypatch
):
    import songsim.data.library as library_mod

    first = ingest("lib", audio=library)
    for i in range(6, 12):
        song(library / "more" / f"m{i}.wav", seed=i)
    monkeypatch.setattr("songsim.tasks.default_jobs", lambda: 1)  # decoded here, in order

    real = library_mod.read_one
    seen = []

    def dies_on_the_fourth(*args):
        seen.append(args[1])
        if len(seen) == 4:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(library_mod, "read_one", dies_on_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        ingest("lib", audio=library)
    kept = load_dataset("lib")
    assert kept.fingerprint == first.fingerprint and kept.n_tracks == 6  # the previous version
    assert np.array_equal(kept.clips[:], first.clips[:])
    monkeypatch.setattr(library_mod, "read_one", real)
    done = ingest("lib", audio=library)
    assert done.n_tracks == 12
    assert done.info["last_update"]["decoded"] == 3  # the three finished before the cut: reused
    same_dataset(done, ingest("fresh", audio=library))


def test_copies_and_other_encodings_of_one_recording_are_one_song(tmp_path, fresh_cache):
    from songsim.search import grown_playlist, similar_songs

    root = tmp_path / "music"
    song(root / "album" / "a.flac", seed=1, fmt={"format": "FLAC"})
    song(root / "best-of" / "a.ogg", seed=1, fmt={"format": "OGG", "subtype": "VORBIS"})
    song(root / "copy" / "a.flac", seed=1, fmt={"format": "FLAC"})
    for i in range(2, 9):
        song(root / "album" / f"s{i}.wav", seed=i)
    ds = ingest("dups", audio=root)
    assert ds.summary()["songs"] == 8 and ds.summary()["duplicates"] == 2
    a = ds.track_row("album/a.flac")
    group = {ds.track_row(t) for t in ("best-of/a.ogg", "copy/a.flac")}
    assert {int(ds.songs[r]) for r in group} == {int(ds.songs[a])}
    rows, sims = similar_songs(ds, "contrastive", a, n=5)
    assert not set(rows.tolist()) & group and len(set(ds.songs[rows])) == 5
    rows, sims = similar_songs(ds, "contrastive", a, n=5, keep_duplicates=True)
    assert rows[0] in group and sims[0] > 0.999  # the byte-identical copy first
    playlist = grown_playlist(ds, "contrastive", a, length=8)
    assert len(playlist) == 8 and len({int(ds.songs[r]) for r in playlist}) == 8
    from songsim.catalog import dataset_info

    info = dataset_info(ds)
    assert info["duplicate_songs"] == {
        "album/a.flac": ["album/a.flac", "best-of/a.ogg", "copy/a.flac"]
    }


def test_the_index_finds_what_exact_search_finds(monkeypatch):
    from songsim.analysis import index as index_mod
    from songsim.analysis.index import VectorIndex

    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 32)).astype(np.float32)
    exact = VectorIndex(X)  # a small set: searched exactly, by default
    assert exact.exact
    graph = VectorIndex(X, exact=False)
    graph.graph.expansion_search = 512  # as many candidates as points: the search is exhaustive
    assert exact.exact and not graph.exact
    for q in rng.choice(400, 50, replace=False):
        a, sa = exact.search(X[q], 10)
        b, sb = graph.search(X[q], 10)
        # the graph keeps vectors as float16: rows may swap only where two similarities are
        # within its rounding (1e-2 here); and an approximate graph (built on several threads,
        # so not the same graph each run) may rarely leave a row unreachable: 8 of 10 at least
        assert (sb[:10] >= sa.min() - 1e-2).sum() >= 8
        assert len(set(a.tolist()) & set(b[:10].tolist())) >= 8
    # an updated graph (a row gone, two new) answers like one built afresh
    keys = np.arange(400, dtype=np.uint64)
    Y = np.concatenate([X[1:], rng.standard_normal((2, 32)).astype(np.float32)])
    new_keys = np.concatenate([keys[1:], [1000, 1001]]).astype(np.uint64)
    updated = index_mod.update_graph(graph.graph, index_mod.unit_rows(Y), new_keys)
    updated.expansion_search = 512
    assert len(updated) == 401 and 0 not in set(np.asarray(updated.keys).tolist())
    fresh = VectorIndex(Y, new_keys, exact=True)
    moved = VectorIndex(Y, new_keys, graph=updated, exact=False)
    for q in (0, 398, 399):
        found = set(moved.search(Y[q], 10)[0][:10].tolist())
        assert len(found & set(fresh.search(Y[q], 10)[0].tolist())) >= 8


def test_info_and_similar_never_read_a_clip(library, fresh_cache, monkeypatch, capsys):
    from songsim.cli import main
    from songsim.data import clips

    assert main(["ingest", "--audio", str(library), "--name", "lib"]) == 0
    assert main(["embed", "lib", "--kind", "contrastive"]) == 0
    capsys.readouterr()

    def no(*a, **k):
        raise AssertionError("a clip was read")

    monkeypatch.setattr(clips._Shard, "read", no)
    monkeypatch.setattr(clips._Shard, "_open", no)
    assert main(["info", "lib"]) == 0
    assert "tracks                       6" in capsys.readouterr().out
    assert main(["similar", "lib", "jazz/s0.wav", "--n", "3"]) == 0
    out = capsys.readouterr().out
    assert "nearest to jazz/s0.wav" in out and len(out.strip().splitlines()) == 4
    assert " — " not in out  # no artist: the title alone, not "title — "
    assert main(["list"]) == 0
