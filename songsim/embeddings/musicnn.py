"""The ``musicnn`` embedding kind: the pretrained tagger's features and tags for every clip.

musicnn listens to 16 kHz audio, not to songsim's 22.05 kHz log-mel clips, so its input is made
from the audio itself, for the same clip windows: the first 3 s (one 187-frame patch) of each
5-s clip window of a track, read again from the source file (an audio dataset) or rendered again
(the demo). A dataset of spectrogram images has no audio for it.

Each clip gets ``mean_pool`` (753 values: the mid-end's features averaged over time) and the 50
tag probabilities. The features are standardised per dimension over the dataset's clips and then
scaled to unit length (:func:`standardise`): its dimensions differ in scale by orders of
magnitude, and on the real-music benchmark this lifted AMI from 0.231 to 0.282 and precision@10
from 0.331 to 0.384 (docs/RESULTS.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.datasets import Dataset
from ..errors import SongsimError
from ..progress import Callback, track

#: Seconds of each clip window musicnn hears: one patch.
PATCH_SECONDS = 3.0
FEATURE = "mean_pool"


def needs_audio(ds: Dataset) -> None:
    """Raise SongsimError unless ``ds`` has audio musicnn can hear."""
    kind = ds.info.get("kind")
    if kind == "demo":
        return
    if kind != "audio" or not ds.info.get("sources"):
        raise SongsimError(
            f"dataset '{ds.name}': the musicnn embedding needs audio, and this dataset holds "
            "spectrogram images; ingest the audio folder instead"
        )
    if ds.n_tracks and ds.source_file(0) is None:
        raise SongsimError(
            f"{ds.info['sources'][0]}: the audio of dataset '{ds.name}' is not there any more; "
            "the musicnn embedding needs it"
        )


def _track_windows(ds: Dataset, row: int, starts: np.ndarray) -> list[np.ndarray]:
    """Mono 16 kHz audio of ``PATCH_SECONDS`` from each start (seconds) of track ``row``."""
    from ..models.musicnn import SR

    n = int(PATCH_SECONDS * SR)
    if ds.info.get("kind") == "demo":
        import soxr

        from ..data.demo import render_demo_track

        y, sr = render_demo_track(ds.info.get("demo", {}), row)
        y = soxr.resample(y.astype(np.float32), sr, SR, quality="HQ")
        return [y[int(s * SR) : int(s * SR) + n] for s in starts]
    from ..io.audio import read_excerpt

    path = ds.source_file(row)
    if path is None:
        gone = Path(ds.info["sources"][0]) / str(ds.tracks["track_id"].iloc[row])
        raise SongsimError(
            f"{gone}: the audio file is gone; the musicnn embedding reads the source audio"
        )
    return [read_excerpt(path, float(s), PATCH_SECONDS, sr=SR) for s in starts]


def standardise(X: np.ndarray) -> np.ndarray:
    """Each column to mean 0 and standard deviation 1 over the rows, then each row to unit length."""
    from ..analysis.similar import normalize_rows

    Z = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-6)
    return normalize_rows(Z, dtype=np.float32)


def musicnn_vectors(
    ds: Dataset, *, progress: Callback | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(features [shape=(n_clips, 753)], tags [shape=(n_clips, 50)])`` float32 of every clip;
    the features :func:`standardise`-d over the dataset."""
    from ..models.musicnn import PATCH_FRAMES, musicnn_patches, run_musicnn

    needs_audio(ds)
    patches = np.zeros((len(ds.clip_track), PATCH_FRAMES, 96), dtype=np.float32)
    order = np.argsort(ds.clip_track, kind="stable")
    bounds = np.searchsorted(ds.clip_track[order], np.arange(ds.n_tracks + 1))
    for row in track(range(ds.n_tracks), ds.n_tracks, "musicnn: reading audio", progress):
        clips = order[bounds[row] : bounds[row + 1]]
        for clip, y in zip(clips, _track_windows(ds, row, ds.clip_start[clips])):
            y = np.pad(y, (0, max(0, int(PATCH_SECONDS * 16000) - len(y))))
            patches[clip] = musicnn_patches(y)[0]
    out, batch = {FEATURE: [], "tags": []}, 64
    starts = range(0, len(patches), batch)
    for i in track(starts, len(starts), "musicnn: listening", progress):
        layers = run_musicnn(patches[i : i + batch], batch=batch)
        out[FEATURE].append(layers[FEATURE])
        out["tags"].append(layers["tags"])
    return standardise(np.concatenate(out[FEATURE])), np.concatenate(out["tags"])
