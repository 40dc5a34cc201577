import numpy as np
import pytest

from songsim.embeddings import embed, mfcc_vectors, pca_vectors, track_means
from songsim.errors import SongsimError


def test_mfcc_matches_librosa_reference():
    import librosa

    rng = np.random.default_rng(0)
    clips = rng.random((5, 96, 216)).astype(np.float32)
    ours = mfcc_vectors(clips)
    m = np.stack([librosa.feature.mfcc(S=c * 80.0, n_mfcc=20) for c in clips])
    ref = np.concatenate([m.mean(axis=2), m.std(axis=2)], axis=1)
    ref = (ref - ref.mean(0)) / ref.std(0)
    assert ours.shape == (5, 40) and np.allclose(ours, ref, atol=1e-4)


def test_pca_matches_sklearn_full_svd():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(1)
    clips = (rng.standard_normal((60, 4, 6)) @ rng.standard_normal((6, 6))).astype(np.float32)
    ours = pca_vectors(clips, n_components=5)
    ref = PCA(n_components=5, svd_solver="full").fit_transform(clips.reshape(60, -1))
    assert np.allclose(np.abs(ours), np.abs(ref), atol=1e-3)  # components are defined up to sign


def test_track_means():
    v = np.arange(12, dtype=np.float32).reshape(6, 2)
    assert np.allclose(track_means(v, np.array([0, 0, 1, 1, 1, 2]), 3), [[1, 2], [6, 7], [10, 11]])


def test_embed_every_kind_is_cached_and_keyed(demo_ds):
    for kind in ("raw", "pca", "mfcc", "cae", "vae", "contrastive"):
        e = embed(demo_ds, kind, train_if_missing=False)
        assert e.clip.shape[0] == len(demo_ds.clips) and e.track.shape[0] == demo_ds.n_tracks
        assert np.isfinite(e.track).all()
    again = embed(demo_ds, "cae", train_if_missing=False)
    assert again.params["checkpoint"].startswith("demo-cae-64/")
    with pytest.raises(SongsimError):
        embed(demo_ds, "nope")


def test_cache_hit_loads_no_weights_and_a_new_checkpoint_recomputes(
    fresh_cache, tiny_dataset, monkeypatch
):
    import torch

    import songsim.models.inference as inference
    from songsim.embeddings import modeling
    from songsim.models.cae import ConvAutoencoder
    from songsim.models.checkpoints import checkpoint_entry, save_checkpoint

    ds = tiny_dataset("emb")
    entry = checkpoint_entry("emb", "cae", 16)
    manifest = {"dataset": {"fingerprint": ds.audio_fingerprint}}
    torch.manual_seed(0)
    save_checkpoint(entry, ConvAutoencoder(latent=16), manifest)
    real_embed_clips, real_load = inference.embed_clips, modeling.load_checkpoint
    computed, loaded = [], []
    monkeypatch.setattr(
        inference, "embed_clips", lambda *a, **k: computed.append(1) or real_embed_clips(*a, **k)
    )
    monkeypatch.setattr(
        modeling, "load_checkpoint", lambda *a, **k: loaded.append(1) or real_load(*a, **k)
    )

    first = embed(ds, "cae", latent=16, train_if_missing=False)
    assert computed == [1] and loaded == [1]
    again = embed(ds, "cae", latent=16, train_if_missing=False)
    assert computed == [1] and loaded == [1]  # a hit: neither weights nor clips were touched
    assert np.array_equal(again.clip, first.clip) and again.params == first.params

    torch.manual_seed(1)
    save_checkpoint(entry, ConvAutoencoder(latent=16), manifest)  # a new version of the model
    third = embed(ds, "cae", latent=16, train_if_missing=False)
    assert computed == [1, 1] and loaded == [1, 1]
    assert third.params["checkpoint"] != first.params["checkpoint"]
    assert not np.allclose(third.clip, first.clip)


def test_names_of_models_at_other_sizes():
    from songsim.embeddings.kinds import best_kind, kind_name, split_kind

    assert split_kind("cae@32") == ("cae", 32) and split_kind("mfcc") == ("mfcc", None)
    assert kind_name("cae", 32) == "cae@32" and kind_name("cae", 64) == "cae"
    assert kind_name("contrastive", 128) == "contrastive" and kind_name("mfcc", 7) == "mfcc"
    for bad in ("mfcc@16", "cae@", "cae@x", "cae@0", "nope@16"):
        with pytest.raises(SongsimError):
            split_kind(bad)
    assert best_kind(["mfcc", "cae@16", "contrastive@32"]) == "contrastive@32"


def test_a_checkpoint_at_another_size_is_an_embedding_of_its_own(fresh_cache, tiny_dataset):
    import torch

    from songsim.embeddings import available_kinds
    from songsim.models.cae import ConvAutoencoder
    from songsim.models.checkpoints import checkpoint_entry, save_checkpoint

    ds = tiny_dataset("sizes")
    assert not any(k.startswith("cae") for k in available_kinds(ds))
    torch.manual_seed(0)
    manifest = {"dataset": {"fingerprint": ds.audio_fingerprint}}
    save_checkpoint(checkpoint_entry("sizes", "cae", 16), ConvAutoencoder(latent=16), manifest)
    save_checkpoint(checkpoint_entry("other", "cae", 32), ConvAutoencoder(latent=32), manifest)
    kinds = available_kinds(ds)
    assert "cae@16" in kinds and "cae" not in kinds and "cae@32" not in kinds  # another library's
    assert kinds.index("cae@16") < kinds.index("contrastive")  # in KINDS order
    emb = embed(ds, "cae@16", train_if_missing=False)
    assert emb.kind == "cae" and emb.track.shape == (ds.n_tracks, 16)
    assert emb.params["latent"] == 16 and emb.params["checkpoint"].startswith("cae-16/")
    with pytest.raises(SongsimError, match="latent 32"):
        embed(ds, "cae@32", train_if_missing=False)


def test_fused_is_the_two_unit_embeddings_joined(fresh_cache, tiny_dataset):
    from songsim.embeddings import available_kinds

    ds = tiny_dataset("fusion")
    assert {"musicnn", "fused"} <= set(available_kinds(ds))  # it has audio (the demo renders it)
    fused = embed(ds, "fused")
    c, m = embed(ds, "contrastive"), embed(ds, "musicnn")
    assert fused.clip.shape == (len(ds.clips), c.clip.shape[1] + m.clip.shape[1])
    assert np.allclose(np.linalg.norm(fused.track, axis=1), 1, atol=1e-5)
    assert np.allclose(np.linalg.norm(fused.clip, axis=1), 1, atol=1e-5)
    d = c.track.shape[1]
    unit = lambda X: X / np.linalg.norm(X, axis=1, keepdims=True)  # noqa: E731
    assert np.allclose(fused.track[:, :d] * np.sqrt(2), unit(c.track), atol=1e-5)
    assert np.allclose(fused.track[:, d:] * np.sqrt(2), unit(m.track), atol=1e-5)
    assert fused.tags is not None and np.array_equal(fused.tags, m.tags)
