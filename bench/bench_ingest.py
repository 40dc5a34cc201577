"""Audio ingest throughput: songsim against a plain per-clip librosa loop, same files, same run.

Files: demo-style tracks rendered at 22,050 Hz, resampled to 44,100 Hz stereo and written as FLAC,
OGG Vorbis and MP3 (a third each), 60 s long. songsim decodes each file once, resamples all its
clips in one soxr call and computes the mel spectrograms batched, over all cores; the reference
calls ``librosa.load(offset, duration)`` + ``melspectrogram`` + ``power_to_db`` per clip in one
process. The spectrograms are compared after scaling (songsim's as it stores them: 8-bit codes,
so the largest difference includes their rounding, at most 1/510).

Usage: python bench/bench_ingest.py [--files N]
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from _common import emit

from songsim.config import AudioParams
from songsim.data.demo import render_track
from songsim.data.reading import read_one
from songsim.io.audio import scan_audio
from songsim.tasks import default_jobs, ordered_map

FORMATS = [
    ("flac", {}),
    ("ogg", {"format": "OGG", "subtype": "VORBIS"}),
    ("mp3", {"format": "MP3", "subtype": "MPEG_LAYER_III"}),
]


def make_files(root: Path, n: int) -> None:
    for i in range(n):
        y = np.concatenate(
            [
                render_track(i % 8, 1000 + i),
                render_track((i + 3) % 8, 2000 + i),
                render_track(i % 8, 3000 + i),
            ]
        )[: 22050 * 60]
        y = soxr.resample(y, 22050, 44100)
        stereo = np.stack([y, 0.8 * y], axis=1).astype(np.float32)
        ext, kw = FORMATS[i % 3]
        with sf.SoundFile(str(root / f"track{i:03d}.{ext}"), "w", 44100, 2, **kw) as f:
            for j in range(0, len(stereo), 8192):
                f.write(stereo[j : j + 8192])


def librosa_loop(files, starts_by_file, p: AudioParams):
    import librosa

    out = []
    for path in files:
        for s in starts_by_file[path.name]:
            y, _ = librosa.load(path, sr=p.sr, offset=s, duration=p.clip_seconds)
            y = librosa.util.fix_length(y, size=p.clip_samples)
            S = librosa.feature.melspectrogram(
                y=y, sr=p.sr, n_fft=p.n_fft, hop_length=p.hop_length, n_mels=p.n_mels, fmax=p.fmax
            )
            D = librosa.power_to_db(S, ref=np.max)
            out.append((D - D.min()) / (D.max() - D.min()))
    return np.stack(out)


def decode_all(files, p: AudioParams, n_jobs: int) -> list[dict]:
    """songsim's per-file task over every file (what an ingest runs), in ``n_jobs`` processes."""
    return list(ordered_map(read_one, [(str(f), f.name, "audio", p) for f in files], n_jobs=n_jobs))


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--files", type=int, default=30)
    args = ap.parse_args()
    p = AudioParams()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_files(root, args.files)
        files = scan_audio(root).files
        decode_all(files[:2], p, default_jobs())  # warm the worker pool
        t = time.perf_counter()
        tracks = decode_all(files, p, default_jobs())
        ours_s = time.perf_counter() - t
        t = time.perf_counter()
        decode_all(files, p, 1)
        ours_1_s = time.perf_counter() - t
        skipped = [t for t in tracks if isinstance(t, str)]
        tracks = [t for t in tracks if not isinstance(t, str)]
        starts = {f.name: tr["starts"] for f, tr in zip(files, tracks)}
        t = time.perf_counter()
        ref = librosa_loop(files, starts, p)
        ref_s = time.perf_counter() - t
    ours = np.concatenate([tr["codes"] for tr in tracks]).astype(np.float32) / 255  # as stored
    n = len(ours)
    emit(
        "audio_ingest",
        {
            "files": len(files),
            "clips": n,
            "jobs": default_jobs(),
            "songsim_clips_per_s": n / ours_s,
            "songsim_one_process_clips_per_s": n / ours_1_s,
            "librosa_loop_clips_per_s": n / ref_s,
            "speedup": ref_s / ours_s,
            "speedup_one_process": ref_s / ours_1_s,
            "max_abs_diff": float(np.abs(ours - ref).max()),
            "skipped": len(skipped),
        },
    )


if __name__ == "__main__":
    main()
