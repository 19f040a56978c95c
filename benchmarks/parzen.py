"""Parzen protocol speed: this suite's matrix-product estimate vs the original code's shape of work.

The original `parzen_ll.py` forms, per batch of test points, a (batch x samples x pixels) tensor of
differences and reduces it. Here that shape is run in TensorFlow (one compiled graph, float32) on a
slice of the test points and scaled linearly to the full protocol (10 sigmas x 1,000 validation
points + 1 sigma x 10,000 test points, 10,000 samples, 784 pixels); the output says so. Ours runs
the full protocol. Both use real MNIST: 10,000 training images stand in for the samples.

    python benchmarks/parzen.py [--data-dir DIR] [--slice 40]
"""
import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from repro.data.mnist import load_mnist  # noqa: E402
from repro.metrics.parzen import SIGMAS, parzen_protocol  # noqa: E402


@tf.function
def original_shape_batch(points, samples, sigma):
    """log-mean-exp over samples of -||x - mu||^2 / (2 sigma^2), through the difference tensor."""
    a = (points[:, None, :] - samples[None, :, :]) / sigma  # (batch, N, D)
    e = -0.5 * tf.reduce_sum(tf.square(a), axis=2)
    n = tf.cast(tf.shape(samples)[0], tf.float32)
    d = tf.cast(tf.shape(samples)[1], tf.float32)
    return tf.reduce_logsumexp(e, axis=1) - tf.math.log(n) - d * tf.math.log(sigma * np.sqrt(2 * np.pi))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--slice", type=int, default=40, help="test points the original shape is timed on")
    ap.add_argument("--batch", type=int, default=10, help="original's test-point batch")
    a = ap.parse_args()
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    m = load_mnist(a.data_dir or os.environ.get("REPRO_DATA_DIR") or default)
    x = m["train_x"].reshape(60000, -1).astype(np.float32) / 255.0
    samples, valid = x[:10000], x[50000:51000]
    test = m["test_x"].reshape(10000, -1).astype(np.float32) / 255.0

    parzen_protocol(samples[:500], valid[:50], test[:50])  # trace once, as any second call would find it
    t0 = time.perf_counter()
    r = parzen_protocol(samples, valid, test)
    ours = time.perf_counter() - t0

    s = tf.constant(samples)
    sigma = tf.constant(float(SIGMAS[0]), tf.float32)
    original_shape_batch(tf.constant(test[: a.batch]), s, sigma)  # trace
    t0 = time.perf_counter()
    for i in range(0, a.slice, a.batch):
        original_shape_batch(tf.constant(test[i:i + a.batch]), s, sigma)
    per_point = (time.perf_counter() - t0) / a.slice
    evaluations = len(SIGMAS) * len(valid) + len(test)
    original = per_point * evaluations

    print(f"protocol: {len(samples)} samples x 784 px; sigma search {len(SIGMAS)} x {len(valid)} validation points; "
          f"{len(test)} test points")
    print(f"ours (full protocol, matrix product, compiled): {ours:.2f} s  -> ll {r['ll']:.2f} ± {r['se']:.2f}, "
          f"sigma {r['sigma']:.4f}")
    print(f"original shape (batch {a.batch} x samples x pixels): timed on {a.slice} test points, "
          f"{per_point * 1e3:.1f} ms/point, scaled linearly to {evaluations} point-sigma evaluations: {original:.1f} s")
    print(f"ratio: {original / ours:.1f}")


if __name__ == "__main__":
    main()
