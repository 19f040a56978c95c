"""Plotting helpers every experiment's figures share: a fixed seed for the samples shown, image grids,
nearest training examples, and saving a figure without leaving a half-written file."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

FIG_SEED = 7  # every figure draws the samples it shows from this seed


def tile(images, rows, cols, pad=2, fill=1.0):
    """(rows*cols, H, W, 1) in [0,1] to one grey image with `pad` pixel gutters."""
    h, w = images.shape[1:3]
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), fill, np.float32)
    for i, im in enumerate(images[: rows * cols]):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = im[..., 0]
    return out


def nearest_training_example(samples_flat, train_flat, batch=2000):
    """Index of the nearest training image (squared Euclidean in pixel space) for each sample."""
    t = tf.constant(train_flat)
    sq = tf.reduce_sum(tf.square(t), axis=1)
    idx = []
    for i in range(0, len(samples_flat), batch):
        s = tf.constant(samples_flat[i:i + batch])
        idx.append(tf.argmin(sq[None, :] - 2.0 * tf.matmul(s, t, transpose_b=True), axis=1).numpy())
    return np.concatenate(idx)


def save(fig, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    fig.savefig(tmp, dpi=150, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(path)
    return path
