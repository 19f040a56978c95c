"""PixelCNN sampling: one compiled loop over the 784 pixels against per-pixel Python loops, side by side.

A sample takes 784 sequential steps (each pixel depends on the ones drawn before it). Measured in one process, in
alternating rounds so that background load hits every variant alike, on the same images and seeds (the report
says whether they drew identical images; tests/test_pixelcnn.py checks it):
  compiled:        PixelCNN.generate: one tf.function holding a tf.while_loop over the pixels, the whole batch;
                   each step computes the current row only, the finished rows' activations kept;
  compiled window: the same loop running the network at each pixel on the window of rows it can see;
  python+compiled: a Python loop over the pixels calling a compiled one-pixel step (784 calls per batch);
  python eager:    a Python loop over the pixels running the network eagerly (the plainest implementation; only
                   with --eager: about 15x the compiled loop, so ten minutes and more on a busy CPU).
Then the cost of the 2014 protocol's 10,000 samples, from one compiled batch of --cost-batch images.
The last line is `ratio: (python+compiled time) / (compiled time)` — against the faster of the two Python loops.

Kept to a few minutes on a busy 2-core CPU: small batches, one timed round by default, the warm-up (tracing
the compiled functions) on a single row of pixels rather than a whole image, and the eager loop only on request.

    python benchmarks/pixelcnn_sampling.py [--n 4] [--rounds 1] [--cost-batch 16] [--eager] [--profile paper]
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

from repro.backend import describe  # noqa: E402
from repro.config import load_config  # noqa: E402
from repro.train import build_model  # noqa: E402

CONFIG = ROOT / "paper_configs" / "pixelcnn_binarized_mnist.yaml"


def print_machine():
    env = describe()
    print(f"CPU: {env['cpu']}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work shares "
          f"them: times are of this machine as it was)")


def print_times(times, n):
    """Each variant's median time per batch of n and per image, with every round's time."""
    width = max(map(len, times))
    for k, t in times.items():
        med = float(np.median(t))
        print(f"{k:>{width}}: {med:.2f} s per batch of {n} ({med / n:.2f} s per image; rounds: "
              + ", ".join(f"{x:.2f}" for x in t) + ")")


def print_cost_of_10000(model, batch, name):
    """The model's own sampler on one batch, scaled to the 2014 protocol's 10,000 samples."""
    t0 = time.perf_counter()  # no new trace: the batch size is a tensor argument of the compiled loop
    model._samples = {}
    model.generate(batch, seed=3, batch_size=batch)
    per_image = (time.perf_counter() - t0) / batch
    print(f"{name}, batch of {batch}: {per_image:.2f} s per image -> 10,000 samples (the 2014 Parzen "
          f"protocol) about {per_image * 10000 / 3600:.1f} h on this machine (larger batches cost less per image)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4, help="images per batch in the side-by-side rounds")
    ap.add_argument("--rounds", type=int, default=1, help="timed rounds of the variants (median reported)")
    ap.add_argument("--cost-batch", type=int, default=16, help="images in the batch timed for the 10,000 cost")
    ap.add_argument("--profile", default="paper")
    ap.add_argument("--eager", action="store_true", help="time the eager Python loop too (slow)")
    a = ap.parse_args()
    cfg = load_config(CONFIG, a.profile)
    model = build_model(cfg, None)  # untrained weights: the cost of a pass does not depend on them
    n, pixels = a.n, model.dim
    step = tf.function(model._step, reduce_retracing=True)
    width = model.image_shape[1]

    def compiled(stop=None):
        model._samples = {}
        return model.generate(n, seed=1, batch_size=n, stop=stop)["images"]

    @tf.function(reduce_retracing=True)
    def window_loop(stop):
        x0 = tf.zeros((n, *model.image_shape))
        _, x, _ = tf.while_loop(lambda i, x, p: i < stop,
                                lambda i, x, p: (i + 1, *model._step(x, p, i, tf.constant(1_000_003, tf.int64))),
                                (tf.constant(0), x0, x0), parallel_iterations=1)
        return x

    def compiled_window(stop=None):
        return window_loop(tf.constant(pixels if stop is None else stop)).numpy()

    def python_compiled(stop=None):
        shape = (n, *model.image_shape)
        x, p = tf.zeros(shape), tf.zeros(shape)
        for i in range(pixels if stop is None else stop):
            x, p = step(x, p, tf.constant(i), tf.constant(1 * 1_000_003, tf.int64))
        return x.numpy()

    def python_eager():
        return model.sample_python_loop(n, 1 * 1_000_003)[0]

    variants = {"compiled": compiled, "compiled window": compiled_window, "python+compiled": python_compiled}
    if a.eager:
        variants["python eager"] = python_eager
    for f in (compiled, compiled_window, python_compiled):  # trace on one row (pixel and stop are tensors)
        f(width)
    times, outputs = {k: [] for k in variants}, {}
    for _ in range(a.rounds):
        for k, f in variants.items():
            t0 = time.perf_counter()
            outputs[k] = f()
            times[k].append(time.perf_counter() - t0)
    same = all(np.array_equal(outputs["compiled"], v) for v in outputs.values())
    print_machine()
    p = cfg["model_params"]
    print(f"model: {a.profile} profile, h = {p['hidden']}, {p['residual_blocks']} residual blocks; {n} images x "
          f"{pixels} pixels per batch; the {len(variants)} variants draw identical images: {same}")
    print_times(times, n)
    print_cost_of_10000(model, a.cost_batch, "compiled loop")
    ratio = float(np.median(times["python+compiled"]) / np.median(times["compiled"]))
    print(f"compiled window / compiled: {np.median(times['compiled window']) / np.median(times['compiled']):.2f} "
          "(what keeping the finished rows saves)")
    if a.eager:
        print(f"python eager / compiled: {np.median(times['python eager']) / np.median(times['compiled']):.2f}")
    else:
        print("python eager: not timed (--eager times it)")
    print(f"ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
