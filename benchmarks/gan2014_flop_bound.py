"""How close a 2014-model epoch runs to this machine's float32 FLOP bound.

Three things, measured side by side in one process, in alternating rounds so that background load hits
them alike:
  1. the machine's matmul rate: one compiled graph of exactly the matrix products a training step of the
     2014 MNIST model needs (forward, data gradients, weight gradients; their shapes and transposes), in
     GFLOP/s — the work that cannot be avoided, done at the speed of TensorFlow's own matmul kernel;
  2. the model's FLOPs per epoch: 500 steps of those products, plus the validation estimate (10,000
     generated samples and their distances to 1,000 validation images) divided by eval.monitor_every;
  3. our epoch: `fit` on the real data for 500 steps with the suite's own callbacks' validation estimate,
     exactly as `python -m repro train` runs it.
The bound time is (2) / (1); the last line is `ratio: bound time / our time` (1.0 = at the bound).
Both precisions are measured; bf16 can beat the float32 bound where the CPU has native bf16.

    python benchmarks/gan2014_flop_bound.py [--rounds 3] [--steps 500] [--precisions float32,mixed_bfloat16]
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
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from repro.backend import describe  # noqa: E402
from repro.callbacks import ParzenMonitor  # noqa: E402
from repro.config import load_config, parse_sigmas  # noqa: E402
from repro.data import load_splits  # noqa: E402
from repro.train import build_model  # noqa: E402


def dense_shapes(net):
    """(fan_in, fan_out) of every matrix product of an MLP, in order (a maxout layer is one product)."""
    return [tuple(w.shape) for w in net.trainable_weights if len(w.shape) == 2]


def step_products(g, d, batch):
    """The (M, K, N, transpose_a, transpose_b) products one simultaneous-update step must do: G forward, D forward
    on the real and the fake batch; D's weight gradients on both passes and its data gradients (except into the
    pixels) on both; G's gradient through D's fake pass (data gradients into the pixels), G's weight gradients
    and its data gradients (except into the noise)."""
    out = []
    fwd = lambda layers: [(batch, k, n, False, False) for k, n in layers]  # noqa: E731
    wgrad = lambda layers: [(k, batch, n, True, False) for k, n in layers]  # noqa: E731
    dgrad = lambda layers: [(batch, n, k, False, True) for k, n in layers]  # noqa: E731
    out += fwd(g) + fwd(d) + fwd(d)
    out += wgrad(d) + wgrad(d) + dgrad(d[1:]) + dgrad(d[1:])
    out += dgrad(d) + wgrad(g) + dgrad(g[1:])
    return out


def flops(products):
    return sum(2 * m * k * n for m, k, n, _, _ in products)


def make_probe(products, seed=0):
    rng = np.random.default_rng(seed)
    pairs = []
    for m, k, n, ta, tb in products:
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
        pairs.append((tf.constant(a), tf.constant(b), ta, tb))

    @tf.function
    def probe():
        # every product feeds the result, so none can be pruned; independent ones may run in parallel, as in a step
        return tf.add_n([tf.matmul(a, b, transpose_a=ta, transpose_b=tb)[0, 0] for a, b, ta, tb in pairs])

    return probe


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=500, help="steps in our epoch (500 = the paper's epoch)")
    ap.add_argument("--precisions", default="float32,mixed_bfloat16")
    ap.add_argument("--data-dir", default=None)
    a = ap.parse_args()
    data_dir = a.data_dir or os.environ.get("REPRO_DATA_DIR") or ROOT.parent / "shared" / "data" / "mnist"
    precisions = a.precisions.split(",")

    cfg = load_config(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml", "paper")
    ev, batch = cfg["eval"], cfg["train"]["batch_size"]
    monitor_every = 2  # as the long runs use it (issue 11 protocol in the config)
    splits = load_splits(cfg, data_dir)
    x = splits.flat("train")[: a.steps * batch]
    valid = splits.flat("valid")[: ev["valid_examples"]]
    sigmas = parse_sigmas(ev["sigmas"])

    runs = {}
    for precision in precisions:
        cfg_p = load_config(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml", "paper",
                            {"train": {"precision": precision}})
        model = build_model(cfg_p, splits, steps_per_epoch=a.steps)
        ds = tf.data.Dataset.from_tensor_slices(x).batch(batch, drop_remainder=True).repeat()
        monitor = ParzenMonitor(valid, ev["monitor_samples"], sigmas, every=1)
        model.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)  # trace and warm up
        runs[precision] = (model, ds, monitor)
    keras.mixed_precision.set_global_policy("float32")

    g, d = dense_shapes(runs[precisions[0]][0].generator), dense_shapes(runs[precisions[0]][0].discriminator)
    products = step_products(g, d, batch)
    step_flops = flops(products)
    noise_dim, n_gen, n_valid = g[0][0], ev["monitor_samples"], len(valid)
    valid_flops = 2 * n_gen * sum(k * n for k, n in g) + 2 * n_gen * n_valid * x.shape[1]
    epoch_flops = a.steps * step_flops + valid_flops / monitor_every
    probe = make_probe(products)
    float(probe())

    train_s = {p: [] for p in precisions}
    valid_s = {p: [] for p in precisions}
    probe_rate = []
    for _ in range(a.rounds):
        for p in precisions:
            model, ds, monitor = runs[p]
            t0 = time.perf_counter()
            model.fit(ds, steps_per_epoch=a.steps, epochs=1, verbose=0)
            t1 = time.perf_counter()
            monitor.set_model(model)
            monitor.on_epoch_end(0, {})
            t2 = time.perf_counter()
            train_s[p].append(t1 - t0)
            valid_s[p].append(t2 - t1)
        reps = max(1, int(a.steps / 2))
        t0 = time.perf_counter()
        for _ in range(reps):
            v = probe()
        float(v)
        probe_rate.append(reps * step_flops / (time.perf_counter() - t0))

    env = describe()
    print(f"CPU: {env['cpu']}; AVX-512: {env['avx512']}; native bf16: {env['native_bf16']}; oneDNN: {env['onednn']}")
    print(f"model: {step_flops / 1e9:.3f} GFLOP per step ({len(products)} matrix products), "
          f"validation {valid_flops / 1e9:.1f} GFLOP every {monitor_every} epochs; "
          f"epoch = {a.steps} steps -> {epoch_flops / 1e9:.1f} GFLOP")
    bounds = [epoch_flops / r for r in probe_rate]
    print(f"matmul probe (float32, the step's products): {np.median(probe_rate) / 1e9:.1f} GFLOP/s "
          f"(median of {a.rounds} rounds); bound epoch {np.median(bounds):.2f} s")
    best = None
    for p in precisions:
        ours = [tr + va / monitor_every for tr, va in zip(train_s[p], valid_s[p])]
        ratio = float(np.median([b / o for b, o in zip(bounds, ours)]))  # per round: same load on both
        tr, va = float(np.median(train_s[p])), float(np.median(valid_s[p]))
        print(f"{p:>15}: {tr / a.steps * 1e3:.1f} ms/step, validation {va:.2f} s every {monitor_every} epochs "
              f"-> epoch {np.median(ours):.2f} s (validation {va / monitor_every / np.median(ours):.1%} of it); "
              f"bound/ours {ratio:.2f}")
        best = max(best or 0.0, ratio)
    print(f"ratio: {best:.2f}")


if __name__ == "__main__":
    main()
