"""musicnn's forward pass: songsim's PyTorch port against the original TensorFlow model, same patches.

    python bench/bench_musicnn.py [--patches 256] [--tf-python /tmp/tfenv/bin/python --wheel musicnn-0.1.0-py3-none-any.whl]

Times CPU seconds per 3-s patch (process time, so waiting does not count; median of 3 runs) for
the port at 1 and 2 threads. With ``--tf-python`` (a Python that has TensorFlow, e.g. the
throw-away environment of ``scripts/musicnn_reference.py``) the original graph runs on the same
patches in that interpreter, and the largest difference of their ``penultimate`` layers is
reported too. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TF_SCRIPT = r"""
import json, sys, tempfile, time, zipfile
import numpy as np
import tensorflow as tf
wheel, patches_path, out_path, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tmp = tempfile.mkdtemp()
zipfile.ZipFile(wheel).extractall(tmp)
sys.path.insert(0, tmp)
from musicnn import models
tf.compat.v1.disable_eager_execution()
x_in = np.load(patches_path)
with tf.name_scope("model"):
    x = tf.compat.v1.placeholder(tf.float32, [None, 187, 96])
    is_training = tf.compat.v1.placeholder(tf.bool)
    out = models.define_model(x, is_training, "MSD_musicnn", 50)
config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=1)
sess = tf.compat.v1.Session(config=config)
tf.compat.v1.train.Saver().restore(sess, tmp + "/musicnn/MSD_musicnn/")
feed = lambda p: {x: p, is_training: False}
sess.run(out[-1], feed_dict=feed(x_in[:8]))
times = []
for _ in range(3):
    t = time.process_time()
    pen = np.concatenate([sess.run(out[-1], feed_dict=feed(x_in[i:i + 32])) for i in range(0, len(x_in), 32)])
    times.append((time.process_time() - t) / len(x_in))
np.save(out_path, pen)
print(json.dumps({"cpu_s_per_patch": float(np.median(times))}))
"""


def port_cpu_seconds(patches: np.ndarray, threads: int) -> tuple[float, np.ndarray]:
    import torch

    from songsim.models.musicnn import run_musicnn

    torch.set_num_threads(threads)
    run_musicnn(patches[:8])
    times = []
    for _ in range(3):
        t = time.process_time()
        out = run_musicnn(patches, batch=32)
        times.append((time.process_time() - t) / len(patches))
    return float(np.median(times)), out["penultimate"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patches", type=int, default=256, help="patches to run (default 256)")
    ap.add_argument(
        "--tf-python", help="a Python with TensorFlow, to run the original as the reference"
    )
    ap.add_argument("--wheel", type=Path, help="musicnn-0.1.0-py3-none-any.whl (with --tf-python)")
    args = ap.parse_args()
    ref = np.load(ROOT / "tests" / "data" / "musicnn_reference.npz")
    rng = np.random.default_rng(0)
    base = ref["input"]
    patches = (
        np.resize(base, (args.patches, 187, 96)) + rng.normal(0, 0.05, (args.patches, 187, 96))
    ).astype(np.float32)
    out = {"bench": "musicnn", "patches": args.patches}
    one, pen = port_cpu_seconds(patches, 1)
    two, _ = port_cpu_seconds(patches, 2)
    out["songsim_cpu_s_per_patch"] = {"1_thread": round(one, 4), "2_threads": round(two, 4)}
    if args.tf_python:
        with tempfile.TemporaryDirectory() as tmp:
            np.save(Path(tmp) / "p.npy", patches)
            r = subprocess.run(
                [
                    args.tf_python,
                    "-c",
                    TF_SCRIPT,
                    str(args.wheel),
                    f"{tmp}/p.npy",
                    f"{tmp}/pen.npy",
                    "1",
                ],
                capture_output=True,
                text=True,
            )
            if r.returncode:
                raise SystemExit(r.stderr[-2000:])
            tf_out = json.loads(r.stdout.strip().splitlines()[-1])
            tf_pen = np.load(f"{tmp}/pen.npy")
        out["tensorflow_cpu_s_per_patch_1_thread"] = round(tf_out["cpu_s_per_patch"], 4)
        out["ratio_tf_over_songsim_1_thread"] = round(tf_out["cpu_s_per_patch"] / one, 2)
        out["max_abs_diff_penultimate"] = float(np.abs(tf_pen - pen).max())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
