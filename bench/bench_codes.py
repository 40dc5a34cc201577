"""What storing clips as 8-bit codes does to every embedding, against float16 and float32.

Decodes a real audio library's clips again in float32 (songsim's own decoder), then embeds the
same clips three ways — float32, float16 (how songsim stored clips before) and 8-bit codes (how it
stores them now) — with every kind that reads clips (raw, PCA, MFCC, the CAE, the VAE, the
contrastive encoder; musicnn reads the audio itself). For each it reports the clips' largest
error, the cosine between a track's vector and its float32 vector (mean and minimum), and, when
the tracks have labels, k-means AMI and precision@10 of each (5 k-means seeds).

    python bench/bench_codes.py ~/realmusic/corpus [--cache DIR]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
from _common import emit, label_scores


def decoded_clips(folder: Path):
    """``(clips float32, clip_track, labels)`` of every audio file below ``folder``."""
    from songsim.config import AudioParams
    from songsim.data.features import log_mel_clips
    from songsim.io.audio import read_audio_clips, scan_audio

    p = AudioParams()
    clips, owner, labels = [], [], []
    for path in scan_audio(folder).files:
        y, _, _ = read_audio_clips(path, p)
        clips.append(log_mel_clips(y, p))
        owner += [len(labels)] * len(clips[-1])
        labels.append(path.parent.name)
    return np.concatenate(clips), np.array(owner), np.array(labels, dtype=object)


def vectors(kind: str, X: np.ndarray, model_ref) -> np.ndarray:
    """Clip vectors of ``X`` for ``kind`` (the task songsim's embeddings run)."""
    from songsim.embeddings.baselines import raw_vectors
    from songsim.embeddings.compute import clip_vectors_task
    from songsim.embeddings.vectors import _transformed

    if kind == "raw":
        return raw_vectors(X)
    V, _ = clip_vectors_task(kind, model_ref, _Plain(X), None)
    if kind == "mfcc":
        V = _transformed(V, "zscore", V.mean(axis=0), V.std(axis=0))
    return V


class _Plain:
    """Clips given as they are (float32, float16 or decoded codes), for a task."""

    def __init__(self, X):
        self.X = X

    def __getitem__(self, index):
        return np.asarray(self.X[index], dtype=np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--cache", type=Path, default=None)
    args = ap.parse_args()
    os.environ.setdefault("SONGSIM_CACHE", str(args.cache or tempfile.mkdtemp()))
    from songsim.data.clips import decode, encode
    from songsim.embeddings.baselines import pca_basis, track_means
    from songsim.embeddings.modeling import checkpoint_id
    from songsim.models.checkpoints import shipped_entry

    X32, owner, labels = decoded_clips(args.folder)
    n = len(labels)
    versions = {
        "float32": X32,
        "float16": X32.astype(np.float16).astype(np.float32),
        "uint8": decode(encode(X32)),
    }
    out = {
        "tracks": n,
        "clips": len(X32),
        "clip_error": {k: float(np.abs(v - X32).max()) for k, v in versions.items()},
        "kinds": {},
    }
    refs = {
        "pca": pca_basis(X32, n_components=64, random_state=0),
        "mfcc": 80.0,
        **{
            k: (str(shipped_entry(k, latent)), checkpoint_id(shipped_entry(k, latent)))
            for k, latent in (("cae", 64), ("vae", 64), ("contrastive", 128))
        },
    }
    for kind in ("raw", "pca", "mfcc", "cae", "vae", "contrastive"):
        tracks = {
            name: track_means(vectors(kind, X, refs.get(kind)), owner, n)
            for name, X in versions.items()
        }
        ref = tracks["float32"] / np.linalg.norm(tracks["float32"], axis=1, keepdims=True)
        row = {}
        for name, T in tracks.items():
            cos = (T / np.linalg.norm(T, axis=1, keepdims=True) * ref).sum(axis=1)
            row[name] = {
                "cos_mean": round(float(cos.mean()), 6),
                "cos_min": round(float(cos.min()), 6),
                **label_scores(T, labels, seeds=5),
            }
        out["kinds"][kind] = row
    emit("clip_codes", out)


if __name__ == "__main__":
    main()
