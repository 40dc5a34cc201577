"""The contrastive encoder: its loss against a direct formula, learning on a toy set, determinism,
resuming, that labels never reach training, and the pretrained weights every library starts from."""

import numpy as np
import pytest
import torch

from songsim.errors import SongsimError
from songsim.models import ContrastiveEncoder
from songsim.models.contrastive import augment, contrastive_loss
from songsim.models.inference import embed_clips
from songsim.models.train import TrainParams, train


def nt_xent_reference(z: np.ndarray, tau: float) -> float:
    """SimCLR's NT-Xent, written out loop by loop: rows i and i + n/2 are the positive pairs."""
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    n = len(z)
    total = 0.0
    for i in range(n):
        j = (i + n // 2) % n
        denom = sum(np.exp(z[i] @ z[a] / tau) for a in range(n) if a != i)
        total += -np.log(np.exp(z[i] @ z[j] / tau) / denom)
    return total / n


def test_loss_is_nt_xent_with_one_pair_per_track():
    z = torch.randn(10, 7, generator=torch.Generator().manual_seed(0))
    groups = torch.arange(5).repeat(2)
    got = contrastive_loss(z, groups, temperature=0.2).item()
    assert got == pytest.approx(nt_xent_reference(z.numpy().astype(np.float64), 0.2), rel=1e-5)


def test_loss_prefers_aligned_positives_and_needs_one():
    base = torch.randn(4, 8, generator=torch.Generator().manual_seed(1))
    groups = torch.arange(4).repeat(2)
    aligned = contrastive_loss(torch.cat([base, base]), groups)
    shuffled = contrastive_loss(torch.cat([base, base.roll(1, dims=0)]), groups)
    assert aligned < shuffled
    with pytest.raises(ValueError, match="no row has a positive"):
        contrastive_loss(base, torch.arange(4))


def test_shapes_any_length_and_augment():
    m = ContrastiveEncoder(latent=16).eval()
    for frames in (216, 128, 40):
        assert m.embed(torch.rand(3, 1, 96, frames)).shape == (3, 16)
    x = torch.rand(5, 1, 96, 216)
    a = augment(x, torch.Generator().manual_seed(0), crop_frames=100)
    b = augment(x, torch.Generator().manual_seed(0), crop_frames=100)
    assert a.shape == (5, 1, 96, 100) and torch.equal(a, b)
    assert not torch.equal(a, augment(x, torch.Generator().manual_seed(1), crop_frames=100))


@pytest.fixture(scope="module")
def toy():
    """12 tracks of 4 clips: each track a fixed random pattern of bands, its clips noisy copies."""
    rng = np.random.default_rng(0)
    patterns = rng.random((12, 96, 1)) ** 3
    clips = np.concatenate(
        [np.clip(p + 0.1 * rng.standard_normal((4, 96, 64)), 0, 1) for p in patterns]
    )
    return clips.astype(np.float32), np.repeat(np.arange(12), 4)


def toy_params(**kw):
    return TrainParams.for_model(
        "contrastive",
        **{
            "latent": 16,
            "epochs": 4,
            "batch_size": 16,
            "crop_frames": 48,
            "val_fraction": 0.25,
            "patience": 10,
            "random_state": 0,
            **kw,
        },
    )


def test_a_few_steps_put_positives_closer_than_negatives(toy):
    import torch

    clips, clip_track = toy
    torch.manual_seed(0)  # the starting weights, whatever earlier tests did to the global seed
    untrained = ContrastiveEncoder(latent=16)
    model, h = train(clips, clip_track, toy_params(epochs=10), init_state=untrained.state_dict())

    def similarities(net):
        e = embed_clips(net, clips, device="cpu")
        e /= np.linalg.norm(e, axis=1, keepdims=True)
        s = e @ e.T
        np.fill_diagonal(s, -np.inf)
        same = clip_track[:, None] == clip_track[None, :]
        np.fill_diagonal(same, False)
        margin = s[same].mean() - s[~same & np.isfinite(s)].mean()
        nearest_same = (clip_track[s.argmax(axis=1)] == clip_track).mean()
        return margin, nearest_same

    assert h["train_loss"][-1] < h["train_loss"][0]
    assert min(h["val_loss"]) < h["initial_val_loss"]
    (margin, nearest_same), (margin_before, _) = similarities(model), similarities(untrained.eval())
    assert margin > margin_before + 0.1  # positives closer than negatives, and more so than before
    assert nearest_same >= 0.9  # almost every clip's nearest clip is of its own track


def test_same_seed_same_weights_and_resume(toy, check_resume):
    clips, clip_track = toy
    p = toy_params(epochs=2)
    a, _ = train(clips, clip_track, p)
    b, _ = train(clips, clip_track, p)
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k

    check_resume(a, clips, clip_track, p)


def test_on_epoch_sees_each_epoch_and_params_carry_the_augmentation(toy, monkeypatch):
    """What the ablation bench relies on: ``on_epoch`` after every epoch with the model and its
    history so far, no validation split at ``val_fraction=0``, and ``TrainParams.augmentation``
    reaching every view."""
    import songsim.models.contrastive as contrastive
    from songsim.models.contrastive import Augmentation

    clips, clip_track = toy
    strong = Augmentation(max_shift=3, eq=0.05)
    seen_aug, calls = [], []
    real_augment = contrastive.augment

    def spy(x, gen, *, crop_frames=128, aug=Augmentation()):
        seen_aug.append(aug)
        return real_augment(x, gen, crop_frames=crop_frames, aug=aug)

    monkeypatch.setattr(contrastive, "augment", spy)
    p = toy_params(epochs=3, val_fraction=0.0, augmentation=strong)

    def on_epoch(epoch, model, history):
        calls.append((epoch, len(history["train_loss"])))
        embed_clips(model, clips[:4], device="cpu")  # a callback may embed; training goes on

    _, h = train(clips, clip_track, p, on_epoch=on_epoch)
    assert calls == [(1, 1), (2, 2), (3, 3)]
    assert seen_aug and all(a == strong for a in seen_aug)
    assert "initial_val_loss" not in h  # every track trained
    assert p.to_dict()["augmentation"]["max_shift"] == 3  # manifests record it


def test_labels_never_reach_training(fresh_cache, tiny_dataset, monkeypatch):
    """Training sees clips and track numbers only: relabelling a dataset changes nothing."""
    import songsim.embeddings.modeling as modeling

    seen = []
    real_train = modeling.train

    def spy(clips, clip_track, params, **kw):
        seen.append((clips, clip_track, params, kw))
        return real_train(clips, clip_track, params, **kw)

    monkeypatch.setattr(modeling, "train", spy)
    ds = tiny_dataset("lbl")
    params = toy_params(epochs=1, crop_frames=64)
    a, _ = modeling.train_and_save(ds, params, from_scratch=True)
    ds.tracks["label"] = ["x"] * ds.n_tracks
    ds.tracks["title"] = ["y"] * ds.n_tracks
    b, _ = modeling.train_and_save(ds, params, from_scratch=True)
    for clips, clip_track, _, kw in seen:
        assert clips.ndim == 3 and np.asarray(clips[:2]).dtype == np.float32  # read in batches
        assert np.array_equal(clip_track, ds.clip_track)
        assert set(kw) <= {
            "device",
            "resume_path",
            "resume_key",
            "progress",
            "init_state",
            "teacher",
        }
        assert kw.get("teacher") is None  # no teacher without distill (musicnn's, never labels)
    assert seen[0][3]["resume_key"] == seen[1][3]["resume_key"]  # the data's key, not its labels
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k


def test_pretrained_weights_fit_any_library_and_fine_tuning_starts_from_them(
    fresh_cache, tiny_dataset, monkeypatch
):
    import songsim.embeddings.modeling as modeling
    from songsim.embeddings import available_kinds, best_kind, embed

    ds = tiny_dataset("mine")
    entry = modeling.find_checkpoint(ds, "contrastive")
    assert entry is not None and entry.name == "pretrained-contrastive-128"
    assert "contrastive" in available_kinds(ds) and best_kind(available_kinds(ds)) == "contrastive"
    emb = embed(ds, "contrastive", train_if_missing=False)
    assert emb.track.shape == (ds.n_tracks, 128)
    assert np.allclose(np.linalg.norm(emb.clip, axis=1), 1, atol=1e-5)

    start, start_id = modeling.pretrained_start(ds, TrainParams.for_model("contrastive"))
    assert start_id.startswith("pretrained-contrastive-128/")
    seen = {}

    class Stop(Exception):
        pass

    def stub(*args, init_state=None, **kw):
        seen["init"] = init_state
        raise Stop  # we only look at what training was given

    monkeypatch.setattr(modeling, "train", stub)
    with pytest.raises(Stop):
        modeling.train_and_save(ds, TrainParams.for_model("contrastive", epochs=1))
    assert seen["init"] is not None
    assert all(torch.equal(seen["init"][k], v) for k, v in start.items())


def test_one_cycle_schedule_warms_up_then_anneals(toy):
    clips, clip_track = toy
    assert TrainParams.for_model("contrastive").schedule == "onecycle"
    params = toy_params(epochs=4, patience=10, schedule="onecycle")
    _, h = train(clips, clip_track, params)
    lr = h["lr"]  # at the end of each epoch
    assert max(lr) > 0.5 * params.lr and lr[-1] < params.lr / 40
    assert lr.index(max(lr)) < len(lr) - 1
    with pytest.raises(SongsimError, match="unknown schedule"):
        train(clips, clip_track, toy_params(schedule="linear"))


def test_the_shipped_encoder_never_heard_the_evaluation_corpus():
    """The shipped weights are pre-trained from scratch on the free-music corpus and the demo
    only (``pretrain.sh`` with ``PRETRAIN_EXCLUDE`` = the evaluation corpus): docs/RESULTS.md
    scores them on real music they never heard. Shipping weights trained on anything else, or
    fine-tuned from weights that were, fails here."""
    from songsim.models.checkpoints import checkpoint_manifest, shipped_entry

    _, manifest = checkpoint_manifest(shipped_entry("contrastive", 128))
    parts = {p["name"]: p["tracks"] for p in manifest["dataset"]["parts"]}
    assert parts == {"pretrain": 827, "demo": 320}
    assert manifest["pretrained"] and manifest["initialised_from"] is None


def test_distilling_teaches_the_embedding_the_teachers_vectors(toy):
    """With ``distill`` the encoder's teacher head learns to predict each clip's teacher vector
    (here one random direction per track); the head is dropped from the trained model."""
    clips, clip_track = toy
    rng = np.random.default_rng(0)
    directions = rng.standard_normal((12, 24)).astype(np.float32)
    teacher = directions[clip_track] / np.linalg.norm(directions[clip_track], axis=1, keepdims=True)
    agreement = []

    def on_epoch(epoch, model, history):
        with torch.no_grad():
            x = torch.from_numpy(clips).unsqueeze(1)
            model.eval()
            pred = model.teacher_head(model.embed(x))
        cos = torch.nn.functional.cosine_similarity(pred, torch.from_numpy(teacher), dim=1)
        agreement.append(cos.mean().item())

    # every track trained on (no held-out track, whose direction could not be predicted)
    params = toy_params(epochs=20, lr=1e-2, val_fraction=0.0, distill=1.0, teacher_dim=24)
    model, h = train(clips, clip_track, params, teacher=teacher, on_epoch=on_epoch)
    assert agreement[-1] > agreement[0] + 0.3 and agreement[-1] > 0.5, agreement
    assert model.teacher_head is None and not any("teacher" in k for k in model.state_dict())
    with pytest.raises(SongsimError, match="teacher vector per clip"):
        train(clips, clip_track, params, teacher=teacher[:-1])
    with pytest.raises(SongsimError, match="teacher vector per clip"):
        train(clips, clip_track, params)
    plain, _ = train(clips, clip_track, toy_params(epochs=1), teacher=teacher)  # ignored
    alone, _ = train(clips, clip_track, toy_params(epochs=1))
    for (k, va), vb in zip(plain.state_dict().items(), alone.state_dict().values()):
        assert torch.equal(va, vb), k
