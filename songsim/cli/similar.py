"""CLI command ``similar``: a song's nearest songs, a playlist grown from it, or a path to another
song — printed, written as playlist files, or saved to the linked music server."""

from __future__ import annotations

from pathlib import Path

from .options import KIND_HELP, kind_name_arg, number, positive, server_options
from .output import print_json

#: Songs in a path (``--to``) by default, its two ends included.
PATH_LENGTH = 12


def cmd_similar(args) -> None:
    from ..data.store import load_dataset
    from ..errors import SongsimError
    from ..search import grown_playlist, similar_songs, song_path

    ds = load_dataset(args.name)
    q = ds.track_row(args.track_id)
    t = ds.tracks
    about = f"{args.track_id} ({_song(t, q)}) by {args.kind}"
    if sum(x is not None for x in (args.grow, args.to)) > 1:
        raise SongsimError("give either --grow or --to, not both")
    sims = None
    if args.to is not None:
        end = ds.track_row(args.to)
        rows = song_path(
            ds,
            args.kind,
            q,
            end,
            length=args.n or PATH_LENGTH,
            keep_duplicates=args.keep_duplicates,
        )
        what, name = (
            f"a path from {about} to {args.to}",
            f"songsim — {t.title.iloc[q]} to {t.title.iloc[end]}",
        )
    elif args.grow:
        rows = grown_playlist(
            ds, args.kind, q, length=args.grow, keep_duplicates=args.keep_duplicates
        )
        if args.dj_order:
            from ..describing import dj_order, track_descriptors

            rows = dj_order(list(rows), track_descriptors(ds))
        what, name = f"a playlist grown from {about}", f"songsim — {t.title.iloc[q]}"
    else:
        idx, sims = similar_songs(
            ds,
            args.kind,
            q,
            n=args.n or 10,
            keep_duplicates=args.keep_duplicates,
            allowed=_allowed(ds, q, args),
        )
        rows = [q, *map(int, idx)]  # as a playlist: the song asked about, then its nearest
        what, name = f"nearest to {about}", f"songsim — {t.title.iloc[q]}"
    shown = rows if sims is None else rows[1:]  # the nearest songs, without the one asked about
    if args.json:
        measured = _measures(ds)
        print_json(
            [
                {
                    "track_id": t.track_id.iloc[r],
                    "title": t.title.iloc[r],
                    "artist": t.artist.iloc[r],
                    **({} if sims is None else {"similarity": float(sims[i])}),
                    **({} if measured is None else measured[r]),
                }
                for i, r in enumerate(shown)
            ]
        )
    else:
        print(f"{what}:")
        for i, r in enumerate(shown):
            score = "" if sims is None else f"  {sims[i]:6.3f}"
            print(f"{score}  {t.track_id.iloc[r]}  {_song(t, r)}")
    _write_playlist(ds, rows, args, name=name)
    if args.save_to_server is not None:
        _save_to_server(ds, rows, args, default_name=name)


def _allowed(ds, row: int, args):
    """The tracks a tempo range or compatible keys allow (None: every track)."""
    if args.tempo_within is None and not args.compatible_keys:
        return None
    from ..describing import matching, track_descriptors
    from ..errors import SongsimError

    if args.grow or args.to:
        raise SongsimError("--tempo-within and --compatible-keys narrow the nearest songs only")
    table = track_descriptors(ds)
    return matching(table, row, tempo_within=args.tempo_within, keys=args.compatible_keys)


def _measures(ds) -> list[dict] | None:
    """Each track's stored tempo, key and loudness for the JSON output, or None when none is."""
    from ..describing import served_measures

    return served_measures(ds)


def _song(t, row: int) -> str:
    """``title — artist``, or the title alone when the artist is unknown."""
    artist = str(t.artist.iloc[row] or "").strip()
    return f"{t.title.iloc[row]} — {artist}" if artist else str(t.title.iloc[row])


def _write_playlist(ds, rows: list[int], args, *, name: str) -> None:
    """``--m3u8`` / ``--csv``: the listed songs as playlist files."""
    from ..io.export import playlist_csv, to_m3u8

    table = ds.tracks.iloc[list(rows)]
    if args.m3u8:
        paths = [ds.player_path(int(r), args.library_at) for r in rows]
        args.m3u8.write_text(to_m3u8(table, name=name, paths=paths), encoding="utf-8")
        print(f"wrote {args.m3u8} ({len(rows)} entries)")
    if args.csv:
        args.csv.write_text(playlist_csv(table, name=name), encoding="utf-8")
        print(f"wrote {args.csv} ({len(rows)} entries)")


