"""Reference outputs of the original musicnn (TensorFlow) for the port's test, made once.

Run in a throw-away environment that has TensorFlow, never in songsim's own:

    python3 -m venv /tmp/tfenv && /tmp/tfenv/bin/pip install tensorflow-cpu==2.15.1 "numpy<2" librosa==0.10.2
    /tmp/tfenv/bin/python scripts/musicnn_reference.py musicnn-0.1.0-py3-none-any.whl tests/data/musicnn_reference.npz

It synthesises three fixture clips at 16 kHz (a chord with vibrato, a drum-like noise pattern,
and a loud clipped square wave: the case that overflows float16), computes musicnn's own input
with the package's ``batch_data`` (stored as ``musicnn_input``: inf where float16 overflowed)
and the same input with the arithmetic in float32 (``input``, what songsim feeds), restores
``MSD_musicnn`` in musicnn's own graph and stores its ``mean_pool``, ``max_pool``,
``penultimate`` and ``taggram`` for ``input``.
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

SR = 16000


def fixture_audio() -> dict[str, np.ndarray]:
    """Three deterministic clips (float32 in [-1, 1]): 6.2 s, 3.2 s and 3.2 s."""
    rng = np.random.default_rng(2019)
    t = np.arange(int(6.2 * SR)) / SR
    vibrato = 1 + 0.003 * np.sin(2 * np.pi * 5 * t)
    chord = sum(
        np.sin(2 * np.pi * f * vibrato * t) / (i + 1)
        for i, f in enumerate((220, 277.2, 329.6, 440))
    )
    chord *= 0.2 * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    t2 = np.arange(int(3.2 * SR)) / SR
    hits = np.zeros_like(t2)
    for start in np.arange(0, 3.2, 0.25):
        n = int(start * SR)
        hits[n : n + 2000] += rng.standard_normal(len(hits[n : n + 2000])) * np.exp(
            -np.arange(len(hits[n : n + 2000])) / 300
        )
    kick = np.sin(2 * np.pi * 60 * t2) * (np.mod(t2, 0.5) < 0.08)
    drums = 0.3 * hits + 0.5 * kick
    loud = np.clip(
        3 * np.sign(np.sin(2 * np.pi * 110 * t2)), -1, 1
    )  # full scale: float16 overflows
    clips = {"chord": chord, "drums": drums, "loud": loud}
    return {k: np.clip(v, -1, 1).astype(np.float32) for k, v in clips.items()}


def main() -> None:
    wheel, out = Path(sys.argv[1]), Path(sys.argv[2])
    import librosa
    import soundfile as sf
    import tensorflow as tf

    tmp = tempfile.mkdtemp()
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp)
    sys.path.insert(0, tmp)
    from musicnn import configuration as config
    from musicnn import models
    from musicnn.extractor import batch_data

    # quantised to the int16 the fixture is stored as, so the test reads exactly this audio
    clips = {
        k: (np.round(v * 32767) / 32767).astype(np.float32) for k, v in fixture_audio().items()
    }
    inputs, originals, owner = [], [], []
    for name, y in clips.items():
        path = Path(tmp) / f"{name}.wav"
        sf.write(path, y, SR, subtype="FLOAT")
        with np.errstate(over="ignore"):
            batch, _ = batch_data(str(path), 187, 187)  # musicnn's own input pipeline
        audio, _ = librosa.load(str(path), sr=SR)
        S = librosa.feature.melspectrogram(y=audio, sr=SR, hop_length=256, n_fft=512, n_mels=96).T
        X = np.log10(10000.0 * S.astype(np.float16).astype(np.float32) + 1.0)
        n = len(X) // 187
        inputs.append(X[: n * 187].reshape(n, 187, 96))
        originals.append(batch.astype(np.float32))
        owner += [name] * n
    x_in = np.concatenate(inputs).astype(np.float32)

    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, 187, config.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        y, _, _, _, _, _, mean_pool, max_pool, penultimate = models.define_model(
            x, is_training, "MSD_musicnn", 50
        )
        taggram = tf.nn.sigmoid(y)
    sess = tf.compat.v1.Session()
    sess.run(tf.compat.v1.global_variables_initializer())
    tf.compat.v1.train.Saver().restore(sess, str(Path(tmp) / "musicnn" / "MSD_musicnn") + "/")
    mp, xp, pen, tg = sess.run(
        [mean_pool, max_pool, penultimate, taggram], feed_dict={x: x_in, is_training: False}
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        **{f"audio_{k}": np.round(v * 32767).astype(np.int16) for k, v in clips.items()},
        clip=np.array(owner),
        input=x_in,
        musicnn_input=np.concatenate(originals),
        mean_pool=mp,
        max_pool=xp,
        penultimate=pen,
        taggram=tg,
        versions=np.array(
            [
                f"tensorflow {tf.__version__}",
                f"librosa {librosa.__version__}",
                f"numpy {np.__version__}",
            ]
        ),
    )
    print(
        f"{out}: {len(x_in)} patches; inf in musicnn's own input: {int(np.isinf(np.concatenate(originals)).sum())}"
    )


if __name__ == "__main__":
    main()
