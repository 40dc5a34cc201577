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
