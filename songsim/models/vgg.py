"""musicnn's VGG-like baseline taggers (``MSD_vgg``, ``MTT_vgg`` of Pons & Serra's ``musicnn``
0.1.0 package) as a PyTorch module; same input as :class:`~songsim.models.musicnn.MusiCNN`.

The network of the package's ``models.vgg`` with 128 filters, with its shapes for one patch
``(187, 96)`` (time × mel), batch norms with their stored statistics (ε = 1e-3), after the ReLU:

============ ======================================================= =================
input        BN                                                      1 × 187 × 96
block 1      Conv 3×3 'same' → ReLU → BN → max-pool 4×1, stride 2    128 × 92 × 48
blocks 2–4   Conv 3×3 'same' → ReLU → BN → max-pool 2×2, stride 2    128 × 46/23/11 × 24/12/6
block 5      Conv 3×3 'same' → ReLU → BN → max-pool 4×4, stride 4    128 × 2 × 1
``pool5``    flattened in TensorFlow's order (time, freq, channel)   256
tags         Dense 50 → sigmoid                                      50
============ ======================================================= =================
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

EPS = 1e-3
FILTERS = 128
#: (kernel, stride) of each block's max-pool, as ``models.vgg`` has them.
POOLS = (((4, 1), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((4, 4), (4, 4)))


class VGGTagger(nn.Module):
    """The VGG-like tagger (605,748 parameters); :meth:`forward` returns ``pool5`` and ``tags``."""

    def __init__(self, n_tags: int = 50, filters: int = FILTERS):
        super().__init__()
        self.bn_input = nn.BatchNorm2d(1, eps=EPS)
        self.convs = nn.ModuleList(
            [nn.Conv2d(1 if i == 0 else filters, filters, 3, padding=1) for i in range(len(POOLS))]
        )
        self.bns = nn.ModuleList([nn.BatchNorm2d(filters, eps=EPS) for _ in POOLS])
        self.tags = nn.Linear(2 * 1 * filters, n_tags)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``x [shape=(n, 187, 96)]`` → ``{"pool5": (n, 256), "tags": (n, 50) probabilities}``."""
        h = self.bn_input(x.unsqueeze(1))  # (n, 1, time, freq)
        for conv, bn, (kernel, stride) in zip(self.convs, self.bns, POOLS):
            h = F.max_pool2d(bn(F.relu(conv(h))), kernel, stride)
        pool5 = h.permute(0, 2, 3, 1).flatten(1)  # TF flattens NHWC: time, freq, then channel
        return {"pool5": pool5, "tags": torch.sigmoid(self.tags(pool5))}
