"""Argument types and options the CLI's commands share."""

from __future__ import annotations

from ..errors import SongsimError

KIND_HELP = (
    "embedding: raw, pca, mfcc, cae, vae, contrastive; the pretrained taggers musicnn (MSD "
    "tags), musicnn-mtt (MagnaTagATune tags), vgg-msd, vgg-mtt; fused (contrastive ‖ musicnn) or "
    "ensemble (contrastive ‖ the four taggers); or a model at another latent size such as "
    "cae@32 (default: contrastive)"
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
        type=seed,
        default=0,
        metavar="N",
        help="seed for every random choice (default 0; 0 to 4294967295)",
    )


def integer(low: int, high: int):
    """An argparse type: an integer from ``low`` to ``high``, checked where it is parsed."""
    import argparse

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low} to {high}")
        return value

    parse.__name__ = "integer"
    return parse


def number(low: float, high: float):
    """An argparse type: a finite number from ``low`` to ``high`` (no NaN, no infinity)."""
    import argparse
    import math

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is outside {low:g} to {high:g}")
        return value

    parse.__name__ = "number"
    return parse


#: An integer of at least 1 (bounded: a count no library needs more of is an error).
positive = integer(1, 10**9)
seed = integer(0, 2**32 - 1)
#: Sizes of a model's embedding and of its training.
latent_size = integer(1, 4096)
epochs = integer(1, 10_000)


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


def cluster_of(address: str | None):
    """The Dask client for ``--scheduler ADDRESS`` (closed on exit), or a context giving None
    without one."""
    if address is None:
        import contextlib

        return contextlib.nullcontext()
    from ..distributed import cluster

    return cluster(address)


def server_options(s, *, saving: bool = False) -> None:
    """``--password-file`` for commands that talk to the music server (the password is never
    an argument: it would show in the process list and the shell's history); with ``saving``,
    ``--save-to-server [NAME]`` and ``--replace PLAYLIST``."""
    from pathlib import Path

    s.add_argument(
        "--password-file",
        type=Path,
        metavar="FILE",
        help="the music server's password on the first line of FILE (default: the environment "
        "variable SONGSIM_SUBSONIC_PASSWORD, or SONGSIM_SUBSONIC_API_KEY for an OpenSubsonic "
        "API key)",
    )
    if not saving:
        return
    s.add_argument(
        "--save-to-server",
        nargs="?",
        const="",
        metavar="NAME",
        help="also save the songs as a playlist on the music server the dataset is linked to "
        "(songsim link); a playlist songsim made under that name is replaced, keeping its id",
    )
    s.add_argument(
        "--replace",
        metavar="PLAYLIST",
        help="with --save-to-server: overwrite this server playlist (a name or an id) even if "
        "songsim did not make it",
    )


def graph_options(s, *fields: str) -> None:
    """Options for the song graph's parameters ``fields`` (of
    :class:`~songsim.params.GraphParams`), their defaults GraphParams' own: one home."""
    import argparse

    from ..analysis.communities import METHODS
    from ..params import GraphParams

    default = GraphParams()
    options = {
        "method": dict(
            default=default.method,
            choices=list(METHODS),
            help=f"community method (default {default.method})",
        ),
        "refine": dict(
            action=argparse.BooleanOptionalAction,
            default=default.refine,
            help="Newman's vertex-moving refinement after the communities are found (default: "
            f"{'on' if default.refine else 'off'}; --no-refine gives the method as published)",
        ),
        "max_communities": dict(
            type=positive,
            default=default.max_communities,
            metavar="N",
            help="leading eigenvector: at most N communities per component (default: automatic)",
        ),
        "min_playlists": dict(
            type=positive,
            default=default.min_playlists,
            metavar="N",
            help=f"songs need at least N playlists to join the graph (default "
            f"{default.min_playlists}; the paper uses 10)",
        ),
        "min_weight": dict(
            type=positive,
            default=default.min_weight,
            metavar="W",
            help=f"edges need at least W shared playlists (default {default.min_weight})",
        ),
    }
    for field in fields:
        s.add_argument("--" + field.replace("_", "-"), **options[field])
