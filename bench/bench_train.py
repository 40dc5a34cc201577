"""Training throughput and time to converge on the demo corpus.

Trains the CAE (and the VAE) on the demo dataset with the project's defaults and records clips
per second and the time until the validation loss first comes within 2 % of its best value
("converged"), and the CPU default (channels_last tensors) against contiguous ones. On a CUDA machine it also compares bf16 autocast + channels_last against fp32 on
the same model and data, and records the GPU's name.

Usage: python bench/bench_train.py [--models cae vae] [--epochs 6]
"""

import argparse
import time

import numpy as np
import torch
from _common import emit

from songsim.catalog import ensure_demo
from songsim.models.train import TrainParams, train


def run(ds, model: str, epochs: int, device: str, amp=None, channels_last=None) -> dict:
    marks = []
    t0 = time.perf_counter()

    def progress(done, total, message):
        marks.append(time.perf_counter() - t0)

    _, h = train(
        ds.clips,
        ds.clip_track,
        TrainParams(model=model, epochs=epochs, patience=epochs),
        device=device,
        amp=amp,
        channels_last=channels_last,
        progress=progress,
    )
    per_epoch = len(marks) // max(1, h["epochs_run"])
    epoch_end = [marks[(e + 1) * per_epoch - 1] for e in range(h["epochs_run"])]
    best = min(h["val_loss"])
    converged = next(e for e, v in enumerate(h["val_loss"]) if v <= best * 1.02)
    return {
        "model": model,
        "device": h["device"],
        "amp_bf16": h["amp_bf16"],
        "channels_last": h["channels_last"],
        "epochs": h["epochs_run"],
        "clips_per_s": h["clips_per_second"],
        "seconds": h["seconds"],
        "val_loss": [round(v, 5) for v in h["val_loss"]],
        "converged_epoch": converged + 1,
        "seconds_to_converge": epoch_end[converged],
    }


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--models", nargs="*", default=["cae", "vae"])
    ap.add_argument("--epochs", type=int, default=6)
    args = ap.parse_args()
    ds = ensure_demo()
    runs = [run(ds, m, args.epochs, "cpu") for m in args.models]
    # the CPU default (channels_last) against contiguous tensors, same model, data and seed
    contiguous = run(ds, args.models[0], args.epochs, "cpu", channels_last=False)
    cpu_layout = {
        "contiguous": contiguous,
        "speedup": runs[0]["clips_per_s"] / contiguous["clips_per_s"],
    }
    gpu = None
    if torch.cuda.is_available():
        fast = run(ds, "cae", 3, "cuda", amp=True, channels_last=True)
        plain = run(ds, "cae", 3, "cuda", amp=False, channels_last=False)
        gpu = {
            "name": torch.cuda.get_device_name(0),
            "bf16_channels_last": fast,
            "fp32": plain,
            "speedup": fast["clips_per_s"] / plain["clips_per_s"],
        }
    emit(
        "training",
        {
            "cpu_threads": torch.get_num_threads(),
            "runs": runs,
            "cpu_channels_last_vs_contiguous": cpu_layout,
            "gpu": gpu,
            "clips": int(len(ds.clips)),
            "np": np.__version__,
        },
    )


if __name__ == "__main__":
    main()
