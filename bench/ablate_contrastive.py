"""Ablations of the contrastive encoder on an ingested dataset with labels.

Trains the encoder with :func:`songsim.models.train.train` (the library's own loop: the same
batches, views, optimiser and schedule as ``songsim train``) for a fixed number of epochs with one
set of choices (temperature, batch size, crop, augmentation strengths), every track in training
(no validation split, no early stopping), and scores the track embeddings against the labels every
``--every`` epochs (k-means AMI and V-measure with k = number of labels, precision@10 by cosine),
for the embedding and for the projection head's output. Training sees clips and track numbers
only; labels are read for scoring. Prints one JSON line at the end; progress on stderr.

An epoch is every clip once as an anchor: on realmusic (1,254 clips, batches of 64) 20 steps, so
``--epochs 15`` is the 300 steps of the rounds in docs/RESULTS.md.

Usage::

    python -m songsim ingest --audio CORPUS --labels parent --name realmusic
    python bench/ablate_contrastive.py realmusic --epochs 15 --every 5 [--eq 0.06 --contrast 0.2]
    python bench/ablate_contrastive.py realmusic --crop 64 --save seed0.npy   # keep the clip vectors
"""

import argparse
import sys
import time

import numpy as np
import torch
from _common import emit

from songsim.analysis.evaluation import score_embedding
from songsim.data.store import load_dataset
from songsim.embeddings import track_means
from songsim.models.contrastive import Augmentation
from songsim.models.inference import embed_clips
from songsim.models.params import TrainParams
from songsim.models.train import train


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("train", help="dataset to train on")
    ap.add_argument("--eval", help="labelled dataset to score on (default: the training one)")
    ap.add_argument("--epochs", type=int, default=15, help="epochs to train (default 15)")
    ap.add_argument("--every", type=int, default=5, help="epochs between scores (default 5)")
    ap.add_argument("--batch", type=int, default=64, help="anchor clips per step (two views each)")
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--tau", type=float, default=0.1)
    ap.add_argument("--latent", type=int, default=128)
    ap.add_argument("--shift", type=int, default=0, help="Augmentation.max_shift")
    ap.add_argument("--eq", type=float, default=0.0, help="Augmentation.eq")
    ap.add_argument("--contrast", type=float, default=0.0, help="Augmentation.contrast")
    ap.add_argument("--noise", type=float, default=Augmentation.noise, help="Augmentation.noise")
    ap.add_argument(
        "--time-mask", type=float, default=Augmentation.time_mask, help="Augmentation.time_mask"
    )
    ap.add_argument(
        "--freq-mask", type=float, default=Augmentation.freq_mask, help="Augmentation.freq_mask"
    )
    ap.add_argument("--random-state", type=int, default=0)
    ap.add_argument(
        "--save",
        metavar="FILE.npy",
        help="write the scored dataset's final clip embeddings, L2-normalised, (n_clips, latent)",
    )
    a = ap.parse_args()
    ds = load_dataset(a.train)
    eds = load_dataset(a.eval) if a.eval else ds
    aug = Augmentation(
        max_shift=a.shift,
        eq=a.eq,
        contrast=a.contrast,
        noise=a.noise,
        time_mask=a.time_mask,
        freq_mask=a.freq_mask,
    )
    params = TrainParams.for_model(
        "contrastive",
        latent=a.latent,
        epochs=a.epochs,
        batch_size=a.batch,
        lr=a.lr,
        temperature=a.tau,
        crop_frames=a.crop,
        augmentation=aug,
        val_fraction=0.0,  # every track trains; the scores below are the measure
        patience=a.epochs + 1,  # no early stopping
        random_state=a.random_state,
    )

    def scores(model) -> dict:
        out = {}
        emb = torch.from_numpy(embed_clips(model, eds.clips))
        with torch.no_grad():
            views = (("embedding", emb), ("projection", model.cpu().projection(emb)))
        for name, V in views:
            V = torch.nn.functional.normalize(V, dim=1).numpy()
            s = score_embedding(
                track_means(V, eds.clip_track, eds.n_tracks),
                labels=eds.labels,
                communities=None,
                ks=[len(set(eds.labels))],
                random_state=a.random_state,
            )
            out[name] = {
                "ami": round(s["ami_labels"], 4),
                "v_measure": round(s["v_measure_labels"], 4),
                "precision_at_10": round(s["precision_at_10"], 4),
            }
        return out

    t0, curve, last = time.perf_counter(), [], {}

    def on_epoch(epoch: int, model, history: dict) -> None:
        if epoch % a.every and epoch != a.epochs:
            return
        curve.append(
            {
                "epoch": epoch,
                "seconds": round(time.perf_counter() - t0, 1),
                "loss": round(history["train_loss"][-1], 4),
                **scores(model),
            }
        )
        print(curve[-1], file=sys.stderr, flush=True)
        if epoch == a.epochs and a.save:
            last["clips"] = embed_clips(model, eds.clips)

    train(ds.clips, ds.clip_track, params, device="cpu", on_epoch=on_epoch)
    if a.save:
        v = last["clips"]
        np.save(a.save, v / np.linalg.norm(v, axis=1, keepdims=True))
    emit(
        "contrastive-ablation",
        {
            "train": a.train,
            "eval": eds.name,
            "settings": vars(a),
            "curve": curve,
            "threads": torch.get_num_threads(),
        },
    )


if __name__ == "__main__":
    main()
