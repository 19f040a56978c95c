"""PixelCNN sampling: one compiled loop over the 784 pixels against per-pixel Python loops, side by side.

A sample takes 784 sequential passes of the network (each pixel depends on the ones drawn before it). Measured in
one process, in alternating rounds so that background load hits every variant alike, on the same images and seeds
(all three draw identical images; tests/test_pixelcnn.py checks it):
  compiled:        PixelCNN.generate: one tf.function holding a tf.while_loop over the pixels, the whole batch;
  python+compiled: a Python loop over the pixels calling a compiled one-pixel step (784 calls per batch);
  python eager:    a Python loop over the pixels running the network eagerly (the plainest implementation).
Then the cost of the 2014 protocol's 10,000 samples, from one compiled batch of --cost-batch images.
The last line is `ratio: (python+compiled time) / (compiled time)` — against the faster of the two Python loops.

    python benchmarks/pixelcnn_sampling.py [--n 8] [--rounds 2] [--cost-batch 32] [--profile paper]
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=8, help="images per batch in the side-by-side rounds")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--cost-batch", type=int, default=32, help="images in the batch timed for the 10,000 cost")
    ap.add_argument("--profile", default="paper")
    a = ap.parse_args()
    cfg = load_config(CONFIG, a.profile)
    model = build_model(cfg, None)  # untrained weights: the cost of a pass does not depend on them
    n, pixels = a.n, model.dim
    step = tf.function(model._step, reduce_retracing=True)

    def compiled():
        model._samples = {}
        return model.generate(n, seed=1, batch_size=n)["images"]

    def python_compiled():
        shape = (n, *model.image_shape)
        x, p = tf.zeros(shape), tf.zeros(shape)
        for i in range(pixels):
            x, p = step(x, p, tf.constant(i), tf.constant(1 * 1_000_003, tf.int64))
        return x.numpy()

    def python_eager():
        return model.sample_python_loop(n, 1 * 1_000_003)[0]

    variants = {"compiled": compiled, "python+compiled": python_compiled, "python eager": python_eager}
    first = {k: f() for k, f in variants.items()}  # trace / warm up, and check they agree
    same = all(np.array_equal(first["compiled"], v) for v in first.values())
    times = {k: [] for k in variants}
    for _ in range(a.rounds):
        for k, f in variants.items():
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    env = describe()
    print(f"CPU: {env['cpu']}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work shares "
          f"them: times are of this machine as it was)")
    p = cfg["model_params"]
    print(f"model: {a.profile} profile, h = {p['hidden']}, {p['residual_blocks']} residual blocks; {n} images x "
          f"{pixels} pixels per batch; the three variants draw identical images: {same}")
    for k, t in times.items():
        med = float(np.median(t))
        print(f"{k:>16}: {med:.2f} s per batch of {n} ({med / n:.2f} s per image; rounds: "
              + ", ".join(f"{x:.2f}" for x in t) + ")")
    t0 = time.perf_counter()  # no new trace: the batch size is a tensor argument of the compiled loop
    model._samples = {}
    model.generate(a.cost_batch, seed=3, batch_size=a.cost_batch)
    per_image = (time.perf_counter() - t0) / a.cost_batch
    print(f"compiled loop, batch of {a.cost_batch}: {per_image:.2f} s per image -> 10,000 samples (the 2014 Parzen "
          f"protocol) about {per_image * 10000 / 3600:.1f} h on this machine")
    ratio = float(np.median(times["python+compiled"]) / np.median(times["compiled"]))
    print(f"python eager / compiled: {np.median(times['python eager']) / np.median(times['compiled']):.2f}")
    print(f"ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
