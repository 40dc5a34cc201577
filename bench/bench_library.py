"""songsim on a library: time and memory of every command and step at N tracks.

Libraries are built from real audio without copying it: the pre-training corpus's files
(``bench/pretrain.sh``) hard-linked under N / 827 folder names (``copy000/…``), and, for "adding
1 %", files of the evaluation corpus (``bench/realmusic.sh``) linked in — audio no version of the
library had. A library of spectrogram PNGs (one per distinct real track: its first 6 clips side by
side, 96 × 1,296) is linked the same way for sizes where decoding audio would take hours here.

Copies of one recording are one song (songsim folds them), and decoding and embedding happen
once per distinct content: the library's distinct tracks are few (827 + the added ones), so
these figures measure what a library's size costs — tables, hashing, shards, vectors, index,
sweeps, maps, pages — while ``--rebuild`` at 3,000 tracks measures decoding every file. Each
command runs in its own process, timed with its peak RSS (the largest process) and the peak sum
over the process and its workers.

    python bench/bench_library.py --work /tmp/lib --pretrain ~/pretrain/corpus \\
        --realmusic ~/realmusic/corpus --sizes 3000 30000 --png-sizes 100000 [--browser]

Prints one JSON line per library.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from _common import emit

ROOT = Path(__file__).resolve().parents[1]
AUDIO = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")


# -- measuring a command ---------------------------------------------------------------------------


def _tree_rss_kb(pid: int) -> int:
    """Resident memory (kB) of ``pid`` and every process below it."""
    children: dict[int, list[int]] = {}
    rss = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/status") as f:
                line = next((x for x in f if x.startswith("VmRSS:")), "VmRSS: 0 kB")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = int(line.split()[1])
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def measured(args: list[str], env: dict, *, cwd=ROOT) -> dict:
    """Run ``args`` under ``/usr/bin/time -v``: seconds, peak RSS of its largest process and
    the peak sum over its process tree (sampled every 0.2 s), exit code, output."""
    cmd = ["/usr/bin/time", "-v", *args]
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    done.set()
    seconds = time.perf_counter() - t
    rss = next(
        (int(x.split()[-1]) for x in err.splitlines() if "Maximum resident set size" in x), 0
    )
    return {
        "s": round(seconds, 2),
        "peak_rss_mb": round(rss / 1024, 1),
        "peak_tree_rss_mb": round(max(peak[0], rss) / 1024, 1),
        "rc": proc.returncode,
        "out": out.strip().splitlines()[-1:] if out.strip() else [],
        "err": [x for x in err.splitlines() if "songsim: error" in x][:1],
    }


def songsim(*args: str, cache: Path) -> dict:
    return measured(
        [sys.executable, "-m", "songsim", *args], {**os.environ, "SONGSIM_CACHE": str(cache)}
    )


def python(code: str, cache: Path) -> dict:
    """Run ``code`` (which prints one JSON line) in a fresh process, measured."""
    env = {**os.environ, "SONGSIM_CACHE": str(cache), "PYTHONPATH": str(ROOT)}
    r = measured([sys.executable, "-c", code], env)
    try:
        r["result"] = json.loads(r["out"][-1])
    except (IndexError, ValueError):
        r["result"] = None
    return r


# -- building libraries ----------------------------------------------------------------------------


def files_below(folder: Path, suffixes) -> list[Path]:
    return sorted(
        p for p in Path(folder).rglob("*") if p.suffix.lower() in suffixes and p.is_file()
    )


def link_library(lib: Path, sources: list[Path], base: Path, n: int, *, rename=None) -> int:
    """Hard-link ``sources`` (relative to ``base``) under ``lib/copy000/``, ``copy001/``… until
    ``n`` files; ``rename(path, copy)`` names a copy (default: the same name)."""
    made, copy = 0, 0
    while made < n:
        for src in sources:
            if made >= n:
                break
            rel = src.relative_to(base)
            if rename is not None:
                rel = rename(rel, copy)
            dst = lib / f"copy{copy:03d}" / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            if not dst.exists():
                os.link(src, dst)
            made += 1
        copy += 1
    return copy


def png_corpus(out: Path, cache: Path, datasets: list[str]) -> list[Path]:
    """One PNG a distinct real track (its first 6 clips side by side) from ingested datasets."""
    code = f"""
