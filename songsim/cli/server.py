"""CLI commands for the user's music server: ``link`` (read its songs and playlists into a
dataset) and ``serve`` (answer its plugins' requests for similar songs over HTTP)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import SongsimError
from .options import KIND_HELP, integer, kind_name_arg, server_options

#: The environment variable holding ``serve``'s API token.
TOKEN_ENV = "SONGSIM_API_TOKEN"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def cmd_link(args) -> None:
    from ..data.link import parse_path_map
    from ..linking import connect, link, server_secret
    from ..progress import terminal_callback

    client = connect(args.subsonic, args.user, server_secret(args.password_file))
    path_map = parse_path_map(args.path_map) if args.path_map is not None else None
    ds, counts = link(args.name, client, path_map=path_map, progress=terminal_callback())
    print(link_line(ds.name, counts))


def link_line(name: str, c: dict) -> str:
    """One summary line of a link: matched, unmatched on each side (first few named), playlists."""
    line = (
        f"{name}: linked to {c['url']} as {c['user'] or 'an API key'} — {c['matched']} of "
        f"{c['server_songs']} server songs matched ({c['matched_by_tags']} by artist and title), "
        f"{c['playlists']} playlists read"
    )
    if c["server_songs_not_in_dataset"]:
        line += (
            f"; {c['server_songs_not_in_dataset']} server songs not in the dataset "
            f"(e.g. {', '.join(c['server_examples'][:3])})"
        )
    if c["tracks_not_on_server"]:
        line += (
            f"; {c['tracks_not_on_server']} tracks not on the server "
            f"(e.g. {', '.join(c['track_examples'][:3])})"
        )
    return line


def api_token(args) -> str | None:
    """``serve``'s token from ``--token-file`` or :data:`TOKEN_ENV`; None with ``--no-token``."""
    if args.no_token:
        if args.host not in LOOPBACK:
            raise SongsimError("--no-token only with --host 127.0.0.1: anyone else could ask")
        return None
    if args.token_file is not None:
        try:
            lines = args.token_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise SongsimError(f"{args.token_file}: cannot read the token file ({exc})") from None
        token = lines[0].strip() if lines else ""
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    if len(token) < 16:
        raise SongsimError(
            f"serve needs an API token of at least 16 characters: set {TOKEN_ENV} or pass "
            "--token-file (or --no-token with --host 127.0.0.1)"
        )
    return token


def cmd_serve(args) -> None:
    import uvicorn

    from ..service.api import create_app
    from ..service.library import Library

    token = api_token(args)
    library = Library(args.name, args.kind)
    served = library.load()
    print(
        f"songsim serve: {args.name} ({served.served.sum()} of {served.n_tracks} tracks served"
        f"{' by server id' if served.linked else ''}, {args.kind}) on http://{args.host}:{args.port}"
        f" — API docs at /docs{'' if token else '; no token asked'}",
        flush=True,
    )
    uvicorn.run(
        create_app(library, token=token), host=args.host, port=args.port, log_level="warning"
    )


def add_commands(sub) -> None:
    from ..embeddings import KINDS, best_kind

    s = sub.add_parser(
        "link",
        help="link a dataset to your music server (Subsonic/OpenSubsonic): its ids and playlists",
        description="Connect dataset NAME to a Subsonic or OpenSubsonic server (Navidrome, "
        "Ampache, gonic, Airsonic, supysonic…): read every song it has and match them to the "
        "dataset's tracks by path (then by artist and title), and read its playlists into the "
        "dataset's song graph. Run it again to refresh; an 'ingest' update of a linked dataset "
        "refreshes it too. The password is read from SONGSIM_SUBSONIC_PASSWORD (or an "
        "OpenSubsonic API key from SONGSIM_SUBSONIC_API_KEY) or --password-file, and is never "
        "stored.",
        epilog="example: SONGSIM_SUBSONIC_PASSWORD=… python -m songsim link mine "
        "--subsonic http://localhost:4533 --user alice --path-map /music=/home/alice/Music",
    )
    s.add_argument("name", help="dataset name (see 'list')")
    s.add_argument("--subsonic", required=True, metavar="URL", help="the server's address")
    s.add_argument("--user", metavar="USER", help="the user songsim logs in as")
    s.add_argument(
        "--path-map",
        nargs="*",
        metavar="SERVER_PREFIX=LOCAL_PREFIX",
        help="where the server sees the library under another folder: its paths starting with "
        "SERVER_PREFIX are read as starting with LOCAL_PREFIX (default: the previous link's)",
    )
    server_options(s)
    s.set_defaults(func=cmd_link)

    s = sub.add_parser(
        "serve",
        help="answer a music server's plugins: similar songs, song paths, similar artists (HTTP)",
        description="Serve dataset NAME over HTTP as AudioMuse-AI's API, so Navidrome's "
        "AudioMuse-AI plugin (Instant Mix, similar songs and artists, song paths), Ampache's "
        "and other clients ask songsim: GET /api/similar_tracks, /api/find_path, "
        "/api/similar_artists, /api/health; the OpenAPI page at /docs. A linked dataset answers "
        "by the server's song ids. Every request needs 'Authorization: Bearer TOKEN' with the "
        f"token from {TOKEN_ENV} or --token-file. The library is followed as it is updated.",
    )
    s.add_argument("name", help="dataset name (see 'list')")
    s.add_argument(
        "--kind", type=kind_name_arg, metavar="KIND", default=best_kind(KINDS), help=KIND_HELP
    )
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=integer(1, 65535), default=8000, help="port (default 8000)")
    s.add_argument(
        "--token-file", type=Path, metavar="FILE", help=f"the API token (default: ${TOKEN_ENV})"
    )
    s.add_argument(
        "--no-token",
        action="store_true",
        help="ask no token (only with --host 127.0.0.1: for a plugin on the same machine)",
    )
    s.set_defaults(func=cmd_serve)
