"""Convert musicnn's MSD_musicnn checkpoint to the safetensors songsim ships, with NumPy alone.

    pip download --no-deps musicnn==0.1.0 -d /tmp/musicnn
    python scripts/convert_musicnn.py /tmp/musicnn/musicnn-0.1.0-py3-none-any.whl

Reads the TensorFlow tensor bundle inside the wheel (``musicnn/MSD_musicnn/.index`` and
``.data-00000-of-00001``; the bundled ``checkpoint`` file points at its author's home folder, so
the prefix is read directly), maps every variable to :class:`songsim.models.musicnn.MusiCNN`
(TF kernels ``[h, w, in, out]`` → ``[out, in, h, w]``, dense ``[in, out]`` → ``[out, in]``),
checks that every weight was used, and writes ``songsim/weights/musicnn-msd/``:
``weights.safetensors``, ``manifest.json`` (tags, source, checksums) and ``LICENSE`` (the
package's ISC notice and copyright line, as its licence asks).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from tf_bundle import read_bundle  # noqa: E402

# MSD_LABELS of musicnn/configuration.py, in the order of the model's outputs
MSD_TAGS = ['rock', 'pop', 'alternative', 'indie', 'electronic', 'female vocalists', 'dance', '00s', 'alternative rock', 'jazz', 'beautiful', 'metal', 'chillout', 'male vocalists', 'classic rock', 'soul', 'indie rock', 'Mellow', 'electronica', '80s', 'folk', '90s', 'chill', 'instrumental', 'punk', 'oldies', 'blues', 'hard rock', 'ambient', 'acoustic', 'experimental', 'female vocalist', 'guitar', 'Hip-Hop', '70s', 'party', 'country', 'easy listening', 'sexy', 'catchy', 'funk', 'electro', 'heavy metal', 'Progressive rock', '60s', 'rnb', 'indie pop', 'sad', 'House', 'happy']  # fmt: skip

#: TF variable scope → songsim module, in the order the TF graph creates them.
BN = [
    "bn_input",
    "bn_timbral.0",
    "bn_timbral.1",
    "bn_temporal.0",
    "bn_temporal.1",
    "bn_temporal.2",
    "bn_mid.0",
    "bn_mid.1",
    "bn_mid.2",
    "bn_pool",
    "bn_dense",
]
CONV = [
    "timbral.0",
    "timbral.1",
    "temporal.0",
    "temporal.1",
    "temporal.2",
    "mid.0",
    "mid.1",
    "mid.2",
]
DENSE = ["dense", "tags"]


def state_dict(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The MusiCNN state dict of the checkpoint's variables (optimiser slots left out)."""
    out, used = {}, set()

    def take(name):
        used.add(name)
        return tensors[name]

    for i, module in enumerate(BN):
        scope = "batch_normalization" + (f"_{i}" if i else "")
        out[f"{module}.weight"] = take(f"{scope}/gamma")
        out[f"{module}.bias"] = take(f"{scope}/beta")
        out[f"{module}.running_mean"] = take(f"{scope}/moving_mean")
        out[f"{module}.running_var"] = take(f"{scope}/moving_variance")
        out[f"{module}.num_batches_tracked"] = np.array(0, dtype=np.int64)
    for i, module in enumerate(CONV):
        scope = "conv2d" + (f"_{i}" if i else "")
        kernel = take(f"{scope}/kernel")  # [h, w, in, out]
        if module.startswith("mid"):  # a conv over all channels at once is a Conv1d
            out[f"{module}.weight"] = kernel[:, :, 0, :].transpose(2, 1, 0)  # [out, channels, time]
        else:
            out[f"{module}.weight"] = kernel.transpose(3, 2, 0, 1)
        out[f"{module}.bias"] = take(f"{scope}/bias")
    for i, module in enumerate(DENSE):
        scope = "dense" + (f"_{i}" if i else "")
        out[f"{module}.weight"] = take(f"{scope}/kernel").T
        out[f"{module}.bias"] = take(f"{scope}/bias")
    left = {k for k in tensors if k not in used and "Adam" not in k and not k.endswith("_power")}
    if left:
        raise SystemExit(f"variables of the checkpoint not mapped: {sorted(left)}")
    return {k: np.ascontiguousarray(v, dtype=v.dtype) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wheel", type=Path, help="musicnn-0.1.0-py3-none-any.whl")
    ap.add_argument("--out", type=Path, default=ROOT / "songsim" / "weights" / "musicnn-msd")
    args = ap.parse_args()
    import torch
    from safetensors.torch import save_file

    from songsim.models.musicnn import MusiCNN

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(args.wheel) as z:
            z.extractall(tmp)
        tensors = read_bundle(f"{Path(tmp) / 'musicnn' / 'MSD_musicnn'}/")  # prefix ""
        licence = (Path(tmp) / "musicnn-0.1.0.dist-info" / "LICENSE.md").read_text()
    sd = {k: torch.from_numpy(v) for k, v in state_dict(tensors).items()}
    net = MusiCNN()
    net.load_state_dict(sd, strict=True)  # every shape checked
    n_params = sum(p.numel() for p in net.parameters())
    args.out.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: v.contiguous() for k, v in net.state_dict().items()},
        str(args.out / "weights.safetensors"),
    )
    (args.out / "weights.safetensors").chmod(0o644)
    (args.out / "LICENSE").write_text(
        "The weights in this folder are converted from the MSD_musicnn model of the musicnn\n"
        "package, version 0.1.0 (https://github.com/jordipons/musicnn), by\n"
        "scripts/convert_musicnn.py. Its licence (ISC) follows.\n\n" + licence
    )
    manifest = {
        "model": "musicnn",
        "source": "musicnn==0.1.0 (PyPI wheel), MSD_musicnn checkpoint",
        "wheel_sha256": hashlib.sha256(args.wheel.read_bytes()).hexdigest(),
        "licence": "ISC, Copyright (c) Music Technology Group, Universitat Pompeu Fabra 2019",
        "reference": "J. Pons and X. Serra, musicnn: pre-trained convolutional neural networks for music audio tagging, ISMIR late-breaking 2019",
        "parameters": n_params,
        "input": {"sr": 16000, "n_fft": 512, "hop_length": 256, "n_mels": 96, "patch_frames": 187},
        "tags": MSD_TAGS,
        "weights_sha256": hashlib.sha256(
            (args.out / "weights.safetensors").read_bytes()
        ).hexdigest(),
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps({"parameters": n_params, "out": str(args.out)}))


if __name__ == "__main__":
    main()