import json, numpy as np
from PIL import Image
from pathlib import Path
from songsim.data.store import load_dataset
out = Path({str(out)!r}); out.mkdir(parents=True, exist_ok=True)
n = 0
for name in {datasets!r}:
    ds = load_dataset(name)
    for row in range(ds.n_tracks):
        rows = ds.track_clips(row)[:6]
        if len(rows) < 6:
            continue
        img = np.concatenate(list(ds.clips.codes(rows)), axis=1)
        Image.fromarray(img, "L").save(out / f"{{name}}-{{row:05d}}.png")
        n += 1
print(json.dumps({{"pngs": n}}))
"""
    if not any(out.glob("*.png")):
        python(code, cache)
    return sorted(out.glob("*.png"))


# -- one library -----------------------------------------------------------------------------------

STEPS = """
import json, time, numpy as np
from songsim.data.store import load_dataset
from songsim.embeddings import embed
from songsim.embeddings.search import song_index, index_folder
from songsim.analysis.index import VectorIndex, content_keys
from songsim.steps import Flow, drawn_map
from songsim.params import MapParams, SweepParams
ds = load_dataset({name!r})
emb = embed(ds, "contrastive", train_if_missing=False)
out = {{"tracks": ds.n_tracks, "songs": int(len(np.unique(ds.songs)))}}
import shutil; shutil.rmtree(index_folder(ds), ignore_errors=True)
t = time.perf_counter(); index = song_index(ds, emb); out["index_build_s"] = round(time.perf_counter() - t, 2)
out["index"] = "exact" if index.exact else "hnsw"
from songsim.analysis.similar import nearest
exact = VectorIndex(emb.track, content_keys(ds.tracks["clips_hash"]), exact=True)
songs = ds.songs
first = np.unique(songs)  # one query per song, as similar songs asks: n=10, copies folded
rng = np.random.default_rng(0); q = rng.choice(first, min(300, len(first)), replace=False)
times, hits = [], []
for row in q:
    t = time.perf_counter(); rows, sims = nearest(emb.track, int(row), n=10, songs=songs, index=index); times.append((time.perf_counter() - t) * 1000)
    want, wsims = nearest(emb.track, int(row), n=10, songs=songs, index=exact)
    hits.append(float((sims >= wsims.min() - 1e-5).sum()) / max(len(wsims), 1))
