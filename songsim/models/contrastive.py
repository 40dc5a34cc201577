"""Contrastive encoder: a convolutional net over log-mel clips, pooled over time, trained so that
two crops of the same track land close together and crops of other tracks far apart.

Architecture, for input ``[shape=(batch, 1, n_mels, n_frames)]`` (any ``n_frames`` ≥ 16)::

    4 × (Conv2d 3×3 → BatchNorm → ReLU → MaxPool 2×2)   channels 32, 64, 128, 256
        96×T → 48×T/2 → 24×T/4 → 12×T/8 → 6×T/16
    per frame: flatten (256·6) → Linear → ReLU                     (batch, 256, T/16)
    over time: mean ‖ max                                          (batch, 512)
    Linear → BatchNorm                                             embedding (batch, latent)
    projection head (training only): ReLU → Linear                 (batch, latent)

Self-supervised objective (no labels): each batch holds two augmented views of ``B`` clips;
every view's positives are the other views of the same *track* (its twin, and the views of any
other clip of that track in the batch), its negatives all other views. The loss is the
multi-positive InfoNCE (NT-Xent when each track appears once) on cosine similarities of the
projections at temperature ``τ``.
"""

from __future__ import annotations

import torch
from torch import nn

from .params import Augmentation

CHANNELS = (32, 64, 128, 256)
FRAME_FEATURES = 256


