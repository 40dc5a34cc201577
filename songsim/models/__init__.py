"""Models over 1×96×216 log-mel clips (PyTorch): a convolutional autoencoder, a VAE and a
contrastive encoder.

Importing this package does not import torch: the model classes (and :data:`MODELS`) load on
first use, so a command that only reads stored vectors (``songsim similar``) stays light.
"""

#: Embedding size of each model when none is asked for.
DEFAULT_LATENT = {"cae": 64, "vae": 64, "contrastive": 128}
#: The models' names.
MODEL_NAMES = tuple(DEFAULT_LATENT)

_CLASSES = {
    "ConvAutoencoder": ".cae",
    "VariationalAutoencoder": ".vae",
    "ContrastiveEncoder": ".contrastive",
}


def __getattr__(name: str):
    import importlib

    if name in _CLASSES:
        return getattr(importlib.import_module(_CLASSES[name], __name__), name)
    if name == "MODELS":
        return {
            "cae": __getattr__("ConvAutoencoder"),
            "vae": __getattr__("VariationalAutoencoder"),
            "contrastive": __getattr__("ContrastiveEncoder"),
        }
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ConvAutoencoder",
    "VariationalAutoencoder",
    "ContrastiveEncoder",
    "MODELS",
    "MODEL_NAMES",
    "DEFAULT_LATENT",
]
