"""CLI commands for analysis: evaluate, tags, communities (similar songs: :mod:`.similar`)."""

from __future__ import annotations

from pathlib import Path

from .options import (
    KIND_HELP,
    cluster_of,
    graph_options,
    kind_name_arg,
    positive,
    random_state_option,
    scheduler_option,
    server_options,
)
from .output import print_json


def cmd_evaluate(args) -> None:
    from ..data.store import load_dataset
    from ..params import GraphParams
    from ..progress import terminal_callback
    from ..steps import evaluate

    graph = GraphParams(min_playlists=args.min_playlists, method=args.method, refine=args.refine)
    out = evaluate(
        load_dataset(args.name),
        kinds=args.kinds,
        graph=graph,
        train_if_missing=args.train,
        progress=terminal_callback(),
    )
    if args.json:
        print_json(out)
        return
    g = out["graph"]
    if "error" in g:
        print(f"graph: {g['error']}")
    else:
        print(
            f"graph: {g['nodes']} nodes, {g['edges']} edges; {g['n_communities']} communities ({g['method']}), "
            f"modularity {g['modularity']:.3f}"
        )
    cols = [
        "best_k_silhouette",
        "elbow_k",
        "silhouette_at_best_k",
        "ami_communities",
        "ami_labels",
        "v_measure_labels",
        "precision_at_10",
    ]
    print(f"{'embedding':12s}" + "".join(f"{c:>22s}" for c in cols))
    for kind, e in out["embeddings"].items():
        print(f"{kind:12s}" + "".join(f"{_fmt(e.get(c)):>22s}" for c in cols))


def _fmt(v) -> str:
    return "—" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def cmd_communities(args) -> None:
    from ..analysis.communities import detect, read_edgelist

    g = read_edgelist(args.edgelist)
    res = detect(
        g,
        method=args.method,
        max_communities=args.max_communities,
        refine_partition=args.refine,
        random_state=args.random_state,
    )
    out = {
        "nodes": g.vcount(),
        "edges": g.ecount(),
        "method": res.method,
        "modularity": res.modularity,
        "n_communities": res.n_communities,
        "sizes": res.sizes,
        "note": res.note,
    }
    if args.json:
        out["membership"] = dict(zip(g.vs["name"], res.membership.tolist()))
        print_json(out)
    else:
        print(
            f"{res.method}: modularity {res.modularity:.4f}, {res.n_communities} communities, sizes {res.sizes}"
        )
        if res.note:
            print(f"note: {res.note}")


def cmd_tags(args) -> None:
    from ..analysis.tags import top_tags
    from ..cache import MemoryCache
    from ..data.store import load_dataset
    from ..embeddings.kinds import VOCABULARIES
    from ..progress import terminal_callback
    from ..steps import Flow

    if args.by == "track" and args.save_to_server is not None:
        from ..errors import SongsimError

        raise SongsimError(
            "--save-to-server saves clusters or communities: use --by cluster or community"
        )
    ds = load_dataset(args.name)
    vocabularies = list(VOCABULARIES) if args.vocabulary == "both" else [args.vocabulary]
    # each vocabulary's tags read once, for the tracks and the groups
    flow = Flow(ds, cache=MemoryCache(), progress=terminal_callback())
    probs = {v: flow.get("track_tags", vocabulary=v) for v in vocabularies}
    if args.by == "track":
        tops = {v: top_tags(p, args.n) for v, p in probs.items()}
        rows = [
            {"track_id": t, "title": ti, **{f"tags_{v}": tops[v][i] for v in vocabularies}}
            for i, (t, ti) in enumerate(zip(ds.tracks["track_id"], ds.tracks["title"]))
        ]
        if args.json:
            print_json(rows)
        else:
            for r in rows:
                words = " | ".join(f"{v}: {', '.join(r[f'tags_{v}'])}" for v in vocabularies)
                print(f"{r['track_id']}  {words}")
        return
    groups, what = _groups(flow, args)
    tables = {
        v: flow.get("group_tags", vocabulary=v, groups=groups, n_tags=args.n) for v in vocabularies
    }
    if args.save_to_server is not None:
        _save_groups(ds, groups, tables, args)
    if args.json:
        print_json(
            {
                "by": args.by,
                "what": what,
                "groups": {v: t.to_dict(orient="records") for v, t in tables.items()},
            }
        )
        return
    plural = {"cluster": "clusters", "community": "communities"}[args.by]
    print(f"{plural}: {what}; the tags that rise most above the corpus mean")
    first = tables[vocabularies[0]]
    for i, group in enumerate(first["group"]):
        print(f"  {args.by} {group}  ({first['size'].iloc[i]} tracks)")
        for v, table in tables.items():
            r = table.iloc[i]
            tags = ", ".join(f"{t} (+{lift:.2f})" for t, lift in zip(r.tags, r.lift)) or "—"
            print(f"      {VOCABULARY_WORDS[v]}: {tags}")


