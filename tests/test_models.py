"""Models: shapes, learning, checkpoints, determinism and resuming — on small slices of the demo."""

import numpy as np
import pytest
import torch

from songsim.errors import CheckpointError
from songsim.models import ConvAutoencoder, VariationalAutoencoder
from songsim.models.checkpoints import load_checkpoint, save_checkpoint
from songsim.models.inference import embed_clips
from songsim.models.train import TrainParams, reconstruct, split_by_track, train


@pytest.fixture(scope="module")
def small(demo_ds):
    keep = np.isin(demo_ds.clip_track, np.arange(32))  # 32 tracks, 4 of each style
    return demo_ds.clips[keep], demo_ds.clip_track[keep]


@pytest.mark.parametrize("cls", [ConvAutoencoder, VariationalAutoencoder])
def test_shapes(cls):
    m = cls(latent=16).eval()
    x = torch.rand(3, 1, 96, 216)
    assert m(x).shape == (3, 1, 96, 216)
    assert m.embed(x).shape == (3, 16)
    loss, recon = m.loss(x)
    assert loss.ndim == 0 and recon.shape == x.shape


def test_split_is_by_track():
    clip_track = np.repeat(np.arange(20), 6)
    tr, va = split_by_track(clip_track, 0.2, random_state=0)
    assert not set(clip_track[tr]) & set(clip_track[va])
    assert len(set(clip_track[va])) == 4 and len(tr) + len(va) == 120


@pytest.mark.parametrize("kind", ["cae", "vae"])
def test_short_run_lowers_validation_loss(small, kind):
    clips, clip_track = small
    _, h = train(
        clips,
        clip_track,
        TrainParams(model=kind, latent=16, epochs=3, batch_size=32, random_state=0),
    )
    assert min(h["val_loss"]) < h["initial_val_loss"]
    assert h["train_loss"][-1] < h["train_loss"][0]
    assert h["device"] == "cpu" and h["epochs_run"] >= 1


def test_same_seed_same_weights(small):
    clips, clip_track = small
    p = TrainParams(latent=8, epochs=1, batch_size=32, random_state=7)
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a, _ = train(clips[:96], clip_track[:96], p)
    assert torch.equal(torch.random.get_rng_state(), before)  # the caller's generator is untouched
    torch.rand(5)  # whatever the caller's generator did in between…
    b, _ = train(clips[:96], clip_track[:96], p)
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k  # …the seed alone decides the weights


def test_save_load_identical_embeddings_and_mismatch_refused(small, tmp_path):
    clips, clip_track = small
    model, h = train(
        clips[:96], clip_track[:96], TrainParams(model="vae", latent=8, epochs=1, batch_size=32)
    )
    save_checkpoint(tmp_path / "ck", model, {"history": h})
    loaded, manifest = load_checkpoint(
        tmp_path / "ck", model="vae", latent=8, input_shape=(96, 216)
    )
    assert np.array_equal(embed_clips(model, clips[:40]), embed_clips(loaded, clips[:40]))
    assert np.array_equal(reconstruct(model, clips[:2]), reconstruct(loaded, clips[:2]))
    assert manifest["n_parameters"] == sum(p.numel() for p in model.parameters())
    with pytest.raises(CheckpointError, match="latent size 8, expected 64"):
        load_checkpoint(tmp_path / "ck", latent=64)
    with pytest.raises(CheckpointError, match="input shape"):
        load_checkpoint(tmp_path / "ck", input_shape=(128, 216))
    with pytest.raises(CheckpointError, match="model vae, expected cae"):
        load_checkpoint(tmp_path / "ck", model="cae")
    # weights of another architecture under a manifest that claims this one
    save_checkpoint(tmp_path / "bad", ConvAutoencoder(latent=8), {})
    folder = next(p for p in (tmp_path / "bad").iterdir() if p.is_dir())
    import json

    from songsim.storage import write_manifest

    m = json.loads((folder / "manifest.json").read_text())
    m["model"] = "vae"
    write_manifest(folder, {k: v for k, v in m.items() if k not in ("checksums", "schema_version")})
    with pytest.raises(CheckpointError, match="do not match"):
        load_checkpoint(tmp_path / "bad")


def test_interrupted_training_resumes_to_the_same_weights(small, check_resume):
    clips, clip_track = small[0][:96], small[1][:96]
    p = TrainParams(latent=8, epochs=2, batch_size=32, random_state=3, patience=5)
    full, _ = train(clips, clip_track, p)

    check_resume(full, clips, clip_track, p)


def test_shipped_demo_weights_load_without_training(demo_ds, monkeypatch):
    import songsim.embeddings.modeling as modeling

    monkeypatch.setattr(modeling, "train", lambda *a, **k: pytest.fail("should not train"))
    for kind in ("cae", "vae"):
        net, manifest = modeling.get_model(demo_ds, kind, train_if_missing=False)
        assert manifest["dataset"]["demo"] == demo_ds.info["demo"]
        assert manifest["checkpoint_id"].startswith(f"demo-{kind}-64/")
