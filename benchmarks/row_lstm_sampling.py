"""Row LSTM sampling: the compiled loop that keeps the LSTM states of finished rows, against the same compiled loop
re-running the whole network for every pixel, side by side.

A sample takes 784 sequential steps (each pixel depends on the ones drawn before it). The Row LSTM's state of a
row depends only on the rows above, so the sampler keeps each layer's (hidden, cell) state once a row is finished
and runs the network on the current row only; the plain way runs the whole network (all 28 rows, the recurrence
down the image included) at every pixel. Both are one tf.function holding a tf.while_loop over the pixels, on the
same batch, weights and seeds, timed in alternating rounds so that background load hits both alike; the report
says whether they drew identical images (they compute the same probabilities up to float rounding).
Then the cost of the 2014 protocol's 10,000 samples, from one batch of --cost-batch images.
The last line is `ratio: (whole network per pixel) / (kept states)`.

    python benchmarks/row_lstm_sampling.py [--n 4] [--rounds 1] [--cost-batch 16] [--profile paper]
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import repro  # noqa: E402,F401  (chooses the CPU kernels before TensorFlow loads)

# isort: split
import tensorflow as tf  # noqa: E402
from pixelcnn_sampling import print_cost_of_10000, print_machine, print_times  # noqa: E402  (this folder)

from repro.config import load_config  # noqa: E402
from repro.train import build_model  # noqa: E402

CONFIG = ROOT / "paper_configs" / "row_lstm_binarized_mnist.yaml"


def whole_network_sampler(model):
    """The plain sampler: every pixel runs the whole network on the whole (partly drawn) image."""
    h, w = model.image_shape[:2]

    @tf.function(reduce_retracing=True)
    def sample(n, seed, stop):
        shape = tf.concat([[n], tf.constant(model.image_shape)], 0)
        x0, p0 = tf.zeros(shape), tf.zeros(shape)

        def body(i, x, p):
            prob = tf.sigmoid(model.net(x, training=False)[:, i // w, i % w, 0])
            u = tf.random.stateless_uniform(tf.shape(prob), seed=tf.stack([seed, tf.cast(i, tf.int64)]))
            hot = tf.reshape(tf.one_hot(i, h * w), (1, h, w, 1))
            drawn = tf.cast(u < prob, tf.float32)
            return i + 1, x + hot * drawn[:, None, None, None], p + hot * prob[:, None, None, None]
        _, x, p = tf.while_loop(lambda i, x, p: i < stop, body, (tf.constant(0), x0, p0), parallel_iterations=1,
                                shape_invariants=(tf.TensorShape([]), x0.shape, p0.shape))
        return x, p
    return sample


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4, help="images per batch in the side-by-side rounds")
    ap.add_argument("--rounds", type=int, default=1, help="timed rounds of the two samplers (median reported)")
    ap.add_argument("--cost-batch", type=int, default=16, help="images in the batch timed for the 10,000 cost")
    ap.add_argument("--profile", default="paper")
    a = ap.parse_args()
    cfg = load_config(CONFIG, a.profile)
    model = build_model(cfg, None)  # untrained weights: the cost of a step does not depend on them
    whole = whole_network_sampler(model)
    n, seed, width = tf.constant(a.n), tf.constant(1_000_003, tf.int64), model.image_shape[1]

    variants = {"kept states": lambda stop: model._sample_loop(n, seed, tf.constant(stop)),
                "whole network": lambda stop: whole(n, seed, tf.constant(stop))}
    for f in variants.values():  # trace both on one row of pixels (the pixel count is a tensor: no new trace)
        f(width)
    times, outputs = {k: [] for k in variants}, {}
    for _ in range(a.rounds):
        for k, f in variants.items():
            t0 = time.perf_counter()
            outputs[k] = [t.numpy() for t in f(model.dim)]
            times[k].append(time.perf_counter() - t0)
    same = np.array_equal(outputs["kept states"][0], outputs["whole network"][0])
    gap = float(np.abs(outputs["kept states"][1] - outputs["whole network"][1]).max())
    print_machine()
    p = cfg["model_params"]
    print(f"model: {a.profile} profile, h = {p['hidden']}, {p['lstm_layers']} Row LSTM layers; {a.n} images x "
          f"{model.dim} pixels per batch; identical images: {same} (largest probability difference {gap:.1e})")
    print_times(times, a.n)
    print_cost_of_10000(model, a.cost_batch, "kept states")
    print(f"ratio: {np.median(times['whole network']) / np.median(times['kept states']):.2f}")


if __name__ == "__main__":
    main()
