"""Hostile inputs replayed against the command line, as another person's files would reach it.

Each input is made on the spot (``bench/hostile_files.py``) and fed to ``python -m songsim`` in a
fresh process, writing to a dataset name that already holds a good dataset. Per input it reports
the exit code, the peak memory of the whole process tree (RSS summed over the CLI and its worker
processes, sampled every 20 ms), the seconds, the last line on stderr (or the skip it listed), and
whether the previous dataset is intact: unchanged after a refusal, complete after a success.

    python bench/bench_hostile.py [--work DIR] [--only NAME …]

Prints one JSON line: ``{"bench": "hostile", "inputs": [...], "max_peak_mb", "all_ok"}``; an
input is ok when it ended as expected (exit 2 with one line, or exit 0 with the skip listed)
within 1.5 GB. The reference is the limit itself: the issue's figures for the same inputs before
the resource policy are quoted in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.hostile_files import (  # noqa: E402
    deep_entry_m3u8,
    gzip_bomb,
    odd_audio_folder,
    ogg_claiming_rate,
    sparse_wav,
    spectrogram_folder,
)

LIMIT_MB = 1536
VICTIM = "victim"


def run_cli(args: list[str], cache: Path, *, timeout: float = 600) -> dict:
    """Run ``python -m songsim ARGS``; exit code, peak tree RSS (MB), seconds, stdout, stderr."""
    import psutil

    env = {**os.environ, "SONGSIM_CACHE": str(cache), "PYTHONWARNINGS": "ignore"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "songsim", *map(str, args)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )
        peak, root = 0, psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            if time.perf_counter() - t0 > timeout:
                proc.kill()
            time.sleep(0.02)
        seconds = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    return {
        "rc": proc.returncode,
        "peak_mb": round(peak / 2**20),
        "seconds": round(seconds, 2),
        "stdout": stdout,
        "stderr": stderr,
    }


def victim_state(cache: Path) -> tuple[str | None, str]:
    """``(fingerprint, state)`` of the victim dataset as a fresh process sees it."""
    code = (
        "from songsim.data.store import load_dataset\n"
        f"ds = load_dataset({VICTIM!r})\n"
        "assert len(ds.clips) == int(ds.clip_track.size) and ds.n_tracks > 0\n"
        "print(ds.fingerprint)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "SONGSIM_CACHE": str(cache)},
        capture_output=True,
        text=True,
    )
    return (
        (r.stdout.strip(), "readable")
        if r.returncode == 0
        else (None, "BROKEN: " + r.stderr.strip()[-200:])
    )


def make_inputs(work: Path) -> list[dict]:
    """The hostile inputs: ``{"name", "class", "args", "expect"}``; ``expect`` is 2 (refused) or
    ``"skip"`` (exit 0 and the file listed as skipped) or 0."""
    pngs = spectrogram_folder(work / "pngs", 6)
    inputs = []

    def add(name, cls, args, expect, **extra):
        inputs.append({"name": name, "class": cls, "args": args, "expect": expect, **extra})

    # 3. audio header bombs: listed as skipped beside a real track
    for name, make in (
        ("ogg-vorbis-claiming-200MHz", lambda d: ogg_claiming_rate(d / "bomb.ogg")),
        ("sparse-wav-40MHz", lambda d: sparse_wav(d / "bomb.wav", rate=40_000_000, seconds=30)),
        (
            "wav-declaring-1000-channels",
            lambda d: sparse_wav(d / "bomb.wav", rate=44100, seconds=10, channels=1000),
        ),
    ):
        d = work / name
        d.mkdir()
        make(d)
        sparse_wav(d / "real.wav", rate=22050, seconds=20)
        add(name, "audio header", ["ingest", "--audio", d, "--name", VICTIM], "skip", size=_du(d))
    d = work / "ten-hour-wav"
    d.mkdir()
    sparse_wav(d / "long.wav", rate=44100, seconds=10 * 3600)
    add(
        "ten-hour-wav (real work: 6 clips decoded)",
        "audio duration",
        ["ingest", "--audio", d, "--name", VICTIM],
        0,
    )
    # 4. compression bombs
    add(
        "gzip-bomb-128MB",
        "gzip bomb",
        [
            "ingest",
            "--spectrograms",
            pngs,
            "--playlists",
            gzip_bomb(work / "bomb.json.gz"),
            "--name",
            VICTIM,
        ],
        2,
    )
    zbomb = work / "bomb.zip"
    import zipfile

    with zipfile.ZipFile(zbomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.json", b" " * (128 * 2**20))
    add(
        "zip-bomb-128MB",
        "zip bomb",
        ["ingest", "--spectrograms", pngs, "--playlists", zbomb, "--name", VICTIM],
        2,
    )
    # 2. quadratic matching: over the line limit, and a long line under it (matched linearly)
    add(
        "m3u8-line-100KB",
        "entry matching",
        [
            "ingest",
            "--spectrograms",
            pngs,
            "--playlists",
            deep_entry_m3u8(work / "l100.m3u8"),
            "--name",
            VICTIM,
        ],
        2,
    )
    add(
        "m3u8-line-200KB",
        "entry matching",
        [
            "ingest",
            "--spectrograms",
            pngs,
            "--playlists",
            deep_entry_m3u8(work / "l200.m3u8", 100_000),
            "--name",
            VICTIM,
        ],
        2,
    )
    ok = work / "l30.m3u8"
    ok.write_bytes(b"#EXTM3U\n" + b"a/" * 16_000 + b"t0001.png\n" * 2000)
    add(
        "m3u8-2000-lines-of-32KB",
        "entry matching",
        ["ingest", "--spectrograms", pngs, "--playlists", ok, "--name", VICTIM],
        0,
    )
    # 5. integers
    for name, fname, data in (
        (
            "mpd-5000-digit-pid",
            "pid.json",
            b'{"playlists":[{"pid":' + b"9" * 5000 + b',"tracks":[]}]}',
        ),
        (
            "mpd-pos-1e20-integer",
            "pos.json",
            b'{"playlists":[{"pid":1,"tracks":[{"track_uri":"t0001","pos":100000000000000000000}]}]}',
        ),
        (
            "csv-position-2^63",
            "pos.csv",
            b"playlist_id,track_id,position\np,t0001,9223372036854775808\n",
        ),
        ("csv-position-2^31", "wrap.csv", b"playlist_id,track_id,position\np,t0001,2147483648\n"),
        ("json-200k-deep", "deep.json", b"[" * 200_000 + b"]" * 200_000),
    ):
        (work / fname).write_bytes(data)
        add(
            name,
            "parser integers",
            ["ingest", "--spectrograms", pngs, "--playlists", work / fname, "--name", VICTIM],
            2,
        )
    # 12. things that are not regular files
    fifo = work / "lists.m3u8"
    os.mkfifo(fifo)
    add(
        "playlists-/dev/zero",
        "not a file",
        ["ingest", "--spectrograms", pngs, "--playlists", "/dev/zero", "--name", VICTIM],
        2,
    )
    add(
        "playlists-fifo",
        "not a file",
        ["ingest", "--spectrograms", pngs, "--playlists", fifo, "--name", VICTIM],
        2,
    )
    add(
        "odd-files-named-wav",
        "not a file",
        ["ingest", "--audio", odd_audio_folder(work / "odd"), "--name", VICTIM],
        "skip",
    )
    deep = work / "deep"
    deep.joinpath(*["d"] * 100).mkdir(parents=True)
    sparse_wav(deep / "real.wav", rate=22050, seconds=20)
    add("folder-100-deep", "path depth", ["ingest", "--audio", deep, "--name", VICTIM], "skip")
    # images
    from PIL import Image

    pbomb = work / "pngbomb"
    spectrogram_folder(pbomb, 2)
    Image.new("1", (20_000, 20_000)).save(pbomb / "bomb.png", optimize=True)
    add(
        "png-20000x20000",
        "image pixels",
        ["ingest", "--spectrograms", pbomb, "--name", VICTIM],
        "skip",
        size=(pbomb / "bomb.png").stat().st_size,
    )
    # 11. numbers
    (work / "inf.txt").write_text("a b 1e309\nb c 1\n")
    (work / "huge.txt").write_text("a b 1e308\nb c 1e308\nc a 1\n")
    add(
        "edges-weight-1e309",
        "non-finite",
        ["communities", "--edgelist", work / "inf.txt", "--json"],
        2,
    )
    add(
        "edges-weights-1e308-leiden",
        "non-finite",
        ["communities", "--edgelist", work / "huge.txt", "--method", "leiden", "--json"],
        2,
    )
    add("similar-n-minus-3", "options", ["similar", VICTIM, "t0001", "--n", "-3"], 2)
    # 10. disks
    blocker = work / "a-file"
    blocker.write_text("x")
    add(
        "cache-under-a-file",
        "disk",
        ["ingest", "--spectrograms", pngs, "--name", VICTIM],
        2,
        cache=blocker / "cache",
    )
    return inputs


def _du(folder: Path) -> int:
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file())


def judge(inp: dict, r: dict) -> bool:
    """Ended as expected, within the memory limit: a refusal is exit 2 and one line (songsim's,
    or argparse's usage and error), a skip is exit 0 with the file listed."""
    lines = [line for line in r["stderr"].splitlines() if line.strip()]
    if inp["expect"] == 2:
        mine = len(lines) == 1 and lines[0].startswith("songsim: error:")
        usage = bool(lines) and lines[0].startswith("usage:") and ": error:" in lines[-1]
        shaped = r["rc"] == 2 and (mine or usage)
    elif inp["expect"] == "skip":
        shaped = r["rc"] == 0 and "skipped" in r["stdout"]
    else:
        shaped = r["rc"] == 0
    return shaped and r["peak_mb"] <= LIMIT_MB


def concurrent_ingests(work: Path, cache: Path, n: int = 4, trial: int = 0) -> dict:
    """``n`` ingests of 3,000 PNGs each (different folders) to one dataset name at once."""
    import psutil

    folders = [
        f if (f := work / f"conc{i}").is_dir() else spectrogram_folder(f, 3000, seed=10 + i)
        for i in range(n)
    ]
    env = {**os.environ, "SONGSIM_CACHE": str(cache)}
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "songsim", "ingest", "--spectrograms", f, "--name", VICTIM],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for f in folders
    ]
    peaks, peak_total = [0] * n, 0  # each writer's own peak (tree RSS), and all of them at once
    while any(p.poll() is None for p in procs):
        now = []
        for p in procs:
            try:
                pr = psutil.Process(p.pid)
                now.append(sum(x.memory_info().rss for x in [pr, *pr.children(recursive=True)]))
            except psutil.Error:
                now.append(0)
        peaks = [max(a, b) for a, b in zip(peaks, now)]
        peak_total = max(peak_total, sum(now))
        time.sleep(0.02)
    rcs = [p.returncode for p in procs]
    _, state = victim_state(cache)
    versions = [v.name for v in (cache / "datasets" / VICTIM).iterdir() if v.is_dir()]
    return {
        "name": f"{n}-concurrent-ingests-to-one-name (trial {trial + 1})",
        "class": "concurrent writers",
        "rc": rcs,
        "peak_mb": round(max(peaks) / 2**20),
        "peak_all_writers_mb": round(peak_total / 2**20),
        "seconds": round(time.perf_counter() - t0, 2),
        "previous": f"{state}, {len(versions)} version folder(s)",
        "ok": all(rc in (0, 2) for rc in rcs)
        and state == "readable"
        and len(versions) == 1
        and max(peaks) <= LIMIT_MB * 2**20,
    }


