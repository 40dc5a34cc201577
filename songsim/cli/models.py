"""CLI commands for models and embeddings: train, embed."""

from __future__ import annotations

from ..errors import SongsimError
from .options import (
    KIND_HELP,
    cluster_of,
    epochs,
    kind_name_arg,
    latent_size,
    number,
    random_state_option,
    scheduler_option,
)


def cmd_train(args) -> None:
    from ..data.store import load_dataset
    from ..embeddings.modeling import train_and_save
    from ..models import DEFAULT_LATENT
    from ..models.checkpoints import shipped_entry
    from ..models.train import TrainParams

    if len(args.name) > 1 and not args.ship:
        raise SongsimError("several datasets can be pooled only to make shipped weights (--ship)")
    datasets = [load_dataset(n) for n in args.name]
    latent = args.latent or DEFAULT_LATENT[args.model]
    params = TrainParams.for_model(
        args.model,
        latent=latent,
        epochs=args.epochs,
        random_state=args.random_state,
        beta=args.beta,
        distill=args.distill,
    )
    teacher = None
    if params.distill:
        if args.model != "contrastive":
            raise SongsimError("--distill: only the contrastive encoder learns from musicnn")
        from ..embeddings import teacher_vectors

        teacher = teacher_vectors(datasets)
    entry = shipped_entry(args.model, latent) if args.ship else None
    replaced = None if args.ship else _current_checkpoint(args.name[0], args.model, latent)
    _, manifest = train_and_save(
        datasets,
        params,
        device=args.device,
        entry=entry,
        from_scratch=args.from_scratch,
        pretrained=args.ship and args.model == "contrastive",
        teacher=teacher,
    )
    h = manifest["history"]
    start = (
        f"fine-tuned from {manifest['initialised_from']}"
        if manifest.get("initialised_from")
        else "from scratch"
    )
    print(
        f"{args.model} on {'+'.join(args.name)} ({start}): {h['epochs_run']} epochs in {h['seconds']:.1f} s on "
        f"{h['device']} ({h['clips_per_second']:.0f} clips/s); best validation loss {min(h['val_loss']):.5f} "
        f"at epoch {h['best_epoch'] + 1}; saved {manifest['checkpoint_id']}"
    )
    if replaced is not None:
        print(f"replaced {args.name[0]}'s previous {args.model} checkpoint ({replaced})")
    from ..catalog import DEMO_NAME

    if args.name[0] == DEMO_NAME and not args.ship:
        from ..models.checkpoints import checkpoint_entry

        own = checkpoint_entry(DEMO_NAME, args.model, latent)
        print(
            "note: the demo is shared: the dashboard's demo now uses this checkpoint for every "
            f"visitor instead of the shipped one (delete {own} to go back to it)"
        )


def _current_checkpoint(name: str, model: str, latent: int) -> str | None:
    """When and on what the dataset's own checkpoint of ``model`` at ``latent`` was trained,
    or None when it has none (a new training run replaces it)."""
    from ..embeddings.modeling import checkpoint_id
    from ..errors import CheckpointError
    from ..models.checkpoints import checkpoint_entry, checkpoint_manifest, describe

    entry = checkpoint_entry(name, model, latent)
    try:
        _, manifest = checkpoint_manifest(entry)
    except CheckpointError:
        return None
    return (
        f"{checkpoint_id(entry)}, {describe({**manifest, 'checkpoint_id': checkpoint_id(entry)})}"
    )


def cmd_embed(args) -> None:
    from ..data.store import load_dataset
    from ..embeddings import embed
    from ..embeddings.search import song_index
    from ..progress import terminal_callback

    ds = load_dataset(args.name)
    with cluster_of(args.scheduler) as client:
        emb = embed(  # a model kind without a checkpoint is trained first, as the help says
            ds,
            args.kind,
            latent=args.latent,
            train_if_missing=True,
            client=client,
            progress=terminal_callback(),
        )
    index = song_index(ds, emb)
    how = "exact search" if index.exact else "an HNSW index"
    print(
        f"{args.kind} embeddings of {args.name}: {emb.track.shape[0]} tracks × "
        f"{emb.track.shape[1]} ({ds.n_clips} clips); similar songs by {how}"
    )


def add_commands(sub) -> None:
    """Register the model commands on the ``python -m songsim`` sub-parser."""
    from ..embeddings import (  # no torch import just to build the parser
        KINDS,
        MODEL_KINDS,
        best_kind,
    )

    s = sub.add_parser(
        "train",
        help="train a CAE, VAE or contrastive encoder on a dataset",
        description="Train a convolutional autoencoder (cae), a VAE (vae) or the self-supervised "
        "contrastive encoder (contrastive) on a dataset's clips; labels are never used. "
        "The contrastive encoder starts from the shipped pretrained weights (fine-tuning) "
        "unless --from-scratch. An interrupted run resumes from its last epoch.",
    )
    s.add_argument("name", nargs="+", help="dataset name (several, pooled, only with --ship)")
    s.add_argument(
        "--model", choices=list(MODEL_KINDS), default="cae", help="the model to train (default cae)"
    )
    s.add_argument(
        "--epochs",
        type=epochs,
        help="maximum epochs (default 6, contrastive 20; early stopping may end sooner)",
    )
    s.add_argument(
        "--latent", type=latent_size, help="embedding size (default 64, contrastive 128; 1–4096)"
    )
    s.add_argument(
        "--beta", type=number(0, 1000), help="VAE: weight of the KL term (default 1; 0–1000)"
    )
    s.add_argument(
        "--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or mps"
    )
    random_state_option(s)
    s.add_argument(
        "--distill",
        type=number(0, 1000),
        metavar="W",
        help="contrastive: also learn to predict musicnn's vector of each clip, with weight W "
        "(e.g. 1; audio datasets only: musicnn hears each first)",
    )
    s.add_argument(
        "--from-scratch",
        action="store_true",
        help="contrastive: do not start from the pretrained weights",
    )
    s.add_argument(
        "--ship",
        action="store_true",
        help="write the checkpoint into songsim/weights (demo weights; for contrastive, the pretrained "
        "encoder every library starts from)",
    )
    s.set_defaults(func=cmd_train)

    s = sub.add_parser(
        "embed",
        help="compute and store embeddings",
        description="Compute the embeddings of a dataset's tracks and store them in the cache, "
        "per track: after an update only new and changed tracks are embedded. A CAE or VAE "
        "with no checkpoint for this dataset is trained first (the contrastive encoder has "
        "shipped weights). A library's vector index for similar songs is built (or updated) too.",
    )
    s.add_argument("name", help="dataset name (see 'list')")
    s.add_argument(
        "--kind", type=kind_name_arg, metavar="KIND", default=best_kind(KINDS), help=KIND_HELP
    )
    s.add_argument(
        "--latent",
        type=latent_size,
        help="latent size of a model (default: the model's, 64 or 128)",
    )
    scheduler_option(
        s,
        "a Dask scheduler (tcp://host:8786) or local:N: batches of tracks are embedded by its "
        "workers, which must see this cache at the same path (and the audio, for musicnn)",
    )
    s.set_defaults(func=cmd_embed)
