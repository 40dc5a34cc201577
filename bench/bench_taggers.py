"""The musicnn wheel's four taggers on real audio: one pass against one pass per tagger, and the
batch size's cost in time and memory.

Ingests CORPUS (a folder of audio; e.g. the corpus ``realmusic.sh`` builds) into a private cache
and hears its first N tracks' clip windows. The reference is each tagger on its own (each
decoding the audio, as four separate kinds would); songsim's ``tagger_clips`` hears them with
all four in one pass. Each configuration runs in a fresh process (peak RSS is per process):
CPU seconds per track (``time.process_time``) and the process's peak RSS, for one pass at each
batch size and for the four separate passes at the default batch.

Usage: python bench/bench_taggers.py CORPUS [--tracks 16] [--batches 64 16 4] [--cache DIR]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import emit

TAGGERS = ["musicnn", "musicnn-mtt", "vgg-msd", "vgg-mtt"]

ONE_RUN = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import songsim.models.musicnn as models
from songsim.data.store import load_dataset
from songsim.embeddings.musicnn import audio_refs, tagger_clips
batch, passes, n = {batch}, {passes!r}, {n}
models.BATCH = batch
run = models.run_tagger
models.run_tagger = lambda X, folder, batch=None: run(X, folder, batch=models.BATCH)
ds = load_dataset("corpus")
refs = audio_refs(ds, range(min(n, ds.n_tracks)))
t = time.process_time()
for kinds in passes:
    tagger_clips(refs, kinds)
cpu = (time.process_time() - t) / len(refs)
print(json.dumps({{"cpu_s_per_track": round(cpu, 3),
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}}))
"""


def run(root: Path, env: dict, batch: int, passes: list, n: int) -> dict:
    code = ONE_RUN.format(root=str(root), batch=batch, passes=passes, n=n)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--tracks", type=int, default=16)
    ap.add_argument("--batches", type=int, nargs="+", default=[64, 16, 4])
    ap.add_argument("--cache", type=Path, help="cache folder (default: a new temporary one)")
    args = ap.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="songsim-taggers-"))
    env = {**os.environ, "SONGSIM_CACHE": str(cache)}
    root = Path(__file__).resolve().parents[1]
    os.environ["SONGSIM_CACHE"] = str(cache)
    from songsim.catalog import ingest
    from songsim.data.store import load_dataset
    from songsim.errors import SongsimError
    from songsim.models.musicnn import BATCH

    try:
        load_dataset("corpus")
    except SongsimError:
        ingest("corpus", audio=args.corpus)
    results = {
        f"one pass, batch {b}": run(root, env, b, [TAGGERS], args.tracks) for b in args.batches
    }
    results[f"four passes (reference), batch {BATCH}"] = run(
        root, env, BATCH, [[k] for k in TAGGERS], args.tracks
    )
    emit("taggers", {"corpus": str(args.corpus), "tracks": args.tracks, "results": results})


if __name__ == "__main__":
    main()