UPLOAD = r"""
import json, sys, pathlib
from songsim.io.playlists import read_playlists
from songsim.errors import PlaylistFormatError
from songsim.limits import for_an_upload
path = pathlib.Path(sys.argv[1]); data = path.read_bytes()
import gzip, io, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("w.json", '{"playlists": [{"pid": 1, "tracks": [{"track_uri": "spotify:track:A"}]}]}')
warm = {"csv": b"playlist_id,track_id\np,a\n", "m3u8": b"a.mp3\n", "zip": buf.getvalue()}
for ext, sample in warm.items():  # every reader once: first-use costs are not the upload's
    with for_an_upload():
        read_playlists("warm." + ext, sample)
import gc; gc.collect()
def rss():
    return int(next(x for x in open("/proc/self/status") if x.startswith("VmRSS")).split()[1]) * 1024
before, said = rss(), "read"
try:
    with for_an_upload():
        n = len(read_playlists(path.name, data))
    said = f"{n} entries"
except PlaylistFormatError as exc:
    said = str(exc)
peak = int(next(x for x in open("/proc/self/status") if x.startswith("VmHWM")).split()[1]) * 1024
text = len(data)
if path.suffix == ".zip":
    text = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
print(json.dumps({"bytes": len(data), "text_bytes": text,
                  "extra_mb": max(0, peak - before) / 2**20, "said": said[:120]}))
"""


