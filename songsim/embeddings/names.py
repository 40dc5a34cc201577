"""The embedding kinds by name: which there are, which have a model, which is the default."""

from __future__ import annotations

from ..errors import SongsimError

KINDS = (
    "raw",
    "pca",
    "mfcc",
    "cae",
    "vae",
    "contrastive",
    "musicnn",
    "musicnn-mtt",
    "vgg-msd",
    "vgg-mtt",
    "fused",
    "ensemble",
)
MODEL_KINDS = ("cae", "vae", "contrastive")
#: The pretrained taggers of the musicnn wheel: kind → (weights folder, the layer embedded).
TAGGERS = {
    "musicnn": ("musicnn-msd", "mean_pool"),
    "musicnn-mtt": ("musicnn-mtt", "mean_pool"),
    "vgg-msd": ("vgg-msd", "pool5"),
    "vgg-mtt": ("vgg-mtt", "pool5"),
}
#: Kinds joined from others (each part unit length): nothing of their own is stored.
COMPOSITES = {
    "fused": ("contrastive", "musicnn"),
    "ensemble": ("contrastive", "musicnn", "musicnn-mtt", "vgg-msd", "vgg-mtt"),
}
#: Kinds that listen to the source audio again (slow: scored only when asked for by name).
AUDIO_KINDS = (*TAGGERS, *COMPOSITES)
#: The default first (the fast contrastive encoder), then the kinds from best to worst by
#: precision@10 and AMI on the real-music benchmark (docs/RESULTS.md).
PREFERENCE = (
    "contrastive",
    "fused",
    "ensemble",
    "musicnn",
    "vgg-mtt",
    "musicnn-mtt",
    "vgg-msd",
    "mfcc",
    "vae",
    "cae",
    "pca",
    "raw",
)


#: How a stored kind's clip vectors become track vectors (:mod:`songsim.embeddings.vectors`).
def split_kind(name: str) -> tuple[str, int | None]:
    """``"cae@32"`` → ``("cae", 32)``; a plain kind → ``(kind, None)`` (the model's own size).

    Raises SongsimError for an unknown kind, or a size on a kind without a model."""
    kind, at, size = name.partition("@")
    if kind not in KINDS:
        raise SongsimError(f"unknown embedding '{name}' (choose from {', '.join(KINDS)})")
    if not at:
        return kind, None
    if kind not in MODEL_KINDS or not size.isdigit() or int(size) < 1:
        raise SongsimError(
            f"embedding '{name}': only {', '.join(MODEL_KINDS)} take a latent size (e.g. cae@32)"
        )
    return kind, int(size)


def kind_name(kind: str, latent: int | None = None) -> str:
    """The name of ``kind`` at ``latent``: the plain kind at its default size, else ``kind@latent``."""
    from ..models import DEFAULT_LATENT

    if latent is None or kind not in MODEL_KINDS or latent == DEFAULT_LATENT[kind]:
        return kind
    return f"{kind}@{latent}"


def best_kind(kinds) -> str:
    """The best of ``kinds`` by :data:`PREFERENCE` (the default embedding everywhere)."""
    kinds = list(kinds)
    for kind in PREFERENCE:
        for name in kinds:  # the model's own size first, as available_kinds lists them
            if split_kind(name)[0] == kind:
                return name
    raise SongsimError("no embedding kind to choose from")
