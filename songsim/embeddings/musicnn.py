"""The tagger embedding kinds (``musicnn``, ``musicnn-mtt``, ``vgg-msd``, ``vgg-mtt``): a
pretrained tagger's features and tags for every clip.

musicnn listens to 16 kHz audio, not to songsim's 22.05 kHz log-mel clips, so its input is made
from the audio itself, for the same clip windows: the first 3 s (one 187-frame patch) of each
5-s clip window of a track, read again from the source file (an audio dataset) or rendered again
(the demo). A dataset of spectrogram images has no audio for it.

Each clip gets a musicnn's ``mean_pool`` (753 values: the mid-end's features averaged over time)
or a VGG's ``pool5`` (256) and the 50 tag probabilities. The features are standardised per dimension over the dataset's clips and then
scaled to unit length (the ``zscore-unit`` transform of :mod:`songsim.embeddings.vectors`),
since its dimensions differ in scale by orders of
magnitude, and on the real-music benchmark this lifted AMI from 0.231 to 0.282 and precision@10
from 0.331 to 0.384 (docs/RESULTS.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..data.datasets import Dataset
from ..errors import SongsimError

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


def audio_refs(ds: Dataset, rows) -> list[tuple]:
    """What musicnn needs to hear tracks ``rows`` again, picklable for a worker: per track
    ``(source file or None, the demo's spec or None, row, clip starts in seconds)``."""
    refs = []
    for row in rows:
        starts = ds.clip_start[ds.track_clips(row)].tolist()
        if ds.info.get("kind") == "demo":
            refs.append((None, ds.info.get("demo", {}), int(row), starts))
            continue
        path = ds.source_file(row)
        if path is None:
            gone = Path(ds.info["sources"][0]) / str(ds.tracks["track_id"].iloc[row])
            raise SongsimError(
                f"{gone}: the audio file is gone; the musicnn embedding reads the source audio"
            )
        refs.append((str(path), None, int(row), starts))
    return refs


def _windows(ref: tuple) -> list[np.ndarray]:
    """Mono 16 kHz audio of ``PATCH_SECONDS`` from each clip start of one :func:`audio_refs` entry."""
    from ..models.musicnn import SR

    path, demo, row, starts = ref
    n = int(PATCH_SECONDS * SR)
    if path is None:
        import soxr

        from ..data.demo import render_demo_track

        y, sr = render_demo_track(demo, row)
        y = soxr.resample(y.astype(np.float32), sr, SR, quality="HQ")
        return [y[int(s * SR) : int(s * SR) + n] for s in starts]
    from ..io.audio import read_excerpt

    return [read_excerpt(Path(path), float(s), PATCH_SECONDS, sr=SR) for s in starts]


def tagger_clips(refs: list[tuple], kinds) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per tagger kind (:data:`~songsim.embeddings.names.TAGGERS`): ``(features [shape=(n_clips,
    d)], tags [shape=(n_clips, 50)])`` float32 of every clip of the tracks ``refs``
    (:func:`audio_refs`), in order. The audio is decoded and made into patches once; every
    tagger hears the same patches. Features as the model gives them (a dataset standardises
    them over all its clips)."""
    from ..models.musicnn import PATCH_FRAMES, SR, musicnn_patches, run_tagger
    from .names import TAGGERS

    patches = []
    for ref in refs:
        for y in _windows(ref):
            y = np.pad(y, (0, max(0, int(PATCH_SECONDS * SR) - len(y))))
            patches.append(musicnn_patches(y)[0])
    X = np.stack(patches) if patches else np.zeros((0, PATCH_FRAMES, 96), np.float32)
    out = {}
    for kind in kinds:
        folder, layer = TAGGERS[kind]
        layers = run_tagger(X, folder)
        out[kind] = (layers[layer], layers["tags"])
    return out
