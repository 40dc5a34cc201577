"""The musicnn ports against the originals: TensorFlow's outputs for fixture clips, stored once by
scripts/musicnn_reference.py (MSD_musicnn) and scripts/musicnn_wheel_reference.py (the wheel's
other three models), and the float16 overflow that made a loud track all NaN."""

import hashlib
import json
from pathlib import Path

import librosa
import numpy as np
import pytest

from songsim.models.musicnn import (
    musicnn_patches,
    run_musicnn,
    run_tagger,
    tag_names,
    vocabulary,
    weights_dir,
)

REF = Path(__file__).parent / "data" / "musicnn_reference.npz"
WHEEL_REF = Path(__file__).parent / "data" / "musicnn_wheel_reference.npz"
#: The wheel's other models: TF name, songsim's weights folder, the layer embedded, vocabulary.
WHEEL = [
    ("MTT_musicnn", "musicnn-mtt", "mean_pool", "MTT"),
    ("MSD_vgg", "vgg-msd", "pool5", "MSD"),
    ("MTT_vgg", "vgg-mtt", "pool5", "MTT"),
]


@pytest.fixture(scope="module")
def ref():
    return np.load(REF)


def audio(ref, name: str) -> np.ndarray:
    return ref[f"audio_{name}"].astype(np.float32) / 32767


def test_input_patches_are_musicnns(ref):
    for name in ("chord", "drums", "loud"):
        mine = musicnn_patches(audio(ref, name))
        theirs = ref["musicnn_input"][ref["clip"] == name]  # the package's own batch_data
        assert mine.shape == theirs.shape and mine.shape[1:] == (187, 96)
        assert np.allclose(mine, theirs, atol=1e-3), name  # float16 rounding of the powers


def test_forward_pass_reproduces_tensorflow(ref):
    out = run_musicnn(ref["input"])
    assert np.allclose(out["penultimate"], ref["penultimate"], atol=2e-5)
    assert np.allclose(out["mean_pool"], ref["mean_pool"], atol=5e-5)
    assert np.allclose(out["max_pool"], ref["max_pool"], rtol=1e-5, atol=5e-4)
    assert np.allclose(out["tags"], ref["taggram"], atol=5e-6)
    assert out["tags"].shape == (len(ref["input"]), 50) and len(tag_names()) == 50


def test_a_loud_track_is_finite_where_float16_arithmetic_overflows(ref):
    y = audio(ref, "loud")
    S = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=256, n_mels=96).T
    with np.errstate(over="ignore"):
        naive = np.log10(10000 * S.astype(np.float16) + 1)  # musicnn's line under NumPy ≥ 2
    assert naive.dtype == np.float16 and np.isinf(naive).any()
    patches = musicnn_patches(y)
    assert np.isfinite(patches).all()
    assert np.isfinite(run_musicnn(patches)["penultimate"]).all()


@pytest.mark.parametrize("model, folder, layer, words", WHEEL, ids=[w[0] for w in WHEEL])
def test_the_wheels_other_models_reproduce_tensorflow(ref, model, folder, layer, words):
    theirs = np.load(WHEEL_REF)
    out = run_tagger(ref["input"], folder)
    for mine, name in ((layer, layer), ("tags", "taggram")):
        expected = theirs[f"{model}/{name}"]
        relative = np.abs(out[mine] - expected).max() / np.abs(expected).max()
        assert relative <= 1e-5, (model, name, relative)
    assert vocabulary(folder) == words and len(tag_names(folder)) == 50
    assert ("piano" in tag_names(folder)) == (words == "MTT")  # instruments and moods


@pytest.mark.parametrize("folder", ["musicnn-msd", *(w[1] for w in WHEEL)])
def test_weights_ship_with_their_licence_and_checksum(folder):
    folder = weights_dir(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    licence = (folder / "LICENSE").read_text()
    assert (
        "ISC" in licence
        and "Copyright (c) Music Technology Group, Universitat Pompeu Fabra 2019" in licence
    )
    assert "Permission to use, copy, modify" in licence
    digest = hashlib.sha256((folder / "weights.safetensors").read_bytes()).hexdigest()
    sizes = {"musicnn": 787_159, "vgg": 605_748}
    assert (
        digest == manifest["weights_sha256"] and manifest["parameters"] == sizes[manifest["model"]]
    )


def test_the_ensemble_hears_each_track_once_with_every_tagger(tmp_path, fresh_cache, monkeypatch):
    from test_library import song

    from songsim.catalog import ingest
    from songsim.embeddings import embed
    from songsim.embeddings import musicnn as hearing
    from songsim.embeddings.kinds import fuse, tracks_to_embed
    from songsim.embeddings.names import COMPOSITES, TAGGERS

    for i in range(3):
        song(tmp_path / "lib" / f"s{i}.wav", seed=i, seconds=12.0)
    ds = ingest("lib", audio=tmp_path / "lib")
    heard = []
    windows = hearing._windows
    monkeypatch.setattr(hearing, "_windows", lambda ref: heard.append(ref[0]) or windows(ref))
    emb = embed(ds, "ensemble")
    assert sorted(heard) == sorted(set(heard)) and len(heard) == ds.n_tracks  # decoded once
    assert all(tracks_to_embed(ds, k) == 0 for k in TAGGERS)
    parts = [embed(ds, k).track for k in COMPOSITES["ensemble"]]
    assert np.allclose(emb.track, fuse(*parts), atol=1e-6)
    assert np.allclose(np.linalg.norm(emb.track, axis=1), 1, atol=1e-5)
    assert emb.track.shape[1] == 128 + 753 + 753 + 256 + 256
