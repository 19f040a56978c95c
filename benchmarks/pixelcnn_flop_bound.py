"""How close a PixelCNN training step runs to this machine's float32 FLOP bound.

Measured side by side in one process, in alternating rounds so that background load hits both alike:
  1. the machine's rate: one compiled graph of exactly the convolutions a training step needs, with the step's
     shapes — forward, weight gradients (conv2d_backprop_filter) and data gradients (conv2d_backprop_input, none
     into the pixels) — at the speed of TensorFlow's own convolution kernels (oneDNN here), in GFLOP/s. Written
     as im2col matrix products instead, the same work ran at 10.5 GFLOP/s while our step reached 26 (one run on
     this machine): the matmul kernel is no bound for convolutions, so the probe uses the convolution kernels;
  2. the step's FLOPs: 2 M K N per convolution (M = batch x 28 x 28 positions, K = k x k x input maps,
     N = output maps), full kernels: the masked-out weights are multiplied too, as this implementation does;
     the FLOPs of the weights the masks keep are printed beside;
  3. our step: `fit` on real binarized MNIST for --steps steps, as `python -m repro train` runs it.
The bound time is (2) / (1); the last line is `ratio: bound time / our time` (1.0 = at the bound).

    python benchmarks/pixelcnn_flop_bound.py [--rounds 3] [--steps 10] [--profile paper]
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
from repro.data import load_splits, without_autotune  # noqa: E402
from repro.experiments.pixelcnn.model import MaskedConv2D  # noqa: E402
from repro.train import build_model  # noqa: E402

CONFIG = ROOT / "paper_configs" / "pixelcnn_binarized_mnist.yaml"


def conv_products(net, batch, positions):
    """(M, K, N, transpose_a, transpose_b, kept) per product of a step, `kept` the fraction of the kernel the mask
    keeps; the first layer gets no data gradient (its input is the image)."""
    out = []
    convs = [lay for lay in net._flatten_layers(include_self=False) if isinstance(lay, tf.keras.layers.Layer)
             and hasattr(lay, "kernel") and len(lay.kernel.shape) == 4]
    for j, lay in enumerate(convs):
        kh, kw, cin, cout = lay.kernel.shape
        m, k, n = batch * positions, kh * kw * cin, cout
        kept = float(np.mean(lay.mask)) if isinstance(lay, MaskedConv2D) else 1.0
        out.append((m, k, n, False, False, kept))          # forward
        out.append((k, m, n, True, False, kept))           # weight gradient
        if j > 0:
            out.append((m, n, k, False, True, kept))       # data gradient
    return out


def make_probe(net, batch, image_shape, seed=0):
    """One compiled graph of every convolution of a step (forward, filter and input gradients) with its shapes."""
    rng = np.random.default_rng(seed)
    convs = [lay for lay in net._flatten_layers(include_self=False) if hasattr(lay, "kernel")
             and len(lay.kernel.shape) == 4]
    ops = []
    for j, lay in enumerate(convs):
        kh, kw, cin, cout = lay.kernel.shape
        x = tf.constant(rng.standard_normal((batch, *image_shape[:2], cin)).astype(np.float32))
        dy = tf.constant(rng.standard_normal((batch, *image_shape[:2], cout)).astype(np.float32))
        k = tf.constant(rng.standard_normal((kh, kw, cin, cout)).astype(np.float32))
        ops.append((x, dy, k, j > 0))

    @tf.function
    def probe():
        out = []
        for x, dy, k, data_grad in ops:
            out.append(tf.nn.conv2d(x, k, 1, "SAME")[0, 0, 0, 0])
            out.append(tf.compat.v1.nn.conv2d_backprop_filter(x, tf.shape(k), dy, [1, 1, 1, 1], "SAME")[0, 0, 0, 0])
            if data_grad:
                out.append(tf.compat.v1.nn.conv2d_backprop_input(tf.shape(x), k, dy, [1, 1, 1, 1], "SAME")[0, 0, 0, 0])
        return tf.add_n(out)

    return probe


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)  # a step is ~1 s on 2 cores: rounds of seconds
    ap.add_argument("--profile", default="paper")
    ap.add_argument("--data-dir", default=None)
    a = ap.parse_args()
    data_dir = a.data_dir or os.environ.get("REPRO_DATA_DIR") or ROOT.parent / "shared" / "data" / "mnist"
    cfg = load_config(CONFIG, a.profile)
    batch = cfg["train"]["batch_size"]
    splits = load_splits(cfg, data_dir)
    model = build_model(cfg, splits, steps_per_epoch=a.steps)
    ds = without_autotune(tf.data.Dataset.from_tensor_slices(splits.train[: a.steps * batch])
                          .batch(batch, drop_remainder=True).repeat())
    model.fit(ds, steps_per_epoch=2, epochs=1, verbose=0)  # trace and warm up
    h, w = model.image_shape[:2]
    products = conv_products(model.net, batch, h * w)
    step_flops = sum(2 * m * k * n for m, k, n, *_ in products)
    kept_flops = sum(2 * m * k * n * kept for m, k, n, _, _, kept in products)
    probe = make_probe(model.net, batch, model.image_shape)
    float(probe())
    ours, rates = [], []
    for _ in range(a.rounds):
        t0 = time.perf_counter()
        model.fit(ds, steps_per_epoch=a.steps, epochs=1, verbose=0)
        ours.append((time.perf_counter() - t0) / a.steps)
        reps = max(1, a.steps // 2)
        t0 = time.perf_counter()
        for _ in range(reps):
            v = probe()
        float(v)
        rates.append(reps * step_flops / (time.perf_counter() - t0))
    env = describe()
    print(f"CPU: {env['cpu']}; AVX-512: {env['avx512']}; oneDNN: {env['onednn']}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work shares them: times are of this machine "
          "as it was)")
    print(f"model: {a.profile} profile, batch {batch}: {step_flops / 1e9:.2f} GFLOP per step in {len(products)} "
          f"convolution products ({kept_flops / 1e9:.2f} GFLOP of them on weights the masks keep)")
    bounds = [step_flops / r for r in rates]
    ratio = float(np.median([b / o for b, o in zip(bounds, ours)]))  # per round: the same load on both
    print(f"convolution probe (the step's convolutions): {np.median(rates) / 1e9:.1f} GFLOP/s (median of {a.rounds} "
          "rounds); "
          f"bound step {np.median(bounds) * 1e3:.0f} ms")
    print(f"our step (fit, real data): {np.median(ours) * 1e3:.0f} ms (rounds: "
          + ", ".join(f"{o * 1e3:.0f}" for o in ours) + f"); {step_flops / np.median(ours) / 1e9:.1f} GFLOP/s")
    print(f"ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
