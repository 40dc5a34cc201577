"""Words for groups: musicnn tags per track, and the tags that set clusters and communities
apart — against a brute-force reference, on the command line and on the pages."""

import json

import numpy as np
import pandas as pd
import pytest

from songsim.analysis.tags import distinctive_tags, top_tags
from songsim.cli import main


def test_distinctive_tags_equal_the_group_mean_minus_the_corpus_mean():
    rng = np.random.default_rng(4)
    probs = pd.DataFrame(rng.random((60, 7)), columns=list("abcdefg"))
    groups = rng.integers(0, 4, 60).astype(object)
    groups[:5] = None  # not in the graph: left out of the groups, kept in the corpus mean
    table = distinctive_tags(probs, groups, n=3)
    overall = probs.to_numpy().mean(axis=0)
    for row in table.itertuples():
        members = probs.to_numpy()[[g == row.group for g in groups]]
        lift = members.mean(axis=0) - overall
        expected = [probs.columns[i] for i in np.argsort(-lift)[:3] if lift[i] > 0]
        assert row.tags == expected and row.size == len(members)
        assert np.allclose(row.lift, np.sort(lift)[::-1][: len(expected)], atol=1e-4)
    assert set(table["group"]) == {0, 1, 2, 3}
    assert top_tags(probs.iloc[:2], 2) == [
        list(probs.columns[np.argsort(-probs.iloc[i].to_numpy())[:2]]) for i in range(2)
    ]


@pytest.fixture()
def tiny_saved(fresh_cache, tiny_dataset):
    from songsim.data.store import save_dataset

    ds = tiny_dataset("tiny")
    save_dataset(ds)
    return ds


def test_tags_on_the_command_line(tiny_saved, capsys):
    from songsim.models.musicnn import tag_names

    assert main(["tags", "tiny", "--by", "track", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == tiny_saved.n_tracks
    for vocabulary, folder in (("MSD", "musicnn-msd"), ("MTT", "musicnn-mtt")):
        assert all(set(r[f"tags_{vocabulary}"]) <= set(tag_names(folder)) for r in rows)
    assert main(["tags", "tiny", "--by", "cluster", "--k", "3", "--kind", "mfcc", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["by"] == "cluster" and set(out["groups"]) == {"MSD", "MTT"}
    assert sum(g["size"] for g in out["groups"]["MTT"]) == tiny_saved.n_tracks
    assert main(["tags", "tiny", "--by", "community"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("communities: leading-eigenvector") and "community 0" in text
    assert "instruments, voice, mood (MTT):" in text and "genre, era (MSD):" in text
    # k by default: the best silhouette's, as the dashboard starts (8 tracks: k = 8 cannot be)
    assert main(["tags", "tiny", "--by", "cluster", "--kind", "mfcc", "--vocabulary", "MTT"]) == 0
    assert "k of the best silhouette" in capsys.readouterr().out


def test_tags_need_audio(fresh_cache, tiny_dataset, capsys):
    from songsim.data.store import save_dataset

    ds = tiny_dataset("pngs")
    ds.info = {**ds.info, "kind": "spectrograms"}
    save_dataset(ds)
    assert main(["tags", "pngs"]) == 2
    err = capsys.readouterr().err
    assert "needs audio" in err and len(err.strip().splitlines()) == 1


def test_musicnn_hears_an_audio_library_and_says_when_a_file_is_gone(tmp_path, fresh_cache):
    import soundfile as sf

    from songsim.catalog import ingest
    from songsim.embeddings import embed
    from songsim.errors import SongsimError

    lib = tmp_path / "lib"
    lib.mkdir()
    rng = np.random.default_rng(1)
    for i in range(3):
        t = np.arange(22050 * 8) / 22050
        y = 0.3 * np.sin(2 * np.pi * (220 + 110 * i) * t) + 0.05 * rng.standard_normal(len(t))
        sf.write(lib / f"t{i}.wav", y.astype(np.float32), 22050)
    ds = ingest("lib", audio=lib)
    emb = embed(ds, "musicnn")
    assert emb.clip.shape == (len(ds.clips), 753) and emb.tags.shape == (len(ds.clips), 50)
    assert np.allclose(np.linalg.norm(emb.clip, axis=1), 1, atol=1e-5)  # standardised, unit length
    (lib / "t1.wav").unlink()
    from songsim.data.store import load_dataset

    again = load_dataset("lib")
    assert again.source_file(1) is None and again.source_file(0) == (lib / "t0.wav").resolve()
    from songsim.embeddings.musicnn import audio_refs

    assert np.allclose(embed(again, "musicnn").clip, emb.clip)  # stored: nothing to hear again
    with pytest.raises(SongsimError, match=r"t1\.wav: the audio file is gone"):
        audio_refs(again, [0, 1, 2])  # hearing it again needs every file
    import shutil

    from songsim.embeddings import available_kinds

    assert "musicnn" in available_kinds(again)
    shutil.rmtree(lib)  # the whole library moved away: musicnn is no longer offered
    assert "musicnn" not in available_kinds(again) and "mfcc" in available_kinds(again)
