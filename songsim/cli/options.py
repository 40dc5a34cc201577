"""Argument types and options the CLI's commands share."""

from __future__ import annotations

from ..errors import SongsimError

KIND_HELP = (
    "embedding: raw, pca, mfcc, cae, vae, contrastive, musicnn or fused (contrastive ‖ musicnn), "
    "or a model at another latent size such as cae@32 (default: contrastive)"
)


def kind_name_arg(text: str) -> str:
    """argparse type of an embedding name (``kind`` or ``kind@latent``)."""
    import argparse

    from ..embeddings.kinds import split_kind

    try:
        split_kind(text)
    except SongsimError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def random_state_option(s) -> None:
    s.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="N",
        help="seed for every random choice (default 0)",
    )


def positive(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def clips_arg(text: str) -> int:
    """argparse type of ``--clips``: 1 to :attr:`~songsim.limits.Limits.clips_per_track`."""
    import argparse

    from ..limits import check_clips

    try:
        return check_clips(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
    except SongsimError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def scheduler_option(s, help: str) -> None:
    """``--scheduler ADDRESS`` (and its older name ``--cluster``): a Dask cluster to run on."""
    s.add_argument("--scheduler", "--cluster", dest="scheduler", metavar="ADDRESS", help=help)
