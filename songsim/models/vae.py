"""Variational autoencoder on the same backbone; the embedding is the posterior mean."""

from __future__ import annotations

import torch
from torch import nn

from .backbone import Decoder, Encoder


class VariationalAutoencoder(nn.Module):
    """Encoder → (μ, log σ²) → sample z = μ + σ·ε → decoder.

    The loss is the per-pixel MSE plus ``beta · kl_weight`` times the KL divergence to N(0, I)
    divided by the number of pixels (so β = 1 is the usual ELBO with a Gaussian likelihood of
    fixed variance); the trainer warms ``kl_weight`` up from 0 to 1.

    Parameters
    ----------
    latent : size of the embedding (default 64)
    beta : weight of the KL term (default 1.0)
    input_shape : ``(n_mels, n_frames)`` of a clip
    """

    kind = "vae"

    def __init__(
        self, latent: int = 64, input_shape: tuple[int, int] = (96, 216), beta: float = 1.0, **_
    ):
        super().__init__()
        self.latent, self.input_shape, self.beta = latent, tuple(input_shape), beta
        self.encoder = Encoder(2 * latent, input_shape)
        self.decoder = Decoder(latent, input_shape)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-20, 10)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, 1, n_mels, n_frames)`` → posterior means ``(batch, latent)``."""
        return self.encode(x)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Reconstruction from the posterior mean (deterministic)."""
        return self.decoder(self.embed(x))

    def loss(
        self, x: torch.Tensor, *, kl_weight: float = 1.0, **_
    ) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        recon = self.decoder(z)
        mse = nn.functional.mse_loss(recon.float(), x.float())
        kl = -0.5 * torch.mean(
            torch.sum(1 + logvar.float() - mu.float() ** 2 - logvar.float().exp(), dim=1)
        )
        n_pixels = x[0].numel()
        return mse + self.beta * kl_weight * kl / n_pixels, recon
