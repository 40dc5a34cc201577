"""Reference outputs of the musicnn wheel's other three models (TensorFlow), made once.

Run in the throw-away TensorFlow environment of ``scripts/musicnn_reference.py``, after it:

    /tmp/tfenv/bin/python scripts/musicnn_wheel_reference.py musicnn-0.1.0-py3-none-any.whl \\
        tests/data/musicnn_reference.npz tests/data/musicnn_wheel_reference.npz

For the same fixture patches (``input`` of the first file) it restores ``MTT_musicnn``,
``MSD_vgg`` and ``MTT_vgg`` in musicnn's own graph (``models.define_model``) and stores, per
model, the layer songsim embeds (``<model>/mean_pool`` of a musicnn, ``<model>/pool5`` of a VGG,
flattened as TensorFlow flattens it) and the tag probabilities (``<model>/taggram``).
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

MODELS = ("MTT_musicnn", "MSD_vgg", "MTT_vgg")


def main() -> None:
    wheel, patches, out = (Path(a) for a in sys.argv[1:4])
    import tensorflow as tf

    tmp = tempfile.mkdtemp()
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp)
    sys.path.insert(0, tmp)
    from musicnn import configuration as config
    from musicnn import models

    x_in = np.load(patches)["input"]
    tf.compat.v1.disable_eager_execution()
    stored = {}
    for name in MODELS:
        tf.compat.v1.reset_default_graph()
        with tf.name_scope("model"):
            x = tf.compat.v1.placeholder(tf.float32, [None, 187, config.N_MELS])
            is_training = tf.compat.v1.placeholder(tf.bool)
            outputs = models.define_model(x, is_training, name, 50)
            taggram = tf.nn.sigmoid(outputs[0])
            layer = outputs[6] if name.endswith("musicnn") else outputs[5]  # mean_pool, pool5
        sess = tf.compat.v1.Session()
        sess.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().restore(sess, str(Path(tmp) / "musicnn" / name) + "/")
        feats, tags = sess.run([layer, taggram], feed_dict={x: x_in, is_training: False})
        key = "mean_pool" if name.endswith("musicnn") else "pool5"
        stored[f"{name}/{key}"] = feats.reshape(len(x_in), -1)
        stored[f"{name}/taggram"] = tags
        sess.close()
    np.savez_compressed(
        out,
        **stored,
        versions=np.array([f"tensorflow {tf.__version__}", f"numpy {np.__version__}"]),
    )
    print(f"{out}: {len(x_in)} patches, {', '.join(f'{k} {v.shape}' for k, v in stored.items())}")


if __name__ == "__main__":
    main()