def _save_to_server(ds, rows: list[int], args, *, default_name: str) -> None:
    """``--save-to-server [NAME]``: the songs as a playlist on the linked server."""
    from ..linking import linked_client, save_playlist

    client = linked_client(ds.info.get("link"), ds.name, args.password_file)
    done = save_playlist(
        ds, client, rows, args.save_to_server or default_name, replace=args.replace
    )
    how = "replaced" if done["replaced"] else "created"
    missing = f"; {done['missing']} not on the server, left out" if done["missing"] else ""
    print(f"{how} playlist '{done['name']}' on {client.url}: {done['songs']} songs{missing}")


def add_command(sub) -> None:
    from ..embeddings import KINDS, best_kind

    s = sub.add_parser(
        "similar",
        help="songs most similar to one song, a playlist grown from it, or a path to another",
        description="The N songs nearest to TRACK_ID by cosine similarity of an embedding "
        "(computed first with 'embed'; a library's vector index answers in milliseconds); with "
        "--grow a playlist grown from it; with --to a path of songs from it to another song. "
        "The songs can be written as playlist files or saved as a playlist on the music server "
        "the dataset is linked to (songsim link).",
        epilog="examples:\n  python -m songsim similar demo demo/techno/0001 --n 5\n"
        "  python -m songsim similar mine Rock/a.flac --to Jazz/b.flac --n 12 --m3u8 path.m3u8\n"
        "  python -m songsim similar mine Rock/a.flac --grow 20 --save-to-server 'Rock mix'",
        formatter_class=__import__("argparse").RawDescriptionHelpFormatter,
    )
    s.add_argument("name", help="dataset name (see 'list')")
    s.add_argument("track_id", help="the song's id, as 'info' and the dashboard show it")
    s.add_argument(
        "--kind", type=kind_name_arg, metavar="KIND", default=best_kind(KINDS), help=KIND_HELP
    )
    s.add_argument(
        "--n",
        type=positive,
        metavar="N",
        help=f"how many songs (default 10; with --to the path's length, ends included, default "
        f"{PATH_LENGTH})",
    )
    s.add_argument(
        "--keep-duplicates",
        action="store_true",
        help="list every copy of a recording (by default copies are one song, and copies of "
        "the song asked about are left out)",
    )
    s.add_argument(
        "--grow",
        type=positive,
        metavar="LENGTH",
        help="list a playlist of LENGTH songs grown from the song instead (each next song the "
        "one nearest to the mean of the last three)",
    )
    s.add_argument(
        "--to",
        metavar="TRACK_ID",
        help="list a path of songs from the song to this one instead: each the song nearest to "
        "the next of N evenly spaced points on the line between the two, none repeated",
    )
    s.add_argument(
        "--tempo-within",
        type=number(0.5, 50),
        metavar="PCT",
        help="only songs within PCT percent of its tempo, half or double tempo allowed (needs "
        "'songsim describe NAME' first)",
    )
    s.add_argument(
        "--dj-order",
        action="store_true",
        help="with --grow: order the playlist so that tempo and key move smoothly from the song "
        "(needs 'songsim describe NAME' first)",
    )
    s.add_argument(
        "--compatible-keys",
        action="store_true",
        help="only songs in a key it mixes into: the same, its relative, or one step round the "
        "Camelot wheel (needs 'songsim describe NAME' first)",
    )
    s.add_argument(
        "--json",
        action="store_true",
        help="print JSON (with tempo, key and loudness when measured)",
    )
    s.add_argument(
        "--m3u8",
        type=Path,
        metavar="FILE",
        help="also write the songs listed (the song asked about first) as an extended M3U8 "
        "playlist that media players open",
    )
    s.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="also write them as a playlist CSV (playlist_id, position, track_id, …) that "
        "'ingest --playlists' and the dashboard's upload read back",
    )
    s.add_argument(
        "--library-at",
        metavar="DIR",
        help="start the M3U8's paths at DIR, where the library's folder is on the computer that "
        "plays it (default: the audio files' absolute paths here)",
    )
    server_options(s, saving=True)
    s.set_defaults(func=cmd_similar)