class ContrastiveEncoder(nn.Module):
    """Time-pooled convolutional encoder trained with a contrastive objective.

    Parameters
    ----------
    latent : size of the embedding (default 128)
    input_shape : ``(n_mels, n_frames)`` of a stored clip (default 96×216); training crops are
        shorter, and any number of frames ≥ 16 can be embedded
    temperature : τ of the contrastive loss (default 0.1)
    """

    kind = "contrastive"

    def __init__(
        self,
        latent: int = 128,
        input_shape: tuple[int, int] = (96, 216),
        temperature: float = 0.1,
        teacher_dim: int = 0,
        **_,
    ):
        super().__init__()
        self.latent, self.input_shape, self.temperature = (
            latent,
            tuple(input_shape),
            float(temperature),
        )
        layers, c_in = [], 1
        for c in CHANNELS:
            layers += [
                nn.Conv2d(c_in, c, 3, padding=1, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            c_in = c
        self.conv = nn.Sequential(*layers)
        n_bands = input_shape[0] // 2 ** len(CHANNELS)
        self.frame = nn.Sequential(
            nn.Linear(CHANNELS[-1] * n_bands, FRAME_FEATURES), nn.ReLU(inplace=True)
        )
        self.embedding = nn.Sequential(
            nn.Linear(2 * FRAME_FEATURES, latent), nn.BatchNorm1d(latent)
        )
        self.projection = nn.Sequential(nn.ReLU(), nn.Linear(latent, latent))
        # distillation: a linear map from the embedding to a teacher's vector (training only)
        self.teacher_head = nn.Linear(latent, teacher_dim) if teacher_dim else None

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, 1, n_mels, n_frames)`` → ``(batch, latent)``."""
        h = self.conv(x)  # (B, C, F, T')
        h = h.flatten(1, 2).transpose(1, 2)  # (B, T', C·F)
        h = self.frame(h)  # (B, T', D)
        pooled = torch.cat([h.mean(dim=1), h.amax(dim=1)], dim=1)
        return self.embedding(pooled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Projections ``(batch, latent)`` the loss compares."""
        return self.projection(self.embed(x))

    def loss(
        self,
        views: torch.Tensor,
        *,
        groups: torch.Tensor,
        targets: torch.Tensor | None = None,
        distill: float = 0.0,
        **_,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(loss, projections)`` of ``views [shape=(n, 1, n_mels, frames)]``; ``groups [shape=(n,)]`` is
        the track of each view (views of one track are positives of each other). With
        ``targets [shape=(n, teacher_dim)]`` and a ``distill`` weight, the loss adds
        ``distill × (1 − cos)`` between the teacher head's prediction and each view's target."""
        e = self.embed(views)
        z = self.projection(e)
        loss = contrastive_loss(z, groups, temperature=self.temperature)
        if distill and targets is not None:
            if self.teacher_head is None:
                raise ValueError("this encoder has no teacher head (built with teacher_dim=0)")
            predicted = self.teacher_head(e).float()
            cos = nn.functional.cosine_similarity(predicted, targets.float(), dim=1)
            loss = loss + distill * (1 - cos).mean()
        return loss, z


def contrastive_loss(
    z: torch.Tensor, groups: torch.Tensor, *, temperature: float = 0.1
) -> torch.Tensor:
    """Multi-positive InfoNCE over L2-normalised ``z [shape=(n, d)]``.

    For each row i: ``-mean_{p ∈ P(i)} log( exp(s_ip/τ) / Σ_{a ≠ i} exp(s_ia/τ) )`` with ``s`` the
    cosine similarity and ``P(i)`` the other rows of ``groups[i]``; rows with no positive are left
    out. With exactly two rows per group this is NT-Xent (SimCLR).
    """
    z = nn.functional.normalize(z.float(), dim=1)
    logits = z @ z.T / temperature
    n = len(z)
    self_mask = torch.eye(n, dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(self_mask, float("-inf"))
    log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    positive = (groups[:, None] == groups[None, :]) & ~self_mask
    n_pos = positive.sum(dim=1)
    has_pos = n_pos > 0
    if not bool(has_pos.any()):
        raise ValueError("contrastive_loss: no row has a positive")
    per_row = -(log_prob.masked_fill(~positive, 0.0).sum(dim=1))[has_pos] / n_pos[has_pos]
    return per_row.mean()


def augment(
    x: torch.Tensor,
    gen: torch.Generator,
    *,
    crop_frames: int = 128,
    aug: Augmentation = Augmentation(),
) -> torch.Tensor:
    """Random views of clips that keep "the same music".

    ``x [shape=(n, 1, n_mels, n_frames)]`` in [0, 1] → ``(n, 1, n_mels, crop_frames)``: a random time
    crop, then (with ``aug``'s strengths) a shift of the mel bands, a contrast change, a smooth
    random EQ, Gaussian noise, one time mask and one frequency mask (SpecAugment). Randomness
    comes from ``gen`` (a CPU generator), so a seeded run is reproducible on any device.
    """
    n, _, n_mels, n_frames = x.shape
    crop = min(crop_frames, n_frames)
    dev = x.device

    def rand(*shape):
        return torch.rand(*shape, generator=gen).to(dev)

    start = (
        (torch.rand(n, generator=gen) * (n_frames - crop + 1))
        .long()
        .clamp(max=n_frames - crop)
        .to(dev)
    )
    idx = start[:, None] + torch.arange(crop, device=dev)[None, :]
    out = torch.gather(x, 3, idx[:, None, None, :].expand(n, 1, n_mels, crop))
    if aug.max_shift:  # transpose: shift the mel bands by a few rows (edges repeated)
        shift = (torch.rand(n, generator=gen) * (2 * aug.max_shift + 1)).long().to(
            dev
        ) - aug.max_shift
        rows = (torch.arange(n_mels, device=dev)[None, :] - shift[:, None]).clamp(0, n_mels - 1)
        out = torch.gather(out, 2, rows[:, None, :, None].expand(n, 1, n_mels, crop))
    if aug.contrast:
        out = out * (1 + aug.contrast * (rand(n, 1, 1, 1) - 0.5)) + aug.contrast * 0.5 * (
            rand(n, 1, 1, 1) - 0.5
        )
    if aug.eq:
        bands = torch.linspace(0, torch.pi, n_mels, device=dev)
        out = out + sum(
            aug.eq * (rand(n, 1, 1, 1) - 0.5) * torch.cos(k * bands)[None, None, :, None]
            for k in (1, 2, 3)
        )
    if aug.noise:
        out = out + torch.randn(out.shape, generator=gen).to(dev) * (aug.noise * rand(n, 1, 1, 1))
    out = _mask(out, gen, axis=3, width=int(crop * aug.time_mask))
    return _mask(out, gen, axis=2, width=int(n_mels * aug.freq_mask))


def _mask(x: torch.Tensor, gen: torch.Generator, *, axis: int, width: int) -> torch.Tensor:
    """Set a random band of up to ``width`` rows (axis 2) or frames (axis 3) of each view to its mean."""
    n, size = x.shape[0], x.shape[axis]
    w = (torch.rand(n, generator=gen) * (width + 1)).long()
    start = (torch.rand(n, generator=gen) * (size - w + 1)).long()
    pos = torch.arange(size)[None, :]
    band = ((pos >= start[:, None]) & (pos < (start + w)[:, None])).to(x.device)
    shape = [n, 1, 1, 1]
    shape[axis] = size
    band = band.view(shape)
    mean = x.mean(dim=(2, 3), keepdim=True)
    return torch.where(band, mean, x)