def _save_groups(ds, groups, tables, args) -> None:
    """``tags --save-to-server [PREFIX]``: each group as a playlist named by its tags."""
    from ..linking import linked_client, save_groups
    from ..progress import terminal_callback

    client = linked_client(ds.info.get("link"), ds.name, args.password_file)
    prefix = args.save_to_server or f"songsim {args.by}"
    first = next(iter(tables.values()))
    names = {
        group: f"{prefix} {group}: {', '.join(tags[:3])}" if len(tags) else f"{prefix} {group}"
        for group, tags in zip(first["group"], first["tags"])
    }
    for done in save_groups(ds, client, groups, names, progress=terminal_callback()):
        how = "replaced" if done["replaced"] else "created"
        print(f"  {how} playlist '{done['name']}' on {client.url}: {done['songs']} songs")


#: What each tag vocabulary describes.
VOCABULARY_WORDS = {"MSD": "genre, era (MSD)", "MTT": "instruments, voice, mood (MTT)"}


def _groups(flow, args):
    """The cluster or community of every track, and a line saying how they were found: the
    same steps as the dashboard (:mod:`songsim.steps`), k by default the best-silhouette k."""
    import numpy as np

    from ..params import GraphParams, SweepParams

    ds = flow.ds
    if args.by == "cluster":
        sweep = SweepParams(random_state=args.random_state)
        k = args.k or flow.get("k_sweep", kind=args.kind, sweep=sweep).best_k_
        labels = flow.get("cluster_labels", kind=args.kind, sweep=sweep, k=k)
        how = "k" if args.k else "k of the best silhouette"
        return labels, f"k-means, {how} = {k}, on the {args.kind} embedding"
    graph, res = flow.get("song_graph", graph=GraphParams(random_state=args.random_state))
    groups = np.full(ds.n_tracks, None, dtype=object)
    groups[graph.nodes] = res.membership
    return (
        groups,
        f"{res.method} on the song graph ({graph.n_nodes} songs in its largest component)",
    )


def cmd_describe(args) -> None:
    """``songsim describe NAME``: every track's tempo, key and loudness, measured first where
    they are not stored yet."""
    from ..data.store import load_dataset
    from ..describing import track_descriptors
    from ..progress import terminal_callback

    ds = load_dataset(args.name)
    with cluster_of(args.scheduler) as client:
        table = track_descriptors(ds, compute=True, client=client, progress=terminal_callback())
    table.insert(1, "title", ds.tracks["title"].to_numpy())
    table.insert(2, "artist", ds.tracks["artist"].to_numpy())
    if args.json:
        print_json(table.astype(object).where(table.notna(), None).to_dict(orient="records"))
    elif args.csv:
        from ..io.export import to_csv

        print(to_csv(table), end="")
    else:
        for r in table.itertuples():
            bpm = f"{r.tempo:6.1f} BPM" if r.tempo == r.tempo and r.tempo else "     ? BPM"
            key = f"{r.key} ({r.camelot})" if r.key else "key unknown"
            lufs = (
                f"{r.loudness:6.1f} LUFS" if r.loudness == r.loudness and r.loudness else "? LUFS"
            )
            name = f"{r.artist} — {r.title}" if r.artist else r.title
            print(f"{bpm}  {key:18s}  {lufs}  {r.track_id}  {name}")


def cmd_steps(args) -> None:
    """``songsim steps``: the step graph — each step, what it reads, its parameters."""
    from .. import steps  # noqa: F401  (every step declared)
    from ..flow import described

    if args.dashboard:
        from ..ui import figures, results  # noqa: F401  (the dashboard's steps too)
    rows = described()
    if args.json:
        print_json(rows)
        return
    for r in rows:
        reads = ", ".join(f"{i}?" if i in r["lazy"] else i for i in r["reads"]) or "—"
        params = ", ".join(p if d is None else f"{p}={d}" for p, d in r["params"].items())
        mark = " (volatile)" if r["volatile"] else " (shared)" if r["shared"] else ""
        print(f"{r['step']}{mark}\n    reads {reads}" + (f"\n    takes {params}" if params else ""))


