"""Model: load or train the CAE / VAE, loss curves, reconstructions."""
import streamlit as st

from songsim import ui
from songsim.charts import loss_curves

ds = ui.current_dataset()
st.title("Model")
c1, c2, c3 = st.columns(3)
kind = c1.radio("Model", ["cae", "vae"], format_func=ui.KINDS_LABELS.get, **ui.widget_key("model_kind", "cae"))
latent = c2.selectbox("Latent size", [16, 32, 64, 128], **ui.widget_key("latent", 64))
epochs = c3.number_input("Epochs (when training)", 1, 100, **ui.widget_key("epochs", 6))

if ui.checkpoint_available(ds, kind, latent):
    net, manifest = ui.model(ds, ds.audio_fingerprint, kind, latent)
    h = manifest["history"]
    st.success(f"Loaded checkpoint {manifest['checkpoint_id']}: {manifest['n_parameters']:,} parameters, "
               f"{h['epochs_run']} epochs on {h['device']}, best validation loss {min(h['val_loss']):.5f}.")
    retrain = st.button("Train again")
else:
    st.info(f"No {kind.upper()} checkpoint with latent size {latent} for this dataset yet.")
    retrain = st.button("Train", type="primary")
    manifest = None

if retrain:
    with st.status(f"Training the {kind.upper()}…", expanded=True) as status:
        bar = st.progress(0.0, text="starting…")
        manifest = ui.train_model(ds, kind, latent, int(epochs), bar)
        status.update(label="Training finished", state="complete")
    st.rerun()

if manifest:
    st.subheader("Loss per epoch")
    st.vega_lite_chart(spec=ui.chart_spec(("loss", manifest["checkpoint_id"]), lambda: loss_curves(manifest["history"])),
                       width="stretch")
    st.subheader("Originals and reconstructions")
    step = max(1, len(ds.clips) // 4)
    pairs = ui.reconstructions(ds, ds.audio_fingerprint, kind, latent, tuple(range(0, step * 4, step)),
                               manifest["checkpoint_id"])
    for original, reconstruction in pairs:
        left, right = st.columns(2)
        left.image(original, caption="original", width="stretch", output_format="PNG")
        right.image(reconstruction, caption="reconstruction", width="stretch", output_format="PNG")
