"""Tempo, key and loudness against ground truth no one here wrote, beside the references.

Ground truth from the pre-training corpus (``bash ../shared/corpora/pretrain.sh DEST``):

* the MIDI files it renders: their main tempo (the ``set_tempo`` in force longest, in seconds)
  and, where they carry one, their first key signature (mido reads them);
* the tracker modules' initial tempo where their header stores it (XM, IT, S3M: BPM × 6 / speed,
  i.e. four rows a beat; MOD stores none and is left out).

Scores: tempo Acc1 (within 4 %) and Acc2 (also at ½, 2, ⅓ and 3 times), the MIREX weighted key
score (1 same, 0.5 a fifth, 0.3 relative, 0.2 parallel), loudness and loudness range against
ffmpeg's ``ebur128`` on the same files. References in the same run: librosa's default tempo
(``librosa.feature.tempo``) and the textbook key finder (librosa's default chroma, STFT, against
Krumhansl–Kessler). Cost: CPU seconds of :func:`songsim.analysis.descriptors.describe` per track
beside what ingest spends reading the same track (``read_one``).

    python bench/bench_descriptors.py --corpus ~/.cache/songsim-pretrain/corpus [--limit N]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from songsim.analysis import descriptors as D  # noqa: E402

MIREX = {"same": 1.0, "fifth": 0.5, "relative": 0.3, "parallel": 0.2}


def source_bytes(extracted: Path, package: str, source: str) -> bytes:
    """The original file a render was made from (inside an archive when the path has a '!'),
    from the package's extracted files, else from its .deb kept beside them (``DEST/debs``)."""
    path, _, member = source.partition("!")
    data = _package_file(extracted, package, path)
    if member:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.read(member)
    return data


def _package_file(extracted: Path, package: str, path: str) -> bytes:
    on_disk = extracted / package / path
    if on_disk.is_file():
        return on_disk.read_bytes()
    import tarfile

    (deb,) = sorted((extracted.parent / "debs").glob(f"{package}_*.deb"))[-1:]
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(tar.stdout)) as t:
        return t.extractfile(f"./{path}").read()


def midi_truth(data: bytes) -> tuple[float | None, tuple[int, bool] | None]:
    """``(main BPM, (tonic, minor) of the first key signature or None)`` of a MIDI file."""
    import mido

    mid = mido.MidiFile(file=io.BytesIO(data))
    tempo, elapsed, held = 500000, 0.0, {}
    key = None
    for msg in mido.merge_tracks(mid.tracks):
        if msg.time:
            seconds = mido.tick2second(msg.time, mid.ticks_per_beat, tempo)
            held[tempo] = held.get(tempo, 0.0) + seconds
            elapsed += seconds
        if msg.type == "set_tempo":
            tempo = msg.tempo
        elif msg.type == "key_signature" and key is None:
            key = parse_key(msg.key)
    if not held:
        return None, key
    main = max(held, key=held.get)
    return 60e6 / main, key


def parse_key(text: str) -> tuple[int, bool]:
    minor = text.endswith("m")
    name = text[:-1] if minor else text
    names = {n: i for i, n in enumerate(D.PITCHES)}
    names.update(
        {"Db": 1, "D#": 3, "Gb": 6, "G#": 8, "A#": 10, "Cb": 11, "E#": 5, "Fb": 4, "B#": 0}
    )
    return names[name], minor


def module_tempo(data: bytes, suffix: str) -> float | None:
    """A tracker module's initial tempo in BPM (four rows a beat), where its header keeps it."""
    suffix = suffix.lower()
    if suffix == "xm" and data[:17] == b"Extended Module: ":
        speed, bpm = struct.unpack_from("<HH", data, 0x4C)
    elif suffix == "it" and data[:4] == b"IMPM":
        speed, bpm = data[0x32], data[0x33]
    elif suffix == "s3m" and data[0x2C:0x30] == b"SCRM":
        speed, bpm = data[0x31], data[0x32]
    else:
        return None
    return bpm * 6 / speed if speed and bpm >= 32 else None


def tempo_hits(estimate: float | None, truth: float) -> tuple[bool, bool]:
    if not estimate:
        return False, False
    acc1 = abs(estimate - truth) <= 0.04 * truth
    acc2 = any(abs(estimate - truth * f) <= 0.04 * truth * f for f in (1, 0.5, 2, 1 / 3, 3))
    return acc1, acc2


def key_score(estimate: tuple[int, bool] | None, truth: tuple[int, bool]) -> float:
    if estimate is None:
        return 0.0
    (et, em), (tt, tm) = estimate, truth
    if (et, em) == (tt, tm):
        return MIREX["same"]
    if em == tm and (et - tt) % 12 in (5, 7):
        return MIREX["fifth"]
    if em != tm and ((not tm and et == (tt + 9) % 12) or (tm and et == (tt + 3) % 12)):
        return MIREX["relative"]
    if em != tm and et == tt:
        return MIREX["parallel"]
    return 0.0


