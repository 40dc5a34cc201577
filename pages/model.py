"""Model: load or train the CAE, VAE or contrastive encoder; loss curves, reconstructions or training views."""

import streamlit as st

from songsim import ui

#: What each model's loss measures, in its units.
LOSS_MEANING = {
    "cae": "Mean squared error per spectrogram cell (cells scaled to 0–1) between a clip and "
    "its reconstruction.",
    "vae": "Mean squared error per spectrogram cell plus the KL divergence to N(0, I) per cell "
    "(nats), weighted by β.",
    "contrastive": "InfoNCE (NT-Xent) loss in nats: the cross-entropy of finding a clip's "
    "partner view among the batch; ln(batch) is chance.",
}

ds = ui.current_dataset()
st.title("Model")
c1, c2, c3 = st.columns(3)
kind = c1.radio(
    "Model",
    ui.MODEL_CHOICES,
    format_func=ui.KINDS_LABELS.get,
    **ui.widget_key("model_kind", "contrastive"),
)
default_latent, default_epochs = ui.model_defaults(kind)
latent = c2.selectbox(
    "Latent size", [16, 32, 64, 128], **ui.widget_key(f"latent_{kind}", default_latent)
)
epochs = c3.number_input(
    "Epochs (when training)", 1, 100, **ui.widget_key(f"epochs_{kind}", default_epochs)
)

if ui.checkpoint_available(ds, kind, latent):
    net, manifest = ui.model(ds, kind, latent)
    h = manifest["history"]
    origin = ui.checkpoint_origin(ds, manifest)
    measured_on = (
        "on its own pre-training data, so not comparable with a loss measured on this library"
        if manifest.get("pretrained")
        else "on this library's held-out tracks"
    )
    st.success(
        f"Loaded {origin}, {ui.plain(ui.describe_checkpoint(manifest))}: "
        f"{manifest['n_parameters']:,} parameters, best validation loss "
        f"{min(h['val_loss']):.4f} at epoch {h['best_epoch'] + 1} ({measured_on})."
    )
    st.caption(
        f"Pick it as “{ui.plain(ui.kind_label(ds, ui.kind_name(kind, latent)))}” in the "
        "Embedding menu of the Clusters, Map, Compare and Similar songs pages."
    )
    if manifest.get("pretrained"):
        st.caption(
            "Training fine-tunes it on this library: clips of one track are pulled together, other tracks pushed apart."
        )
    refused = ui.training_refused(ds)
    retrain = st.button(
        "Fine-tune on this library" if manifest.get("pretrained") else "Train again",
        disabled=refused is not None,
        help=refused,
    )
else:
    st.info(f"No {kind.upper()} checkpoint with latent size {latent} for this dataset yet.")
    refused = ui.training_refused(ds)
    retrain = st.button("Train", type="primary", disabled=refused is not None, help=refused)
    manifest = None
if refused is not None:
    st.caption(refused)

if ui.training_was_stopped():
    st.warning("Training stopped. Training again resumes from its last finished epoch.")
if retrain:
    with st.status(f"Training the {ui.KINDS_LABELS[kind].lower()}…", expanded=True) as status:
        st.button(  # a click reruns the page, which ends this run at its next progress step
            "Stop training",
            on_click=ui.stop_training,
        )
        bar = st.progress(0.0, text="starting…")
        manifest = ui.train_model(ds, kind, latent, int(epochs), bar)
        status.update(label="Training finished", state="complete")
    st.rerun()

if manifest:
    st.subheader("Loss per epoch")
    st.caption(LOSS_MEANING[kind])
    st.vega_lite_chart(
        spec=ui.loss_spec(ds, kind, latent),
        width="stretch",
    )
    step = max(1, len(ds.clips) // 4)
    clip_ids = tuple(range(0, step * 4, step))
    if kind == "contrastive":
        st.subheader("Two training views of a clip")
        st.caption(
            "What the encoder learns to match: random crops of two clips of one track, noised and masked."
        )
        pairs = ui.training_views(ds, clip_ids, manifest["train_params"]["crop_frames"])
        captions = ("view 1", "view 2")
    else:
        st.subheader("Originals and reconstructions")
        pairs = ui.reconstructions(ds, kind, latent, clip_ids)
        captions = ("original", "reconstruction")
    for first in range(0, len(pairs), 2):  # two pairs a row: each image about 300 px wide
        cells = iter(st.columns(4))
        for left_png, right_png in pairs[first : first + 2]:
            next(cells).image(left_png, caption=captions[0], width="stretch", output_format="PNG")
            next(cells).image(right_png, caption=captions[1], width="stretch", output_format="PNG")
