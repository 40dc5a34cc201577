"""Convolutional autoencoder and VAE over 1×96×216 log-mel clips (PyTorch)."""
from .cae import ConvAutoencoder
from .vae import VariationalAutoencoder

MODELS = {"cae": ConvAutoencoder, "vae": VariationalAutoencoder}

__all__ = ["ConvAutoencoder", "VariationalAutoencoder", "MODELS"]