def parsed(name: str | None) -> tuple[int, bool] | None:
    if not name:
        return None
    pitch, mode = name.split()
    return D.PITCHES.index(pitch), mode == "minor"


def ebur128(path: Path) -> tuple[float, float]:
    """ffmpeg's integrated loudness (LUFS) and loudness range (LU) of a file."""
    err = subprocess.run(
        ["ffmpeg", "-nostats", "-i", str(path), "-filter_complex", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
    ).stderr
    summary = err[err.rfind("Summary:") :]
    return (
        float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary)[1]),
        float(re.search(r"LRA:\s+(-?[\d.]+) LU", summary)[1]),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="the pre-training corpus folder")
    ap.add_argument("--extracted", type=Path, help="its packages' files (default: CORPUS/../x)")
    ap.add_argument("--limit", type=int, default=0, help="at most N files of each source")
    args = ap.parse_args()
    import librosa
    import soundfile as sf

    from songsim.config import AudioParams
    from songsim.data.reading import read_one

    extracted = args.extracted or args.corpus.parent / "x"
    rows = [
        line.split("\t") for line in (args.corpus / "MANIFEST.tsv").read_text().splitlines()[1:]
    ]
    cases, left_out = [], 0
    for package, file, _, _, _, _, made, source in rows:
        kind = "midi" if made.startswith("timidity") else "module" if "openmpt" in made else None
        if kind is None:
            continue
        try:
            data = source_bytes(extracted, package, source)
            if kind == "midi":
                bpm, key = midi_truth(data)
            else:
                bpm, key = module_tempo(data, source.rsplit(".", 1)[-1]), None
        except Exception as exc:  # a file mido cannot parse is left out, and counted
            print(f"left out {package}/{file}: {exc}", file=sys.stderr)
            left_out += 1
            continue
        if bpm or key:
            cases.append((kind, args.corpus / package / file, bpm, key))
    if args.limit:
        cases = [c for k in ("midi", "module") for c in cases if c[0] == k][: args.limit * 2]
    out = {"files": len(cases), "left_out": left_out}
    acc = {n: {"acc1": [], "acc2": []} for n in ("ours", "librosa")}
    keys = {"ours": [], "reference": []}
    loud, ranges, ours_s, ingest_s = [], [], [], []
    for _kind, path, bpm, key in cases:
        y, sr = sf.read(str(path), dtype="float32", always_2d=True)
        t = time.process_time()
        d = D.describe(y, sr)
        ours_s.append(time.process_time() - t)
        t = time.process_time()
        read_one(str(path), path.name, "audio", AudioParams())
        ingest_s.append(time.process_time() - t)
        mono = librosa.to_mono(y.T)
        if bpm:
            ref = float(librosa.feature.tempo(y=mono, sr=sr)[0])
            for name, est in (("ours", d.tempo), ("librosa", ref)):
                a1, a2 = tempo_hits(est, bpm)
                acc[name]["acc1"].append(a1)
                acc[name]["acc2"].append(a2)
        if key:
            keys["ours"].append(key_score(parsed(d.key), key))
            chroma = librosa.feature.chroma_stft(y=mono, sr=sr).mean(axis=1)
            tonic, minor, _ = D.best_key(chroma, "krumhansl")
            keys["reference"].append(key_score((tonic, minor), key))
        lufs, lra = ebur128(path)
        if d.loudness is not None:
            loud.append(abs(d.loudness - lufs))
        if d.loudness_range is not None:
            ranges.append(abs(d.loudness_range - lra))
    for name, a in acc.items():
        out[f"tempo_{name}_acc1"] = round(float(np.mean(a["acc1"])), 3) if a["acc1"] else None
        out[f"tempo_{name}_acc2"] = round(float(np.mean(a["acc2"])), 3) if a["acc2"] else None
    out["tempo_files"] = len(acc["ours"]["acc1"])
    out["key_files"] = len(keys["ours"])
    for name, s in keys.items():
        out[f"key_{name}_mirex"] = round(float(np.mean(s)), 3) if s else None
    out["loudness_abs_err_lu_median"] = round(statistics.median(loud), 3) if loud else None
    out["loudness_abs_err_lu_p95"] = round(float(np.percentile(loud, 95)), 3) if loud else None
    out["range_abs_err_lu_median"] = round(statistics.median(ranges), 3) if ranges else None
    out["describe_cpu_s_median"] = round(statistics.median(ours_s), 3)
    out["ingest_cpu_s_median"] = round(statistics.median(ingest_s), 3)
    out["describe_over_ingest"] = round(sum(ours_s) / sum(ingest_s), 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
