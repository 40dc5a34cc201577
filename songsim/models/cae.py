"""Convolutional autoencoder: the latent vector of a clip is its embedding."""

from __future__ import annotations

import torch
from torch import nn

from .backbone import Decoder, Encoder


class ConvAutoencoder(nn.Module):
    """Encoder → latent ``(batch, latent)`` → decoder; trained to reconstruct its input (MSE).

    Parameters
    ----------
    latent : size of the embedding (default 64)
    input_shape : ``(n_mels, n_frames)`` of a clip (default 96×216)
    """

    kind = "cae"

    def __init__(self, latent: int = 64, input_shape: tuple[int, int] = (96, 216), **_):
        super().__init__()
        self.latent, self.input_shape = latent, tuple(input_shape)
        self.encoder = Encoder(latent, input_shape)
        self.decoder = Decoder(latent, input_shape)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, 1, n_mels, n_frames)`` → ``(batch, latent)``."""
        return self.encoder(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    def loss(
        self, x: torch.Tensor, *, kl_weight: float = 0.0, **_
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(loss, reconstruction)``: mean squared error per pixel."""
        recon = self(x)
        return nn.functional.mse_loss(recon.float(), x.float()), recon
