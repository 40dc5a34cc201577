"""The mini-batches of a training epoch: clips for the autoencoders, pairs of augmented views
of one track for the contrastive encoder, with a teacher's vectors when distilling."""

from __future__ import annotations

import numpy as np
import torch

from .params import TrainParams


class Batches:
    """Mini-batches of one epoch, as ``(x, groups, targets)`` on the training device.

    Clips are read a batch at a time from ``clips`` (an array or a dataset's clip store).
    Autoencoders get the clips themselves (``groups`` is None). The contrastive encoder gets two
    augmented views per anchor clip — a crop of the anchor and a crop of another clip of its
    track — and ``groups`` is the track of each view. ``targets`` are the teacher's vectors of
    each view's clip when distilling (``teacher [shape=(n_clips, d)]``), else None.
    """

    def __init__(
        self,
        clips,
        clip_track: np.ndarray,
        params: TrainParams,
        dev: torch.device,
        memory_format: torch.memory_format,
        teacher: torch.Tensor | None = None,
    ):
        self.clips, self.clip_track, self.params, self.dev, self.memory_format = (
            clips,
            clip_track,
            params,
            dev,
            memory_format,
        )
        self.teacher = teacher
        self.pairs = params.model == "contrastive"
        if self.pairs:
            order = np.argsort(clip_track, kind="stable")
            bounds = np.searchsorted(clip_track[order], np.arange(clip_track.max() + 2))
            self.track_clips = [order[bounds[t] : bounds[t + 1]] for t in range(len(bounds) - 1)]

    def __call__(self, idx: np.ndarray, gen: torch.Generator, *, shuffle: bool):
        bs = self.params.batch_size
        order = idx[torch.randperm(len(idx), generator=gen).numpy()] if shuffle else idx
        for i in range(0, len(order), bs):
            anchors = np.sort(order[i : i + bs])
            if not self.pairs:
                yield self._to_device(self._read(anchors)), None, None
                continue
            if len(anchors) < 2:
                continue
            pick = torch.rand(len(anchors), generator=gen).numpy()
            partners = np.array(
                [
                    c[int(p * len(c))]
                    for c, p in zip((self.track_clips[self.clip_track[a]] for a in anchors), pick)
                ]
            )
            both = np.concatenate([anchors, partners])
            from .contrastive import augment

            views = augment(
                self._read(both).to(self.dev),
                gen,
                crop_frames=self.params.crop_frames,
                aug=self.params.augmentation,
            )
            targets = None if self.teacher is None else self.teacher[both].to(self.dev)
            groups = torch.from_numpy(self.clip_track[both]).to(self.dev)
            yield self._to_device(views), groups, targets

    def _read(self, rows: np.ndarray) -> torch.Tensor:
        """Clips ``rows`` as ``(n, 1, n_mels, n_frames)`` float32 (read from disk for a
        dataset's clip store: an epoch never holds the library in memory)."""
        x = np.ascontiguousarray(self.clips[rows], dtype=np.float32)
        return torch.from_numpy(x).unsqueeze(1)

    def _to_device(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(self.dev, non_blocking=True).contiguous(memory_format=self.memory_format)
