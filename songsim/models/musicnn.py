"""musicnn, the pretrained music tagger of Pons & Serra (2019), as a PyTorch module.

The weights are the ``MSD_musicnn`` checkpoint of the ``musicnn`` 0.1.0 package (trained with the
Million Song Dataset's 50 most frequent tags; ISC licence, notice in
``songsim/weights/musicnn-msd/LICENSE``) and its ``MTT_musicnn`` (MagnaTagATune's 50 tags:
``musicnn-mtt``), converted once by ``scripts/convert_musicnn.py`` with NumPy alone: no
TensorFlow at run time. The wheel's VGG taggers are :mod:`songsim.models.vgg`; :func:`load_tagger`
loads any of the four by its weights folder. ``tests/test_musicnn.py`` checks this forward pass
against outputs of the original TensorFlow model stored at conversion.

Input: log-mel patches ``[shape=(n, 187, 96)]`` (3 s at 16 kHz, hop 256; see
:func:`musicnn_patches`). The network, with its layer shapes for one patch:

======================= ========================================================= ===============
front end, timbral      time padded 3 + 3, Conv 7×38 and 7×67 (204 each) → ReLU → BN, max over freq  2 × 204 × 187
front end, temporal     Conv 128×1, 64×1, 32×1 (51 each, TF 'same' in time) → ReLU → BN, max over freq 3 × 51 × 187
mid end                 3 × (Conv1d 7 over 561 / 64 channels, 64) → ReLU → BN, residual on 2 and 3   3 × 64 × 187
back end                max and mean over time of the 753 channels (interleaved), BN, Dense 200 → ReLU → BN
                        (``penultimate``), Dense 50 → sigmoid (the tags)
======================= ========================================================= ===============

Batch norms use their stored statistics (ε = 1e-3), after the ReLU, as the original does.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..config import package_dir

SR = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187  # 3 s: librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1
WEIGHTS = "musicnn-msd"
EPS = 1e-3


def _bn2d(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=EPS)


def _bn1d(c: int) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(c, eps=EPS)


class MusiCNN(nn.Module):
    """musicnn's MSD model (792,079 parameters); :meth:`forward` returns its named layers."""

    TEMPORAL = (128, 64, 32)

    def __init__(self, n_mels: int = N_MELS, n_tags: int = 50):
        super().__init__()
        self.bn_input = _bn2d(1)
        self.timbral = nn.ModuleList([nn.Conv2d(1, 204, (7, int(f * n_mels))) for f in (0.4, 0.7)])
        self.bn_timbral = nn.ModuleList([_bn2d(204), _bn2d(204)])
        self.temporal = nn.ModuleList([nn.Conv2d(1, 51, (k, 1)) for k in self.TEMPORAL])
        self.bn_temporal = nn.ModuleList([_bn2d(51) for _ in self.TEMPORAL])
        self.mid = nn.ModuleList(
            [nn.Conv1d(561, 64, 7), nn.Conv1d(64, 64, 7), nn.Conv1d(64, 64, 7)]
        )
        self.bn_mid = nn.ModuleList([_bn1d(64) for _ in range(3)])
        self.bn_pool = _bn1d(2 * 753)
        self.dense = nn.Linear(2 * 753, 200)
        self.bn_dense = _bn1d(200)
        self.tags = nn.Linear(200, n_tags)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``x [shape=(n, 187, 96)]`` → ``{"mean_pool", "max_pool": (n, 753), "penultimate":
        (n, 200), "tags": (n, 50) probabilities}``."""
        x = self.bn_input(x.unsqueeze(1))  # (n, 1, time, freq)
        padded = F.pad(x, (0, 0, 3, 3))
        front = [
            _max_over_freq(conv(padded), bn) for conv, bn in zip(self.timbral, self.bn_timbral)
        ]
        for k, conv, bn in zip(self.TEMPORAL, self.temporal, self.bn_temporal):
            before = (k - 1) // 2  # TensorFlow's 'same': the odd frame goes at the end
            front.append(_max_over_freq(conv(F.pad(x, (0, 0, before, k - 1 - before))), bn))
        h = torch.cat(front, dim=1)  # (n, 561, time)
        layers = [h]
        for i, (conv, bn) in enumerate(zip(self.mid, self.bn_mid)):
            out = bn(F.relu(conv(F.pad(layers[-1], (3, 3)))))
            layers.append(out if i == 0 else out + layers[-1])
        features = torch.cat(layers, dim=1)  # (n, 753, time)
        max_pool, mean_pool = features.amax(dim=2), features.mean(dim=2)
        flat = torch.stack([max_pool, mean_pool], dim=2).flatten(1)  # TF's flatten interleaves
        penultimate = self.bn_dense(F.relu(self.dense(self.bn_pool(flat))))
        return {
            "mean_pool": mean_pool,
            "max_pool": max_pool,
            "penultimate": penultimate,
            "tags": torch.sigmoid(self.tags(penultimate)),
        }


def _max_over_freq(conv: torch.Tensor, bn: nn.BatchNorm2d) -> torch.Tensor:
    """``max over frequency of BN(ReLU(conv))`` for ``conv [shape=(n, c, time, freq)]`` → ``(n, c, time)``.

    ReLU and a batch norm with stored statistics are monotone per channel (increasing where the
    norm's scale is positive, decreasing where it is negative), so the maximum over frequency is
    taken first — of ``conv`` or of ``-conv`` — and the two run on a tensor 59–96 times smaller:
    the same values, a third less time.
    """
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    picked = torch.where(scale[None, :, None] >= 0, conv.amax(dim=3), conv.amin(dim=3))
    return F.batch_norm(
        F.relu(picked), bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps
    )


def weights_dir(folder: str = WEIGHTS) -> Path:
    return package_dir() / "weights" / folder


@lru_cache(maxsize=8)
def _manifest(folder: str) -> dict:
    return json.loads((weights_dir(folder) / "manifest.json").read_text())


def tag_names(folder: str = WEIGHTS) -> tuple[str, ...]:
    """The 50 tags of a tagger's weights ``folder``, in the order of its outputs (MSD's by
    default: genres and eras; ``musicnn-mtt`` and ``vgg-mtt`` have MagnaTagATune's: instruments,
    voices and moods)."""
    return tuple(_manifest(folder)["tags"])


def vocabulary(folder: str = WEIGHTS) -> str:
    """``"MSD"`` or ``"MTT"``: the tag set a tagger was trained with."""
    return _manifest(folder).get("vocabulary", "MSD")


@lru_cache(maxsize=4)
def load_tagger(folder: str = WEIGHTS) -> nn.Module:
    """A converted tagger of the musicnn wheel in eval mode (loaded once a process): a
    :class:`MusiCNN` or a :class:`~songsim.models.vgg.VGGTagger`, as its manifest says."""
    from safetensors.torch import load_file

    from .vgg import VGGTagger

    net = VGGTagger() if _manifest(folder)["model"] == "vgg" else MusiCNN()
    net.load_state_dict(load_file(weights_dir(folder) / "weights.safetensors"))
    return net.eval()


def musicnn_patches(y: np.ndarray) -> np.ndarray:
    """Non-overlapping 3-s input patches ``[shape=(n, 187, 96)]`` float32 of mono audio ``y`` at 16 kHz.

    As musicnn computes them: mel power spectrogram (n_fft 512, hop 256, 96 Slaney bands, centred
    frames), cast to float16 as the model was trained with, then ``log10(10000·x + 1)``. The
    arithmetic is done in float32: in float16 (NumPy ≥ 2 keeps ``10000 * float16`` in float16)
    powers above 6.55 overflow to inf and a loud track comes out as NaN.
    """
    import librosa

    S = librosa.feature.melspectrogram(
        y=np.asarray(y, dtype=np.float32), sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS
    ).T
    X = np.log10(10000.0 * S.astype(np.float16).astype(np.float32) + 1.0)
    n = len(X) // PATCH_FRAMES
    return np.ascontiguousarray(X[: n * PATCH_FRAMES].reshape(n, PATCH_FRAMES, N_MELS))


#: Patches a tagger hears at once. Their first layers' activations are large (a VGG's first
#: convolution: 128 × 187 × 96 floats a patch, 9 MB), and small batches are as fast on a CPU:
#: all four taggers on 16 real tracks took 1.92 CPU-s a track and 657 MB at 4 patches a batch,
#: 2.73 CPU-s and 1.77 GB at 64 (``bench/bench_taggers.py``).
BATCH = 4


def run_tagger(patches: np.ndarray, folder: str = WEIGHTS, *, batch: int = BATCH) -> dict:
    """A tagger's layers for ``patches [shape=(n, 187, 96)]``, in batches: each ``(n, dim)``
    float32 (MusiCNN: mean_pool, max_pool, penultimate, tags; VGG: pool5, tags)."""
    net = load_tagger(folder)
    out: dict[str, list] = {}
    with torch.inference_mode():
        for i in range(0, max(len(patches), 1), batch):
            chunk = patches[i : i + batch] if len(patches) else np.zeros((1, PATCH_FRAMES, N_MELS))
            x = torch.from_numpy(np.ascontiguousarray(chunk, dtype=np.float32))
            for name, value in net(x).items():
                out.setdefault(name, []).append(value.numpy()[: len(patches)])
    return {k: np.concatenate(v) for k, v in out.items()}


def run_musicnn(patches: np.ndarray, *, batch: int = BATCH) -> dict[str, np.ndarray]:
    """MSD_musicnn's layers for ``patches`` (:func:`run_tagger`)."""
    return run_tagger(patches, WEIGHTS, batch=batch)
