"""Fuzz run of the playlist readers: mutated valid files of every format.

Each case takes a valid seed file (plain CSV, DEEJ-A.I. rows, Exportify CSV, MPD JSON plain /
gzip / zip, M3U8), applies 1–4 random mutations (bit flips, truncation, inserted random bytes,
duplicated slices, a swapped encoding) and reads it. A crash is any exception other than
songsim's PlaylistFormatError; a hang is a case over 5 s. Reference: none — the figures are
cases, crashes, hangs and time.

Usage: python bench/bench_fuzz.py [--cases 10000] [--random-state 0]
"""

import argparse
import gzip
import io
import json
import time
import traceback
import zipfile

import numpy as np
from _common import emit

from songsim.errors import PlaylistFormatError
from songsim.io.playlists import read_playlists


def seeds() -> list[tuple[str, bytes]]:
    mpd = json.dumps(
        {
            "info": {},
            "playlists": [
                {
                    "pid": i,
                    "name": f"p{i}",
                    "tracks": [
                        {
                            "pos": j,
                            "track_uri": f"spotify:track:{i}{j}x",
                            "track_name": 'Ünï, "q"',
                            "artist_name": "A",
                        }
                        for j in range(5)
                    ],
                }
                for i in range(4)
            ],
        }
    ).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mpd.slice.json", mpd)
    return [
        (
            "plain.csv",
            b'\xef\xbb\xbfplaylist_id,track_id,title\r\np1,t1,"a, b"\r\np1,t2,x\r\np2,t1,y\r\n',
        ),
        ("deej.csv", b"p1,a,b,c\np2,c,d\np3,a,d,e\n"),
        (
            "Mix.csv",
            "Track URI,Track Name,Artist Name(s)\nspotify:track:AAA,Sóng,Ana\nspotify:track:BBB,Two,Bo\n".encode(),
        ),
        ("s.json", mpd),
        ("s.json.gz", gzip.compress(mpd)),
        ("s.zip", buf.getvalue()),
        ("l.m3u8", "#EXTM3U\n#EXTINF:10,Ana - Sóng\nmusic/a.mp3\nC:\\m\\b.flac\n".encode()),
    ]


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    b = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        op = rng.integers(6)
        if op == 0 and b:  # bit flips
            for i in rng.integers(0, len(b), size=int(rng.integers(1, 8))):
                b[i] ^= 1 << int(rng.integers(8))
        elif op == 1 and b:  # truncate
            del b[int(rng.integers(0, len(b))) :]
        elif op == 2:  # insert random bytes
            at = int(rng.integers(0, len(b) + 1))
            b[at:at] = rng.integers(0, 256, size=int(rng.integers(1, 64)), dtype=np.uint8).tobytes()
        elif op == 3 and b:  # duplicate a slice
            i, j = sorted(rng.integers(0, len(b), size=2))
            b[j:j] = b[i:j] * int(rng.integers(1, 50))
        elif op == 4:  # another encoding
            b = bytearray(
                bytes(b)
                .decode("utf-8", "replace")
                .encode(rng.choice(["utf-16", "latin-1", "utf-8"]), "replace")
            )
        else:  # special characters
            at = int(rng.integers(0, len(b) + 1))
            b[at:at] = rng.choice(
                [b"\x00", b'"', b"\n", b",", b"{", b"]", b"\r", b"#EXTINF:", b"\xff\xfe"]
            )
    return bytes(b)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--random-state", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.random_state)
    base = seeds()
    parsed = rejected = crashes = hangs = 0
    examples, slowest = [], 0.0
    t0 = time.perf_counter()
    for _ in range(args.cases):
        name, data = base[int(rng.integers(len(base)))]
        case = mutate(data, rng)
        t = time.perf_counter()
        try:
            read_playlists(name, case)
            parsed += 1
        except PlaylistFormatError:
            rejected += 1
        except Exception:
            crashes += 1
            if len(examples) < 5:
                examples.append({"file": name, "error": traceback.format_exc(limit=2)[-300:]})
        dt = time.perf_counter() - t
        slowest = max(slowest, dt)
        hangs += dt > 5
    emit(
        "playlist_fuzz",
        {
            "cases": args.cases,
            "parsed": parsed,
            "rejected_with_message": rejected,
            "crashes": crashes,
            "hangs": hangs,
            "seconds": time.perf_counter() - t0,
            "slowest_case_s": slowest,
            "crash_examples": examples,
        },
    )


if __name__ == "__main__":
    main()
