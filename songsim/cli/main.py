"""``python -m songsim``: the command line.

Every command has ``--help``. A user error (bad file, unknown dataset, wrong option) prints one
line on stderr and exits with status 2; long work shows a progress bar on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import SongsimError
from .options import (
    clips_arg,
    cluster_of,
    graph_options,
    positive,
    scheduler_option,
    server_options,
)
from .output import print_json

# -- commands ----------------------------------------------------------------------------------


def cmd_demo(args) -> None:
    from ..catalog import dataset_info, ensure_demo

    ds = ensure_demo(rebuild=args.rebuild)
    info = dataset_info(ds)
    print(
        f"demo: {info['tracks']} tracks, {info['clips']} clips, {info['playlists']} playlists, "
        f"{info['labels']} styles; graph {info['graph']['nodes']} nodes, {info['graph']['edges']} edges"
    )


def cmd_ingest(args) -> None:
    from ..catalog import ingest
    from ..progress import terminal_callback

    if args.scheduler and args.audio is None:
        raise SongsimError("--scheduler decodes audio: use it with --audio")
    server = _linked_server(args.name, args.password_file)
    with cluster_of(args.scheduler) as client:
        ds = ingest(
            args.name,
            audio=args.audio,
            spectrograms=args.spectrograms,
            playlists=args.playlists or [],
            labels_from_parent={"parent": True, "none": False}.get(args.labels),
            n_clips=args.clips,
            rebuild=args.rebuild,
            client=client,
            server=server,
            progress=terminal_callback(),
        )
    from ..data.library import Change

    s = ds.summary()
    change = Change(**ds.info["last_update"])
    dups = f" ({s['duplicates']} duplicate paths)" if s["duplicates"] else ""
    print(
        f"{args.name}: {s['tracks']} tracks, {s['songs']} songs{dups}, {s['clips']} clips, "
        f"{s['playlists']} playlists, {s['labels']} labels — {change.line()}"
    )
    if s["unmatched_playlist_entries"]:
        print(f"  {s['unmatched_playlist_entries']} playlist entries matched no ingested track")
    if ds.info.get("link"):
        from .server import link_line

        how = "read again" if server else "its songs as last read, matched again"
        print(f"  {link_line(args.name, ds.info['link'])} ({how})")
    for skipped in ds.info.get("skipped_files", [])[:20]:
        print(f"  skipped {skipped['file']}: {skipped['reason']}")
    if len(ds.info.get("skipped_files", [])) > 20:
        print(
            f"  … and {len(ds.info['skipped_files']) - 20} more (songsim info {args.name} --json)"
        )


def _linked_server(name: str, password_file):
    """A session with the music server dataset ``name`` is linked to, when it is and a password
    is at hand (an update then reads the server again); else None."""
    from ..data.store import read_manifest_of
    from ..linking import linked_client, server_secret

    try:
        link = read_manifest_of(name)[1].get("info", {}).get("link")
    except SongsimError:
        return None
    has_secret = password_file is not None or server_secret()
    return linked_client(link, name, password_file) if link and has_secret else None


def cmd_info(args) -> None:
    from ..catalog import dataset_info
    from ..data.store import load_dataset

    info = dataset_info(
        load_dataset(args.name), min_playlists=args.min_playlists, min_weight=args.min_weight
    )
    if args.json:
        print_json(info)
        return
    for key in (
        "name",
        "kind",
        "tracks",
        "songs",
        "duplicates",
        "clips",
        "playlists",
        "playlist_entries",
        "labels",
        "skipped_files",
        "unmatched_playlist_entries",
        "fingerprint",
    ):
        print(f"{key:28s} {info[key]}")
    g = info["graph"]
    print(
        f"{'graph':28s} {g['nodes']} nodes, {g['edges']} edges (largest component)"
        + (f" — {g['error']}" if "error" in g else "")
    )
    if "link" in info:
        from .server import link_line

        print(f"{'music server':28s} {link_line(args.name, info['link'])}")
    groups = list(info["duplicate_songs"].values())
    for paths in groups[:10]:
        print(f"{'one song, several paths':28s} {' | '.join(paths)}")
    if len(groups) > 10:
        print(f"{'':28s} … and {len(groups) - 10} more songs with copies (--json lists them all)")


def cmd_graph(args) -> None:
    from ..data.store import load_dataset
    from ..steps import dataset_graph

    if args.scheduler and args.edges is None:
        raise SongsimError(
            "--scheduler needs --edges DIR: the workers write the graph's blocks there"
        )
    if args.held_as_incidence and (args.edges or args.min_weight != 1):
        raise SongsimError("--incidence holds no edges: it takes neither --edges nor --min-weight")
    ds = load_dataset(args.name)
    if args.held_as_incidence:
        _graph_as_incidence(ds, args)
        return
    with cluster_of(args.scheduler) as client:
        g = dataset_graph(
            ds,
            min_playlists=args.min_playlists,
            min_weight=args.min_weight,
            edges_dir=args.edges,
            client=client,
        )
    out = {"name": args.name, **g.summary(), "edges_dir": str(args.edges) if args.edges else None}
    if args.json:
        print_json(out)
        return
    print(
        f"{args.name}: graph of {g.n_nodes} songs and {g.n_edges} edges (largest of "
        f"{g.n_components} components; {g.n_candidates} songs pass min_playlists={g.min_playlists})"
    )
    if args.edges:
        print(
            f"  edges (both directions, before the component is taken) in {args.edges}/rows-*.parquet"
        )


def _graph_as_incidence(ds, args) -> None:
    """``graph --incidence``: the graph held as its playlist incidence, its leading-eigenvector
    communities and (with ``--count-edges``) its edge count."""
    from ..analysis.communities import detect
    from ..steps import dataset_incidence_graph

    g = dataset_incidence_graph(ds, min_playlists=args.min_playlists)
    result = detect(g, max_communities=args.max_communities)
    out = {
        "name": args.name,
        **g.summary(),
        "edges": g.count_edges() if args.count_edges else None,
        "communities": result.n_communities,
        "community_sizes": result.sizes,
        "modularity": result.modularity,
    }
    if args.json:
        print_json(out)
        return
    edges = f"{out['edges']} edges, " if args.count_edges else ""
    print(
        f"{args.name}: graph of {g.n_nodes} songs ({edges}held as its playlist incidence); "
        f"{result.n_communities} communities, modularity {result.modularity:.4f}"
    )


def cmd_list(args) -> None:
    from ..config import cache_dir
    from ..data.store import list_datasets, read_summary

    names = list_datasets()
    if not names:
        print(f"no datasets in {cache_dir()} (try: python -m songsim demo)")
    for name in names:
        try:
            s = read_summary(name)
            print(
                f"{name:20s} {s['kind'] or '':12s} {s['tracks']:6d} tracks {s['clips']:7d} clips {s['playlists']:7d} playlists"
            )
        except SongsimError as exc:
            print(f"{name:20s} unreadable: {exc}")


# -- parser ------------------------------------------------------------------------------------

CLUSTER_HELP = (
    "a Dask scheduler (tcp://host:8786; its workers must see the same files) or local:N for N "
    "worker processes here"
)


def _graph_options(s) -> None:
    s.add_argument("name", help="dataset name (see 'list')")
    s.add_argument("--json", action="store_true", help="print JSON")
    graph_options(s, "min_playlists", "min_weight")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    p = argparse.ArgumentParser(
        prog="python -m songsim",
        description="Find similar songs from their audio alone and check them against playlists. "
        "Data lives under $SONGSIM_CACHE (default ./cache).",
        epilog="examples:\n"
        "  python -m songsim demo\n"
        "  python -m songsim ingest --audio ~/Music --labels parent --name mine\n"
        "  python -m songsim evaluate mine --json\n"
        "  python -m songsim similar demo demo/techno/0001 --n 5\n"
        "  python -m songsim tags demo --by community\n"
        "user errors print one line and exit with status 2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"songsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser(
        "demo",
        help="build the embedded demo dataset 'demo'",
        description="Build (or load) the synthetic demo corpus: 320 songs in 8 styles and 1,200 playlists.",
    )
    s.add_argument("--rebuild", action="store_true", help="rebuild even if it is in the cache")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser(
        "ingest",
        help="ingest a folder of audio or spectrograms, with playlists",
        description="Turn a folder into a dataset: audio (WAV, FLAC, OGG, Opus, MP3; scanned recursively) "
        "or DEEJ-A.I.-style PNG spectrograms named <track_id>.png, plus playlist files "
        "(CSV, MPD JSON[.gz|.zip], Exportify CSV, M3U/M3U8). Run it again on the same folder "
        "to update the dataset: files are known by path, size and time, then by content, and "
        "only new or changed ones are decoded; without --playlists an update reads the playlist "
        "files the dataset was made with.",
    )
    src = s.add_mutually_exclusive_group(required=True)
    src.add_argument("--audio", type=Path, metavar="DIR", help="folder of audio files")
    src.add_argument("--spectrograms", type=Path, metavar="DIR", help="folder of PNG spectrograms")
    s.add_argument(
        "--playlists",
        type=Path,
        nargs="+",
        metavar="PATH",
        help="playlist files linking the songs, or folders of them (e.g. the Million Playlist "
        "Dataset's data/ folder of mpd.slice.*.json)",
    )
    s.add_argument("--name", required=True, help="dataset name (letters, digits, _ . -)")
    s.add_argument(
        "--labels",
        choices=["parent", "none"],
        help="'parent': each track's label is its folder's name; 'none': no labels (an update "
        "keeps the choice the dataset was made with)",
    )
    s.add_argument(
        "--clips", type=clips_arg, metavar="N", help="clips per track (default 6, at most 64)"
    )
    s.add_argument(
        "--rebuild",
        action="store_true",
        help="start afresh: decode every file again (by default an existing dataset of this "
        "folder is updated: only new and changed files are decoded)",
    )
    scheduler_option(s, CLUSTER_HELP + "; decodes one file a task")
    server_options(s)
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser(
        "info",
        help="counts of a dataset and its song graph",
        description="Counts of a dataset: tracks, clips, playlists, labels, skipped files, unmatched "
        "playlist entries, and its song graph (largest connected component).",
    )
    _graph_options(s)
    s.set_defaults(func=cmd_info)

    s = sub.add_parser(
        "graph",
        help="build a dataset's song graph, optionally writing its edges (on a cluster)",
        description="Build the song graph (songs linked by shared playlists, largest component "
        "kept). With --edges DIR its edges are written there as Parquet row blocks "
        "(rows-<first>-<end>.parquet: source, target, weight); with --cluster the blocks are "
        "computed and written by the workers of a Dask cluster. With --incidence the graph is "
        "never built: it is held as its playlist incidence and its communities are found on it.",
    )
    _graph_options(s)
    s.add_argument("--edges", type=Path, metavar="DIR", help="write the edges here as Parquet")
    scheduler_option(s, CLUSTER_HELP)
    s.add_argument(
        "--incidence",
        dest="held_as_incidence",
        action="store_true",
        help="for graphs too big to hold (a Million-Playlist catalogue): keep only the playlist "
        "incidence B, use A = BᵀB − D on demand, and find leading-eigenvector communities",
    )
    s.add_argument(
        "--max-communities",
        type=positive,
        metavar="N",
        help="with --incidence: at most N communities",
    )
    s.add_argument(
        "--count-edges", action="store_true", help="with --incidence: count the edges too"
    )
    s.set_defaults(func=cmd_graph)

    s = sub.add_parser(
        "list", help="list the datasets in the cache", description="List the datasets in the cache."
    )
    s.set_defaults(func=cmd_list)

    from . import analysis, models, server, similar  # their commands import heavy modules when run

    models.add_commands(sub)
    analysis.add_commands(sub)
    similar.add_command(sub)
    server.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if (
        argv
        and argv[0].startswith("-")
        and argv[0].split("=")[0] not in ("-h", "--help", "--version")
    ):
        # argparse would first say that COMMAND is missing
        print(
            f"songsim: error: unknown option '{argv[0][:40]}' (python -m songsim --help)",
            file=sys.stderr,
        )
        return 2
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except SongsimError as exc:
        print(f"songsim: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except OSError as exc:  # the disk or the system said no (read-only, full, no permission)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"songsim: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("songsim: interrupted", file=sys.stderr)
        return 130
    return 0
