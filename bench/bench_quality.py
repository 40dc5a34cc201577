"""Embedding quality on real music: every embedding scored against the folder labels.

Ingests CORPUS (a folder of folders of audio; each track's label is its folder, e.g. the corpus
that ``realmusic.sh`` builds: game soundtracks, label = soundtrack) into a private cache, then
for each embedding — raw spectrogram, PCA, MFCC statistics (the reference), CAE and VAE trained
on the corpus, the contrastive encoder with the shipped pretrained weights alone, fine-tuned on
the corpus, and trained from scratch on it, the pretrained musicnn tagger (``mean_pool``, its
clip windows heard at 16 kHz) and ``fused`` (unit-length contrastive ‖ unit-length musicnn) —
reports, at track level:

* AMI and V-measure of k-means (k = number of labels) against the labels (seed 0; AMI also as
  the mean and range over 5 seeds),
* precision@10: the share of each track's 10 nearest tracks (cosine) with its label,
* the seconds spent embedding the corpus, that time per 1,000 tracks, and the seconds spent
  training (for shipped or given checkpoints: the training time their manifest records).

Labels are used only here, for scoring: training sees clips and track numbers alone. Also
measures how long the shipped encoder takes to embed 1,000 tracks (6,000 clips) on this machine.

``--checkpoint NAME=ENTRY`` also scores a contrastive checkpoint trained elsewhere (an entry
folder, e.g. an encoder distilled from musicnn: ``songsim train … --distill W``), alone and fused
with musicnn (``NAME+musicnn``).

Usage: python bench/bench_quality.py CORPUS [--skip cae vae finetuned scratch musicnn] [--cache DIR]
       [--checkpoint NAME=ENTRY ...]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import emit

KINDS = [
    "raw",
    "pca",
    "mfcc",
    "cae",
    "vae",
    "contrastive",
    "contrastive-finetuned",
    "contrastive-scratch",
    "musicnn",
    "fused",
]


def score(X: np.ndarray, labels: np.ndarray) -> dict:
    from songsim.analysis.evaluation import label_agreement

    s = label_agreement(X, labels, seeds=range(5))
    return {
        "ami": round(s["ami"], 4),
        "ami_mean_5_seeds": round(s["ami_mean"], 4),
        "ami_range_5_seeds": [round(v, 4) for v in s["ami_range"]],
        "v_measure": round(s["v_measure"], 4),
        "precision_at_10": round(s["precision_at_10"], 4),
    }


KINDS_OF_ENSEMBLE = ("contrastive", "musicnn", "musicnn-mtt", "vgg-msd", "vgg-mtt")
#: Other ways to join the parts, scored beside ``ensemble`` (every model, equally weighted).
ENSEMBLE_VARIANTS = {
    "join-musicnns": ("contrastive", "musicnn", "musicnn-mtt"),
    "join-taggers": ("musicnn", "musicnn-mtt", "vgg-msd", "vgg-mtt"),
    "join-mtt": ("contrastive", "musicnn-mtt", "vgg-mtt"),
}


def one_pass_timing(ds, n: int = 24) -> dict:
    """CPU seconds per track to hear ``n`` tracks with each tagger alone (each decoding the audio)
    and with all four in one pass (decoded once)."""
    from songsim.embeddings.musicnn import audio_refs, tagger_clips

    refs = audio_refs(ds, range(min(n, ds.n_tracks)))
    out = {}
    for kind in ("musicnn", "musicnn-mtt", "vgg-msd", "vgg-mtt"):
        t = time.process_time()
        tagger_clips(refs, [kind])
        out[kind] = round((time.process_time() - t) / len(refs), 3)
    t = time.process_time()
    tagger_clips(refs, ["musicnn", "musicnn-mtt", "vgg-msd", "vgg-mtt"])
    out["all four, one pass"] = round((time.process_time() - t) / len(refs), 3)
    return out


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("corpus", type=Path)
    ap.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["cae", "vae", "finetuned", "scratch", "musicnn"],
        help="leave out these training runs",
    )
    ap.add_argument("--cache", type=Path, help="cache folder to use (default: a new temporary one)")
    ap.add_argument(
        "--checkpoint",
        nargs="*",
        default=[],
        metavar="NAME=ENTRY",
        help="also score these contrastive checkpoint entries, alone and fused with musicnn",
    )
    args = ap.parse_args()
    os.environ["SONGSIM_CACHE"] = str(args.cache or tempfile.mkdtemp(prefix="songsim-quality-"))

    import torch

    from songsim.catalog import ingest
    from songsim.embeddings import embed, track_means
    from songsim.embeddings.modeling import find_checkpoint, train_and_save
    from songsim.models.checkpoints import load_checkpoint
    from songsim.models.inference import embed_clips
    from songsim.models.train import TrainParams

    t = time.perf_counter()
    ds = ingest("realmusic", audio=args.corpus, labels_from_parent=True)
    ingest_s = time.perf_counter() - t
    labels = ds.labels
    results = {}

    def run(name: str, make_vectors, train_seconds=None):
        t = time.perf_counter()
        X = make_vectors()
        seconds = time.perf_counter() - t
        results[name] = {
            **score(X, labels),
            "dim": int(X.shape[1]),
            "embed_s": round(seconds, 1),
            "embed_s_per_1000_tracks": round(seconds * 1000 / ds.n_tracks, 1),
            "train_s": None if train_seconds is None else round(train_seconds, 1),
        }
        print(name, results[name], flush=True)

    for kind in ("raw", "pca", "mfcc"):
        run(kind, lambda kind=kind: embed(ds, kind).track)
    for kind in ("cae", "vae"):
        if kind not in args.skip:
            _, m = train_and_save(ds, TrainParams.for_model(kind))
            run(
                kind,
                lambda kind=kind: embed(ds, kind, train_if_missing=False).track,
                m["history"]["seconds"],
            )
    shipped = find_checkpoint(ds, "contrastive")
    net, manifest = load_checkpoint(shipped)
    run(
        "contrastive",
        lambda: embed(ds, "contrastive", train_if_missing=False).track,
        manifest["history"]["seconds"],
    )
    if "musicnn" not in args.skip:  # the pretrained taggers of the musicnn wheel, joined with ours
        from songsim.embeddings.kinds import fuse

        for kind in ("musicnn", "musicnn-mtt", "vgg-msd", "vgg-mtt"):
            run(kind, lambda kind=kind: embed(ds, kind).track)
        run("fused", lambda: embed(ds, "fused", train_if_missing=False).track)
        run("ensemble", lambda: embed(ds, "ensemble", train_if_missing=False).track)
        part = {k: embed(ds, k, train_if_missing=False).track for k in KINDS_OF_ENSEMBLE}
        for name, parts in ENSEMBLE_VARIANTS.items():  # other joins, for the choice of parts
            run(name, lambda parts=parts: fuse(*(part[p] for p in parts)))
        results["one_pass_s_per_track"] = one_pass_timing(ds)

    def latent_vectors(model):
        clip = embed_clips(model, ds.clips)
        clip /= np.linalg.norm(clip, axis=1, keepdims=True)
        return track_means(clip, ds.clip_track, ds.n_tracks)

    for spec in args.checkpoint:  # e.g. an encoder distilled from musicnn
        from songsim.embeddings.kinds import fuse

        name, _, entry = spec.partition("=")
        model, m = load_checkpoint(Path(entry))
        run(name, lambda model=model: latent_vectors(model), m["history"]["seconds"])
        if "musicnn" not in args.skip:
            run(
                f"{name}+musicnn",
                lambda model=model: fuse(latent_vectors(model), embed(ds, "musicnn").track),
            )

    for variant, from_scratch in (("finetuned", False), ("scratch", True)):
        if variant in args.skip:
            continue
        model, m = train_and_save(
            ds, TrainParams.for_model("contrastive"), from_scratch=from_scratch
        )
        h = m["history"]
        run(f"contrastive-{variant}", lambda model=model: latent_vectors(model), h["seconds"])
        results[f"contrastive-{variant}"].update(
            epochs=h["epochs_run"],
            best_epoch=h["best_epoch"] + 1,
            initialised_from=m.get("initialised_from"),
        )

    # embedding speed of the shipped encoder: 1,000 tracks of 6 clips
    clips = np.resize(ds.clips[:], (6000, *ds.clips.shape[1:]))
    t = time.perf_counter()
    embed_clips(net, clips, device="cpu")
    per_1000 = time.perf_counter() - t

    mfcc = results["mfcc"]
    best = results.get("contrastive-finetuned", results["contrastive"])
    emit(
        "quality",
        {
            "corpus": str(args.corpus),
            "tracks": ds.n_tracks,
            "clips": int(len(ds.clips)),
            "labels": int(len(set(labels))),
            "ingest_s": round(ingest_s, 1),
            "results": results,
            "shipped_checkpoint": f"{shipped.name}",
            "shipped_trained_on": manifest["dataset"].get("name"),
            "ami_vs_mfcc": {
                k: round(v["ami"] / mfcc["ami"], 2) for k, v in results.items() if "ami" in v
            },
            "p10_minus_mfcc": {
                k: round(v["precision_at_10"] - mfcc["precision_at_10"], 3)
                for k, v in results.items()
                if "ami" in v
            },
            "best_contrastive": best,
            "embed_1000_tracks_s": round(per_1000, 1),
            "cpu_threads": torch.get_num_threads(),
        },
    )


if __name__ == "__main__":
    main()