def add_commands(sub) -> None:
    from ..embeddings import KINDS, best_kind

    s = sub.add_parser(
        "describe",
        help="every track's tempo (BPM), key (and Camelot code) and loudness (LUFS, LU)",
        description="Tempo, key and loudness of every track, measured from its decoded audio "
        "(the demo's tracks are rendered again) the first time and stored per file content, so "
        "an updated library measures only its new files. Tempo: librosa's tempogram with a "
        "prior at 120 BPM; key: chroma against Temperley's profile; loudness: EBU R128 "
        "integrated loudness and loudness range. Unknown (blank) where a track is too short or "
        "silent to measure.",
        epilog="examples: python -m songsim describe demo; "
        "python -m songsim describe mine --csv > mine-descriptors.csv",
    )
    s.add_argument("name", help="dataset name (see 'list')")
    form = s.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON: one object per track")
    form.add_argument(
        "--csv", action="store_true", help="print CSV (safe to open in a spreadsheet)"
    )
    scheduler_option(s, "measure on a Dask cluster (tcp://host:8786), as ingest and embed do")
    s.set_defaults(func=cmd_describe)

    s = sub.add_parser(
        "steps",
        help="the step graph: each step, what it reads and its parameters",
        description="Every step of songsim's step graph as it is declared in the code: what it "
        "reads (other steps; '?' when read only if needed) and the parameters it takes, with "
        "their defaults. The runner keys each result through these, so this is the graph "
        "every cache key follows.",
    )
    s.add_argument("--json", action="store_true", help="print JSON")
    s.add_argument("--dashboard", action="store_true", help="with the dashboard's charts")
    s.set_defaults(func=cmd_steps)

    s = sub.add_parser(
        "evaluate",
        help="score every embedding against communities and labels",
        description="For every available embedding: k sweep (best silhouette k, elbow k), k-means "
        "against the graph's communities and the labels (AMI, ARI, V-measure), and "
        "precision@10; plus the graph's modularity. Keys are documented in the README.",
    )
    s.add_argument("name", help="dataset name (see 'list')")
    s.add_argument("--json", action="store_true", help="print JSON (keys in the README)")
    graph_options(s, "method", "refine", "min_playlists")
    s.add_argument("--train", action="store_true", help="train models that have no checkpoint yet")
    s.add_argument(
        "--kinds",
        nargs="+",
        type=kind_name_arg,
        metavar="KIND",
        help="the embeddings to score (default: every available one but musicnn, which decodes "
        "the audio again; name it to score it)",
    )
    s.set_defaults(func=cmd_evaluate)

    s = sub.add_parser(
        "tags",
        help="musicnn tags per track, and the tags that set clusters or communities apart",
        description="Words for the groups: two pretrained musicnn taggers' tags for every track "
        "(heard from the audio, in one pass: the demo or an audio dataset) — the Million Song "
        "Dataset's 50 (genres, eras) and MagnaTagATune's 50 (instruments, voices, moods) — and "
        "per k-means cluster or playlist community the tags whose mean probability rises most "
        "above the corpus mean.",
        epilog="examples: python -m songsim tags demo --by community; "
        "python -m songsim tags demo --by cluster --k 8 --kind mfcc --json",
    )
    s.add_argument("name", help="dataset name")
    s.add_argument(
        "--by",
        choices=["track", "cluster", "community"],
        default="cluster",
        help="what to describe (default: cluster)",
    )
    s.add_argument(
        "--k",
        type=positive,
        help="clusters, with --by cluster (default: the k of the best silhouette, as the "
        "dashboard starts)",
    )
    s.add_argument(
        "--kind",
        type=kind_name_arg,
        metavar="KIND",
        default=best_kind(KINDS),
        help=KIND_HELP + "; with --by cluster",
    )
    s.add_argument("--n", type=positive, default=3, metavar="N", help="tags per group (default 3)")
    s.add_argument(
        "--vocabulary",
        choices=["MSD", "MTT", "both"],
        default="both",
        help="MSD: the Million Song Dataset's 50 tags (genres, eras); MTT: MagnaTagATune's 50 "
        "(instruments, voices, moods); both (default), heard in one pass",
    )
    random_state_option(s)
    s.add_argument("--json", action="store_true", help="print JSON")
    s.add_argument(
        "--save-to-server",
        nargs="?",
        const="",
        metavar="PREFIX",
        help="also save each cluster or community as a playlist on the music server the dataset "
        "is linked to, named 'PREFIX N: its tags' (default prefix 'songsim cluster'); songsim "
        "replaces only the playlists it made",
    )
    server_options(s)
    s.set_defaults(func=cmd_tags)

    s = sub.add_parser(
        "communities",
        help="communities of any edge list",
        description="Communities of a whitespace-separated edge list 'source target [weight]'.",
    )
    s.add_argument(
        "--edgelist",
        required=True,
        type=Path,
        metavar="FILE",
        help="whitespace-separated 'source target [weight]' lines; '#' starts a comment",
    )
    graph_options(s, "method", "max_communities", "refine")
    random_state_option(s)
    s.add_argument("--json", action="store_true", help="print JSON, with every node's community")
    s.set_defaults(func=cmd_communities)
