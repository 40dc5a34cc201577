"""The hyper-parameters of a training run (:class:`TrainParams`) and each model's defaults."""

from __future__ import annotations

import dataclasses

from . import DEFAULT_LATENT


@dataclasses.dataclass(frozen=True)
class Augmentation:
    """How strongly :func:`augment` changes a view (strengths in the clip's scaled-dB units, where
    1.0 is the 80 dB range).

    Measured on the real-music benchmark (docs/RESULTS.md): random EQ (±0.03 per cosine) with
    contrast changes (×0.8–1.2, ±0.1) gave AMI 0.19 and precision@10 0.346 after 300 steps; runs
    without them gave 0.22–0.28 and 0.35–0.38. A recording's colour (instruments, mastering) is
    much of what makes songs of one soundtrack sound alike, so both are off by default. Gain needs
    no augmentation at all: clips are scaled to their own maximum.
    """

    max_shift: int = 0  # mel bands a view may be shifted up or down (4 ≈ ±3 semitones)
    eq: float = 0.0  # amplitude of a smooth random curve over the mel bands
    contrast: float = 0.0  # views are scaled by 1 ± contrast/2 and shifted by ± contrast/4
    noise: float = 0.03  # largest standard deviation of added Gaussian noise
    time_mask: float = 1 / 8  # longest time mask, as a share of the crop
    freq_mask: float = 1 / 8  # widest frequency mask, as a share of the bands


@dataclasses.dataclass(frozen=True)
class TrainParams:
    """Hyper-parameters of a training run."""

    model: str = "cae"  # 'cae', 'vae' or 'contrastive'
    latent: int = 64  # embedding size
    epochs: int = 6  # maximum number of epochs (one epoch: every training clip once)
    batch_size: int = 64
    lr: float = 2e-3  # learning rate (Adam/AdamW): the start, or the peak of a one-cycle schedule
    schedule: str = (
        "cosine"  # 'cosine' per epoch down to lr/20, or 'onecycle' (per step, 10 % warm-up)
    )
    weight_decay: float = 0.0
    patience: int = 3  # early stopping: epochs without validation improvement
    val_fraction: float = 0.15  # share of tracks held out (all their clips); 0: none
    beta: float = 1.0  # VAE: weight of the KL term
    warmup_epochs: int = 3  # VAE: epochs over which the KL weight rises from 0 to 1
    crop_frames: int = 128  # contrastive: frames of a training view (64 ≈ 1.5 s, 128 ≈ 3 s)
    temperature: float = 0.1  # contrastive: τ of the loss
    augmentation: Augmentation = Augmentation()  # contrastive: how strongly views are changed
    distill: float = 0.0  # contrastive: weight of the term towards a teacher's clip vectors
    teacher_dim: int = 753  # contrastive: the teacher's vector size (musicnn's mean_pool)
    random_state: int = 0  # seeds the split, the initialisation, batches and augmentations

    def __post_init__(self):
        import math

        from ..errors import SongsimError
        from . import MODEL_NAMES

        def bad(what: str, value) -> SongsimError:
            return SongsimError(f"training: {what} (got {value})")

        if self.model not in MODEL_NAMES:
            raise bad(f"the model is one of {', '.join(MODEL_NAMES)}", self.model)
        for name, low, high in (
            ("latent", 1, 4096),
            ("epochs", 1, 10_000),
            ("batch_size", 2, 65_536),
            ("patience", 1, 10_000),
            ("crop_frames", 8, 100_000),
            ("random_state", 0, 2**32 - 1),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or not low <= value <= high:
                raise bad(f"{name} is an integer from {low} to {high}", value)
        for name, low, high in (
            ("lr", 1e-9, 10.0),
            ("beta", 0.0, 1000.0),
            ("distill", 0.0, 1000.0),
            ("temperature", 1e-4, 100.0),
            ("weight_decay", 0.0, 10.0),
        ):
            value = getattr(self, name)
            if not (
                isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high
            ):
                raise bad(f"{name} is a number from {low:g} to {high:g}", value)
        if not 0.0 <= self.val_fraction < 1.0:
            raise bad("val_fraction is from 0 to below 1", self.val_fraction)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def for_model(cls, model: str, **overrides) -> TrainParams:
        """The defaults that suit ``model``, with ``overrides`` (None values ignored) on top."""
        base = {"latent": DEFAULT_LATENT.get(model, cls.latent), **MODEL_DEFAULTS.get(model, {})}
        return cls(model=model, **{**base, **{k: v for k, v in overrides.items() if v is not None}})


#: Per-model defaults; a contrastive epoch has far fewer steps than it needs to converge.
MODEL_DEFAULTS = {
    "contrastive": {
        "epochs": 20,
        "patience": 6,
        "lr": 2e-3,
        "weight_decay": 1e-4,
        "schedule": "onecycle",
        "crop_frames": 64,  # 1.5 s views: as good as 3 s on the real-music benchmark, 3× faster
    }
}
