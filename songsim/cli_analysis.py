"""CLI commands for models and analysis: train, embed, evaluate, communities, similar."""
from __future__ import annotations

import json
from pathlib import Path


def cmd_train(args) -> None:
    from .datasets import load_dataset
    from .modeling import train_and_save
    from .models.checkpoints import shipped_entry
    from .models.train import TrainParams

    ds = load_dataset(args.name)
    params = TrainParams(model=args.model, latent=args.latent, epochs=args.epochs, seed=args.seed, beta=args.beta)
    entry = shipped_entry(args.model, args.latent) if args.ship else None
    _, manifest = train_and_save(ds, params, device=args.device, entry=entry)
    h = manifest["history"]
    print(f"{args.model} on {args.name}: {h['epochs_run']} epochs in {h['seconds']:.1f} s on {h['device']} "
          f"({h['clips_per_second']:.0f} clips/s); best validation loss {min(h['val_loss']):.5f} "
          f"at epoch {h['best_epoch'] + 1}; saved {manifest['checkpoint_id']}")


def cmd_embed(args) -> None:
    from .datasets import load_dataset
    from .embeddings import embed

    ds = load_dataset(args.name)
    emb = embed(ds, args.model, latent=args.latent)
    print(f"{args.model} embeddings of {args.name}: clips {emb.clip.shape}, tracks {emb.track.shape}")


def add_commands(sub) -> None:
    """Register the analysis commands on the ``python -m songsim`` sub-parser."""
    s = sub.add_parser("train", help="train a CAE or VAE on a dataset",
                       description="Train a convolutional autoencoder (cae) or VAE (vae) on a dataset's clips; "
                                   "an interrupted run resumes from its last epoch.")
    s.add_argument("name", help="dataset name")
    s.add_argument("--model", choices=["cae", "vae"], default="cae")
    s.add_argument("--epochs", type=int, default=6, help="maximum epochs (default 6; early stopping may end sooner)")
    s.add_argument("--latent", type=int, default=64, help="embedding size (default 64)")
    s.add_argument("--beta", type=float, default=1.0, help="VAE: weight of the KL term (default 1)")
    s.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or mps")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--ship", action="store_true", help="write the checkpoint into songsim/weights (demo weights)")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("embed", help="compute and store embeddings",
                       description="Compute clip and track embeddings of a dataset and store them in the cache.")
    s.add_argument("name")
    s.add_argument("--model", choices=["raw", "pca", "mfcc", "cae", "vae"], default="cae")
    s.add_argument("--latent", type=int, default=64, help="latent size of the cae/vae model (default 64)")
    s.set_defaults(func=cmd_embed)
