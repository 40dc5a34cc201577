"""The baseline embeddings: the raw spectrogram, its principal components and MFCC statistics.

Each maps clips ``(n, n_mels, n_frames)`` (scaled log-mel, see :mod:`songsim.data.features`) to clip
vectors ``(n, d)``; :func:`track_means` turns clip vectors into track vectors.
"""

from __future__ import annotations

import numpy as np

N_MFCC = 20


def track_means(clip_vectors: np.ndarray, clip_track: np.ndarray, n_tracks: int) -> np.ndarray:
    """Mean clip vector of each track, ``(n_tracks, d)``."""
    sums = np.zeros((n_tracks, clip_vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, clip_track, clip_vectors)
    counts = np.bincount(clip_track, minlength=n_tracks)[:, None]
    return (sums / np.maximum(counts, 1)).astype(np.float32)


def raw_vectors(clips: np.ndarray) -> np.ndarray:
    """``(n, n_mels, n_frames)`` → ``(n, n_mels·n_frames)``."""
    return clips.reshape(len(clips), -1).astype(np.float32, copy=False)


#: Clips a PCA basis is fitted on, at most (a library's sample; the demo's 1,920 all count).
PCA_FIT_CLIPS = 4096


def pca_basis(
    clips, *, n_components: int = 64, random_state: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(mean [shape=(d,)], components [shape=(r, d)])`` of the flattened clips of a store
    (at most :data:`PCA_FIT_CLIPS` of them, drawn with ``random_state``): what
    :func:`pca_project` applies to any clip."""
    from sklearn.decomposition import PCA

    n = len(clips)
    rows = np.arange(n)
    if n > PCA_FIT_CLIPS:
        rows = np.sort(np.random.default_rng(random_state).choice(n, PCA_FIT_CLIPS, replace=False))
    X = raw_vectors(np.asarray(clips[rows]))
    r = min(n_components, len(X), X.shape[1])
    pca = PCA(n_components=r, svd_solver="randomized", random_state=random_state).fit(X)
    return pca.mean_.astype(np.float32), pca.components_.astype(np.float32)


def pca_project(clips: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Clips ``(n, n_mels, n_frames)`` → their coordinates ``(n, r)`` on a :func:`pca_basis`."""
    return ((raw_vectors(clips) - mean) @ components.T).astype(np.float32)


def pca_vectors(clips: np.ndarray, *, n_components: int = 64, random_state: int = 0) -> np.ndarray:
    """First ``n_components`` principal components of the flattened clips, ``(n, r)``."""
    from sklearn.decomposition import PCA

    r = min(n_components, len(clips), clips[0].size)
    return (
        PCA(n_components=r, svd_solver="randomized", random_state=random_state)
        .fit_transform(raw_vectors(clips))
        .astype(np.float32)
    )


def mfcc_stats(clips: np.ndarray, *, top_db: float = 80.0, n_mfcc: int = N_MFCC) -> np.ndarray:
    """Mean and standard deviation over frames of ``n_mfcc`` MFCCs, ``(n, 2·n_mfcc)`` float32.

    The MFCCs are the DCT-II of the log-mel clip in dB (``clip · top_db``), as ``librosa.feature.mfcc``.
    """
    import librosa

    mfcc = librosa.feature.mfcc(S=np.asarray(clips) * top_db, n_mfcc=n_mfcc)  # (n, n_mfcc, frames)
    return np.concatenate([mfcc.mean(axis=2), mfcc.std(axis=2)], axis=1).astype(np.float32)


def mfcc_vectors(clips: np.ndarray, *, top_db: float = 80.0, n_mfcc: int = N_MFCC) -> np.ndarray:
    """:func:`mfcc_stats` z-scored per feature over the clips, ``(n, 2·n_mfcc)`` (a dataset's
    ``mfcc`` embedding z-scores over all its clips the same way, a shard at a time)."""
    feats = mfcc_stats(clips, top_db=top_db, n_mfcc=n_mfcc)
    std = feats.std(axis=0)
    return ((feats - feats.mean(axis=0)) / np.where(std > 0, std, 1)).astype(np.float32)
