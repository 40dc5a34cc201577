"""Convert the four checkpoints of the musicnn 0.1.0 wheel to the safetensors songsim ships,
with NumPy alone.

    pip download --no-deps musicnn==0.1.0 -d /tmp/musicnn
    python scripts/convert_musicnn.py /tmp/musicnn/musicnn-0.1.0-py3-none-any.whl --model MSD_musicnn
    python scripts/convert_musicnn.py /tmp/musicnn/musicnn-0.1.0-py3-none-any.whl --model MTT_vgg

Reads the TensorFlow tensor bundle inside the wheel (``musicnn/<MODEL>/.index`` and
``.data-00000-of-00001``; the bundled ``checkpoint`` file points at its author's home folder, so
the prefix is read directly), maps every variable to :class:`songsim.models.musicnn.MusiCNN`
(``*_musicnn``) or :class:`songsim.models.vgg.VGGTagger` (``*_vgg``) (TF kernels
``[h, w, in, out]`` → ``[out, in, h, w]``, dense ``[in, out]`` → ``[out, in]``), checks that every
weight was used, and writes ``songsim/weights/<folder>/`` (:data:`FOLDERS`):
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

# MTT_LABELS of musicnn/configuration.py (MagnaTagATune: instruments, voices, moods)
MTT_TAGS = ['guitar', 'classical', 'slow', 'techno', 'strings', 'drums', 'electronic', 'rock', 'fast', 'piano', 'ambient', 'beat', 'violin', 'vocal', 'synth', 'female', 'indian', 'opera', 'male', 'singing', 'vocals', 'no vocals', 'harpsichord', 'loud', 'quiet', 'flute', 'woman', 'male vocal', 'no vocal', 'pop', 'soft', 'sitar', 'solo', 'man', 'classic', 'choir', 'voice', 'new age', 'dance', 'male voice', 'female vocal', 'beats', 'harp', 'cello', 'no voice', 'weird', 'country', 'metal', 'female voice', 'choral']  # fmt: skip

#: Checkpoint of the wheel → songsim's weights folder.
FOLDERS = {
    "MSD_musicnn": "musicnn-msd",
    "MTT_musicnn": "musicnn-mtt",
    "MSD_vgg": "vgg-msd",
    "MTT_vgg": "vgg-mtt",
}


def vgg_state_dict(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The VGGTagger state dict of a ``*_vgg`` checkpoint's variables."""
    out, used = {}, set()

    def take(name):
        used.add(name)
        return tensors[name]

    _batch_norms(out, take, ["bn_input"] + [f"bns.{j}" for j in range(5)])
    for j in range(5):
        out[f"convs.{j}.weight"] = take(f"{j + 1}CNN/kernel").transpose(3, 2, 0, 1)
        out[f"convs.{j}.bias"] = take(f"{j + 1}CNN/bias")
    out["tags.weight"] = take("dense/kernel").T
    out["tags.bias"] = take("dense/bias")
    _all_used(tensors, used)
    return {k: np.ascontiguousarray(v, dtype=v.dtype) for k, v in out.items()}


def _batch_norms(out: dict, take, modules: list[str]) -> None:
    """TF's ``batch_normalization[_i]`` scopes, in creation order, into ``modules``' BatchNorms."""
    for i, module in enumerate(modules):
        scope = "batch_normalization" + (f"_{i}" if i else "")
        out[f"{module}.weight"] = take(f"{scope}/gamma")
        out[f"{module}.bias"] = take(f"{scope}/beta")
        out[f"{module}.running_mean"] = take(f"{scope}/moving_mean")
        out[f"{module}.running_var"] = take(f"{scope}/moving_variance")
        out[f"{module}.num_batches_tracked"] = np.array(0, dtype=np.int64)


def _all_used(tensors: dict, used: set) -> None:
    left = {k for k in tensors if k not in used and "Adam" not in k and not k.endswith("_power")}
    if left:
        raise SystemExit(f"variables of the checkpoint not mapped: {sorted(left)}")


def state_dict(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The MusiCNN state dict of the checkpoint's variables (optimiser slots left out)."""
    out, used = {}, set()

    def take(name):
        used.add(name)
        return tensors[name]

    _batch_norms(out, take, BN)
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
    _all_used(tensors, used)
    return {k: np.ascontiguousarray(v, dtype=v.dtype) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wheel", type=Path, help="musicnn-0.1.0-py3-none-any.whl")
    ap.add_argument("--model", choices=sorted(FOLDERS), default="MSD_musicnn")
    ap.add_argument("--out", type=Path, help="default: songsim/weights/<the model's folder>")
    args = ap.parse_args()
    import torch
    from safetensors.torch import save_file

    from songsim.models.musicnn import MusiCNN
    from songsim.models.vgg import VGGTagger

    out = args.out or ROOT / "songsim" / "weights" / FOLDERS[args.model]
    vgg = args.model.endswith("_vgg")
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(args.wheel) as z:
            z.extractall(tmp)
        tensors = read_bundle(f"{Path(tmp) / 'musicnn' / args.model}/")  # prefix ""
        licence = (Path(tmp) / "musicnn-0.1.0.dist-info" / "LICENSE.md").read_text()
    sd = {
        k: torch.from_numpy(v) for k, v in (vgg_state_dict if vgg else state_dict)(tensors).items()
    }
    net = VGGTagger() if vgg else MusiCNN()
    net.load_state_dict(sd, strict=True)  # every shape checked
    n_params = sum(p.numel() for p in net.parameters())
    out.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: v.contiguous() for k, v in net.state_dict().items()}, str(out / "weights.safetensors")
    )
    (out / "weights.safetensors").chmod(0o644)
    (out / "LICENSE").write_text(
        f"The weights in this folder are converted from the {args.model} model of the musicnn\n"
        "package, version 0.1.0 (https://github.com/jordipons/musicnn), by\n"
        "scripts/convert_musicnn.py. Its licence (ISC) follows.\n\n" + licence
    )
    manifest = {
        "model": "vgg" if vgg else "musicnn",
        "source": f"musicnn==0.1.0 (PyPI wheel), {args.model} checkpoint",
        "wheel_sha256": hashlib.sha256(args.wheel.read_bytes()).hexdigest(),
        "licence": "ISC, Copyright (c) Music Technology Group, Universitat Pompeu Fabra 2019",
        "reference": "J. Pons and X. Serra, musicnn: pre-trained convolutional neural networks for music audio tagging, ISMIR late-breaking 2019",
        "parameters": n_params,
        "input": {"sr": 16000, "n_fft": 512, "hop_length": 256, "n_mels": 96, "patch_frames": 187},
        "vocabulary": "MSD" if args.model.startswith("MSD") else "MTT",
        "tags": MSD_TAGS if args.model.startswith("MSD") else MTT_TAGS,
        "weights_sha256": hashlib.sha256((out / "weights.safetensors").read_bytes()).hexdigest(),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps({"model": args.model, "parameters": n_params, "out": str(out)}))


if __name__ == "__main__":
    main()
