"""Embedding speed of the shipped contrastive encoder: 1,000 tracks of 6 clips (6,000 clips).

Runs songsim's ``embed_clips`` (fp32, channels-last tensors, its CPU batches of 8 clips), the same
at batches of 256, and, on the same clips in the same run, the plain PyTorch reference (the same
model in eval mode under ``torch.no_grad``, default contiguous tensors, batches of 256), checks
they agree, and prints one JSON line: median seconds of each over ``--repeats`` runs and the
ratios.

Usage::

    python bench/bench_embed.py [--tracks 1000] [--repeats 3]
"""

import argparse

import numpy as np
import torch
from _common import emit, median_time

from songsim.models.checkpoints import load_checkpoint, shipped_entry
from songsim.models.inference import embed_clips


def reference(model, clips: np.ndarray, batch_size: int = 256) -> np.ndarray:
    out = []
    with torch.no_grad():
        for i in range(0, len(clips), batch_size):
            out.append(
                model.embed(torch.from_numpy(clips[i : i + batch_size]).unsqueeze(1)).numpy()
            )
    return np.concatenate(out)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--tracks", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    model, manifest = load_checkpoint(shipped_entry("contrastive", 128))
    rng = np.random.default_rng(0)
    clips = rng.random((6 * a.tracks, *manifest["input_shape"]), dtype=np.float32)
    ours_s, ours = median_time(lambda: embed_clips(model, clips, device="cpu"), a.repeats)
    big_s, big = median_time(
        lambda: embed_clips(model, clips, device="cpu", batch_size=256), a.repeats
    )
    ref_s, ref = median_time(lambda: reference(model.eval(), clips), a.repeats)
    emit(
        "embed",
        {
            "tracks": a.tracks,
            "clips": len(clips),
            "songsim_s": round(ours_s, 2),
            "reference_s": round(ref_s, 2),
            "batch_256_s": round(big_s, 2),
            "speedup": round(ref_s / ours_s, 2),
            "speedup_over_batch_256": round(big_s / ours_s, 2),
            "ms_per_clip": round(1000 * ours_s / len(clips), 2),
            "max_abs_difference": float(np.abs(ours - ref).max()),
            "max_abs_difference_batch_256": float(np.abs(ours - big).max()),
            "threads": torch.get_num_threads(),
        },
    )


if __name__ == "__main__":
    main()
