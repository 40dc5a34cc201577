"""Models over 1×96×216 log-mel clips (PyTorch): a convolutional autoencoder, a VAE and a
contrastive encoder."""

from .cae import ConvAutoencoder
from .contrastive import ContrastiveEncoder
from .vae import VariationalAutoencoder

MODELS = {"cae": ConvAutoencoder, "vae": VariationalAutoencoder, "contrastive": ContrastiveEncoder}
#: Embedding size of each model when none is asked for.
DEFAULT_LATENT = {"cae": 64, "vae": 64, "contrastive": 128}

__all__ = [
    "ConvAutoencoder",
    "VariationalAutoencoder",
    "ContrastiveEncoder",
    "MODELS",
    "DEFAULT_LATENT",
]
