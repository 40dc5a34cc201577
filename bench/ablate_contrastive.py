"""Ablations of the contrastive encoder on an ingested dataset with labels.

Trains the encoder for a fixed number of steps with one set of choices (temperature, batch size,
crop, augmentation strengths) and scores the track embeddings against the labels every
``--every`` steps (k-means AMI and V-measure with k = number of labels, precision@10 by cosine),
for the embedding and for the projection head's output. Training sees clips and track numbers
only. Prints one JSON line at the end; progress on stderr.

Usage::

    python -m songsim ingest --audio CORPUS --labels parent --name realmusic
    python bench/ablate_contrastive.py realmusic --steps 300 --every 100 [--eq 0.06 --contrast 0.2]
    python bench/ablate_contrastive.py realmusic --crop 64 --save seed0.npy   # keep the clip vectors
"""

import argparse
import sys
import time

import numpy as np
import torch
from _common import emit

from songsim.analysis.evaluation import score_embedding
from songsim.data.datasets import load_dataset
from songsim.embeddings import track_means
from songsim.models.contrastive import Augmentation, ContrastiveEncoder, augment


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("train", help="dataset to train on")
    ap.add_argument("--eval", help="labelled dataset to score on (default: the training one)")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--every", type=int, default=100)
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
    ap.add_argument(
        "--nn-prob",
        type=float,
        default=0.0,
        help="share of partners drawn from a neighbouring track instead of the anchor's own",
    )
    ap.add_argument(
        "--nn-k", type=int, default=3, help="neighbouring tracks: the anchor track's k nearest"
    )
    ap.add_argument("--nn-start", type=int, default=100, help="first step with neighbour partners")
    ap.add_argument(
        "--nn-every", type=int, default=50, help="steps between recomputing the neighbours"
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
    X = torch.from_numpy(ds.clips).unsqueeze(1)
    EX = torch.from_numpy(eds.clips).unsqueeze(1)
    ct = ds.clip_track
    by_track = [np.flatnonzero(ct == t) for t in range(ds.n_tracks)]
    torch.manual_seed(a.random_state)
    gen, rng = torch.Generator().manual_seed(a.random_state), np.random.default_rng(a.random_state)
    cl = torch.channels_last
    model = ContrastiveEncoder(latent=a.latent, temperature=a.tau).to(memory_format=cl)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=a.lr, total_steps=a.steps, pct_start=0.1
    )

    @torch.no_grad()
    def eval_embedding() -> torch.Tensor:
        """``(n_clips, latent)`` embedding of the scored dataset's clips."""
        model.eval()
        emb = torch.cat(
            [
                model.embed(EX[i : i + 256].contiguous(memory_format=cl))
                for i in range(0, len(EX), 256)
            ]
        )
        model.train()
        return emb

    @torch.no_grad()
    def scores() -> dict:
        out, emb = {}, eval_embedding()
        for name, V in (("embedding", emb), ("projection", model.projection(emb))):
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

    @torch.no_grad()
    def neighbour_tracks() -> np.ndarray:
        """``(n_tracks, k)``: each training track's k nearest other tracks (cosine, track means)."""
        model.eval()
        emb = torch.cat(
            [
                model.embed(X[i : i + 256].contiguous(memory_format=cl))
                for i in range(0, len(X), 256)
            ]
        )
        model.train()
        T = track_means(torch.nn.functional.normalize(emb, dim=1).numpy(), ct, ds.n_tracks)
        T /= np.linalg.norm(T, axis=1, keepdims=True)
        sim = T @ T.T
        np.fill_diagonal(sim, -np.inf)
        return np.argsort(-sim, axis=1)[:, : a.nn_k]

    t0, curve, neighbours = time.perf_counter(), [], None
    order, pos = rng.permutation(len(X)), 0
    for step in range(1, a.steps + 1):
        if a.nn_prob and step >= a.nn_start and (step - a.nn_start) % a.nn_every == 0:
            neighbours = neighbour_tracks()
        if pos + a.batch > len(order):
            order, pos = rng.permutation(len(X)), 0
        anchors = order[pos : pos + a.batch]
        pos += a.batch
        partner_tracks = ct[anchors].copy()
        if neighbours is not None:
            swap = rng.random(len(anchors)) < a.nn_prob
            partner_tracks[swap] = neighbours[
                partner_tracks[swap], rng.integers(a.nn_k, size=int(swap.sum()))
            ]
        partners = np.array([rng.choice(by_track[t]) for t in partner_tracks])
        views = augment(torch.cat([X[anchors], X[partners]]), gen, crop_frames=a.crop, aug=aug)
        groups = torch.from_numpy(
            np.concatenate([ct[anchors], ct[anchors]])
        )  # a partner counts as its anchor's
        loss, _ = model.loss(views.contiguous(memory_format=cl), groups=groups)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % a.every == 0 or step == a.steps:
            curve.append(
                {
                    "step": step,
                    "seconds": round(time.perf_counter() - t0, 1),
                    "loss": round(loss.item(), 4),
                    **scores(),
                }
            )
            print(curve[-1], file=sys.stderr, flush=True)
    if a.save:
        np.save(a.save, torch.nn.functional.normalize(eval_embedding(), dim=1).numpy())
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
