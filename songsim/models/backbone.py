"""The convolutional encoder and mirrored decoder both models share.

Encoder, for input ``[shape=(batch, 1, 96, 216)]``::

    4 × (Conv2d 3×3 stride 2 → BatchNorm → ReLU)   channels 16, 32, 64, 64
        96×216 → 48×108 → 24×54 → 12×27 → 6×14
    flatten (64·6·14 = 5 376) → Linear → features

Decoder: Linear → 64×6×14 → 4 × (ConvTranspose2d 4×4 stride 2 → BatchNorm → ReLU),
channels 64, 32, 16, 8 (6×14 → 96×224) → Conv2d 3×3 → sigmoid, cropped to 96×216.
"""

from __future__ import annotations

import math

import torch
from torch import nn

CHANNELS = (16, 32, 64, 64)


def _encoded_shape(n_mels: int, n_frames: int) -> tuple[int, int]:
    h, w = n_mels, n_frames
    for _ in CHANNELS:
        h, w = math.ceil(h / 2), math.ceil(w / 2)
    return h, w


class Encoder(nn.Module):
    """``(batch, 1, n_mels, n_frames)`` → ``(batch, out_features)``."""

    def __init__(self, out_features: int, input_shape: tuple[int, int] = (96, 216)):
        super().__init__()
        layers, c_in = [], 1
        for c in CHANNELS:
            layers += [
                nn.Conv2d(c_in, c, 3, stride=2, padding=1),
                nn.BatchNorm2d(c),
                nn.ReLU(inplace=True),
            ]
            c_in = c
        self.conv = nn.Sequential(*layers)
        h, w = _encoded_shape(*input_shape)
        self.fc = nn.Linear(CHANNELS[-1] * h * w, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.conv(x), 1))


class Decoder(nn.Module):
    """``(batch, latent)`` → ``(batch, 1, n_mels, n_frames)`` in [0, 1]."""

    def __init__(self, latent: int, input_shape: tuple[int, int] = (96, 216)):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.grid = _encoded_shape(*input_shape)
        self.fc = nn.Linear(latent, CHANNELS[-1] * self.grid[0] * self.grid[1])
        layers, c_in = [], CHANNELS[-1]
        for c in (64, 32, 16, 8):
            layers += [
                nn.ConvTranspose2d(c_in, c, 4, stride=2, padding=1),
                nn.BatchNorm2d(c),
                nn.ReLU(inplace=True),
            ]
            c_in = c
        layers += [nn.Conv2d(c_in, 1, 3, padding=1)]
        self.deconv = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.fc(z).view(-1, CHANNELS[-1], *self.grid)
        x = self.deconv(x)[..., : self.input_shape[0], : self.input_shape[1]]
        return torch.sigmoid(x)


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