def upload_files(work: Path) -> dict:
    """The uploads that cost 30–500 times their size before (issue figures in BENCHMARKS), and
    two real-shaped ones, written to ``work``."""
    import io
    import zipfile

    work.mkdir(parents=True, exist_ok=True)
    files = {}
    row = b"p," + b",".join(b"%02x" % (i % 256) for i in range(16_000_000)) + b"\n"
    files["deejai-one-row.csv"] = row
    rng = np.random.default_rng(0)
    junk = b",".join(b"[%d]" % d for d in rng.integers(0, 10, 10 * 2**20))  # 39 MiB of tiny lists
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for m in range(13):  # valid slices whose one playlist carries a field of tiny lists
            z.writestr(f"m{m}.json", b'{"playlists": [{"pid": %d, "tracks": [{"track_uri": '
                       b'"spotify:track:A"}], "junk": [' % m + junk + b"]}]}")  # fmt: skip
    files["lists-of-tiny-lists.zip"] = buf.getvalue()
    files["five-million-lines.m3u8"] = b"".join(b"t%d.mp3\n" % i for i in range(5_000_000))
    slice_ = {
        "playlists": [
            {
                "pid": p,
                "name": f"list {p}",
                "tracks": [
                    {"pos": j, "track_uri": f"spotify:track:{(p * 7 + j) % 40000:022d}",
                     "track_name": "t", "artist_name": "a", "album_name": "x", "duration_ms": 1}
                    for j in range(67)
                ],
            }
            for p in range(1000)
        ]
    }  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mpd.slice.0-999.json", json.dumps(slice_))
    files["mpd-slice-shaped.zip"] = buf.getvalue()
    files["big-plain.csv"] = b"playlist_id,track_id,title,artist\n" + b"".join(
        b"list%d,spotify:track:%022d,A song called %d,Artist %d\n" % (i // 60, i * 7919 % 300_000, i, i % 999)
        for i in range(190_000)
    )  # fmt: skip
    files["exportify.csv"] = b"Track URI,Track Name,Artist Name(s)\n" + b"".join(
        b"spotify:track:%022d,Song %d,Artist\n" % (i, i) for i in range(5000)
    )
    paths = {}
    for name, data in files.items():
        (work / name).write_bytes(data)
        paths[name] = work / name
    return paths


def upload_ratios(work: Path) -> list[dict]:
    """Extra memory (the peak over the resident memory before, every reader used once first) of
    reading each upload as the dashboard does, per byte uploaded and per byte of its text (a
    zip's members inflated)."""
    out = []
    for name, path in upload_files(work / "uploads").items():
        r = subprocess.run(
            [sys.executable, "-c", UPLOAD, str(path)], cwd=ROOT, capture_output=True, text=True
        )
        got = json.loads(r.stdout.strip().splitlines()[-1])
        got["ratio"] = round(got["extra_mb"] * 2**20 / got["bytes"], 2)
        got["ratio_to_text"] = round(got["extra_mb"] * 2**20 / max(got["text_bytes"], 1), 2)
        out.append({"name": name, **got})
        print(json.dumps(out[-1]), file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--work", type=Path, help="folder for the inputs and the cache (default: a temporary one)"
    )
    ap.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only inputs whose name contains one of these"
    )
    ap.add_argument(
        "--trials", type=int, default=4, help="rounds of concurrent ingests (default 4)"
    )
    ap.add_argument(
        "--uploads",
        action="store_true",
        help="only the dashboard's uploads: extra memory per uploaded byte",
    )
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="songsim-hostile-"))
    if args.uploads:
        ratios = upload_ratios(work)
        print(json.dumps({"bench": "hostile_uploads", "uploads": ratios,
                          "max_ratio": max(r["ratio"] for r in ratios)}))  # fmt: skip
        return
    cache = work / "cache"
    setup = run_cli(
        [
            "ingest",
            "--spectrograms",
            spectrogram_folder(work / "victim-pngs", 20, seed=99),
            "--name",
            VICTIM,
        ],
        cache,
    )
    assert setup["rc"] == 0, setup["stderr"]
    results = []
    for inp in make_inputs(work):
        if args.only and not any(o in inp["name"] for o in args.only):
            continue
        before, _ = victim_state(cache)
        r = run_cli(inp["args"], inp.get("cache", cache), timeout=300)
        after, state = victim_state(cache)
        if inp["expect"] == 2 or r["rc"] != 0:
            previous = "unchanged" if after == before else f"CHANGED ({state})"
        else:
            previous = "replaced, complete" if state == "readable" else state
        said = (
            next((line for line in r["stdout"].splitlines() if "skipped" in line), None)
            if inp["expect"] == "skip"
            else None
        )
        last = (said or (r["stderr"].strip().splitlines() or [""])[-1]).strip()
        ok = judge(inp, r) and not previous.startswith(("CHANGED", "BROKEN"))
        results.append(
            {
                "name": inp["name"],
                "class": inp["class"],
                "rc": r["rc"],
                "peak_mb": r["peak_mb"],
                "seconds": r["seconds"],
                "said": last[:160],
                "previous": previous,
                "ok": ok,
            }
        )
        print(
            f"{inp['name']:44s} rc={r['rc']} peak={r['peak_mb']:5d} MB {r['seconds']:6.1f}s {previous:20s} {last[:90]}",
            file=sys.stderr,
        )
    if not args.only or any("concurrent" in o for o in args.only):
        for trial in range(args.trials):
            results.append(concurrent_ingests(work, cache, trial=trial))
            print(json.dumps(results[-1]), file=sys.stderr)
    peaks = [r["peak_mb"] for r in results]
    print(
        json.dumps(
            {
                "bench": "hostile",
                "inputs": results,
                "max_peak_mb": max(peaks),
                "median_peak_mb": float(np.median(peaks)),
                "all_ok": all(r["ok"] for r in results),
            }
        )
    )


if __name__ == "__main__":
    main()