out["query_ms_p50"] = round(float(np.median(times)), 3)
out["query_ms_p95"] = round(float(np.percentile(times, 95)), 3)
out["recall_at_10"] = round(float(np.mean(hits)), 4)
X = emb.track
flow = Flow(given={{"track_vectors": X}})
t = time.perf_counter(); sweep = flow.get("k_sweep", sweep=SweepParams()); out["k_sweep_s"] = round(time.perf_counter() - t, 2)
out["k_sweep_note"] = SweepParams().fit(len(X)).note
if {tsne}:
    from songsim.cache import MemoryCache
    cached = Flow(cache=MemoryCache(), given={{"track_vectors": X}})
    t = time.perf_counter(); tm = drawn_map(cached, map=MapParams(perplexity=30)); out["tsne_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter(); drawn_map(cached, map=MapParams(perplexity=29), start=tm); out["tsne_new_perplexity_s"] = round(time.perf_counter() - t, 2)
t = time.perf_counter(); drawn_map(flow, map=MapParams(method="pca")); out["pca_map_s"] = round(time.perf_counter() - t, 2)
print(json.dumps(out))
"""


def bench_library(
    lib: Path, name: str, added: list[Path], added_base: Path, cache: Path, args, *, kind: str
) -> dict:
    flag = "--audio" if kind == "audio" else "--spectrograms"
    out = {"library": name, "kind": kind}
    out["ingest"] = songsim("ingest", flag, str(lib), "--name", name, cache=cache)
    out["reingest_unchanged"] = songsim("ingest", flag, str(lib), "--name", name, cache=cache)
    n_add = min(len(added), max(1, sum(1 for _ in lib.rglob("*.*")) // 100))
    for src in added[:n_add]:
        dst = lib / "added" / src.relative_to(added_base)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists():
            os.link(src, dst)
    out["ingest_add_1pct"] = songsim("ingest", flag, str(lib), "--name", name, cache=cache)
    out["added_files"] = n_add
    out["embed"] = songsim("embed", name, "--kind", "contrastive", cache=cache)
    out["info"] = songsim("info", name, cache=cache)
    first = None
    r = python(
        f"from songsim.data.store import load_dataset; import json; print(json.dumps(load_dataset({name!r}).tracks.track_id.iloc[5]))",
        cache,
    )
    first = r.get("result")
    out["similar_cold"] = songsim("similar", name, first, "--n", "10", cache=cache)
    out["steps"] = python(STEPS.format(name=name, tsne=not args.no_tsne), cache)
    if args.browser:
        out["browser"] = measured(
            [
                sys.executable,
                str(ROOT / "bench" / "bench_browser.py"),
                "--cache",
                str(cache),
                "--dataset",
                name,
                "--repeats",
                "3",
            ],
            {**os.environ},
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--work", type=Path, required=True, help="where libraries of links and the cache go"
    )
    ap.add_argument("--pretrain", type=Path, required=True, help="the pre-training corpus folder")
    ap.add_argument("--realmusic", type=Path, required=True, help="the evaluation corpus folder")
    ap.add_argument("--sizes", type=int, nargs="*", default=[3000, 30000], help="audio libraries")
    ap.add_argument("--png-sizes", type=int, nargs="*", default=[], help="PNG libraries")
    ap.add_argument(
        "--rebuild-at",
        type=int,
        default=3000,
        help="also time --rebuild (every file decoded) at this size",
    )
    ap.add_argument("--browser", action="store_true", help="run bench_browser.py on each library")
    ap.add_argument("--no-tsne", action="store_true")
    ap.add_argument(
        "--steps-only",
        nargs="+",
        metavar="NAME",
        help="only the in-process steps, on libraries ingested before",
    )
    args = ap.parse_args()
    cache = args.work / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    if args.steps_only:
        for name in args.steps_only:
            emit(
                "library_steps",
                {
                    "library": name,
                    "steps": python(STEPS.format(name=name, tsne=not args.no_tsne), cache),
                },
            )
        return
    base = files_below(args.pretrain, AUDIO)
    extra = files_below(args.realmusic, AUDIO)
    for n in args.sizes:
        lib = args.work / f"lib{n}"
        link_library(lib, base, args.pretrain, n)
        result = bench_library(lib, f"lib{n}", extra, args.realmusic, cache, args, kind="audio")
        if n == args.rebuild_at:
            result["ingest_rebuild"] = songsim(
                "ingest", "--audio", str(lib), "--name", f"lib{n}", "--rebuild", cache=cache
            )
        emit("library", result)
    if args.png_sizes:
        for name, folder in (("pngsrc-pre", args.pretrain), ("pngsrc-real", args.realmusic)):
            songsim("ingest", "--audio", str(folder), "--name", name, cache=cache)
        pngs = png_corpus(args.work / "pngs", cache, ["pngsrc-pre"])
        new_pngs = png_corpus(args.work / "pngs-new", cache, ["pngsrc-real"])
        for n in args.png_sizes:
            lib = args.work / f"png{n}"
            link_library(
                lib,
                pngs,
                args.work / "pngs",
                n,
                rename=lambda rel, c: rel.with_name(f"{rel.stem}-{c:03d}.png"),
            )
            emit(
                "library",
                bench_library(
                    lib,
                    f"png{n}",
                    new_pngs,
                    args.work / "pngs-new",
                    cache,
                    args,
                    kind="spectrograms",
                ),
            )


if __name__ == "__main__":
    main()
