"""keras-dcgan training throughput: the original's loop shape against our fit-driven train_step.

In one process, on the same architecture, batch (128) and real MNIST batches in order:
- original: a combined Sequential(G, D) trained with train_on_batch, D toggled trainable around it, and
  g.predict for D's fakes, exactly the shape of jacobgil/keras-dcgan's train() (float32, as the original);
- ours: KerasDCGAN.fit with its own train_step, in the fidelity default (float32, plain UpSampling+Conv) and
  in the fast path (mixed_bfloat16, fused UpSampling+Conv: the same function with 2.8x fewer multiply-adds).
The variants run interleaved in rounds (A, B, C, A, B, C, ...) so that background load hits all of them alike;
each variant is warmed up (traced) before timing. Prints images/second (real images consumed per second) per
round and overall, then `ratio: N` = median over rounds of (fast path / original loop) in the same round.

    python benchmarks/train_throughput.py [--rounds 3] [--steps 12]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from repro.config import load_config  # noqa: E402
from repro.data.mnist import load_mnist  # noqa: E402
from repro.models.dcgan import build_discriminator, build_generator  # noqa: E402
from repro.train import build_model  # noqa: E402

BATCH, NOISE = 128, 100
CONFIG = Path(__file__).resolve().parents[1] / "paper_configs" / "keras_dcgan_mnist.yaml"


class OriginalLoop:
    """jacobgil/keras-dcgan's train() loop, in Keras 3."""

    def __init__(self, images):
        keras.mixed_precision.set_global_policy("float32")
        self.x = images
        self.g, self.d = build_generator(NOISE), build_discriminator("max")
        self.d_on_g = keras.Sequential([self.g, self.d])
        self.d.trainable = False  # generator_containing_discriminator
        self.g.compile(loss="binary_crossentropy", optimizer="SGD")
        self.d_on_g.compile(loss="binary_crossentropy",
                            optimizer=keras.optimizers.SGD(0.0005, momentum=0.9, nesterov=True))
        self.d.trainable = True
        self.d.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(0.0005, momentum=0.9, nesterov=True))
        self.index = 0
        self.rng = np.random.default_rng(0)

    def step(self):
        i = self.index % (len(self.x) // BATCH)
        self.index += 1
        noise = self.rng.uniform(-1, 1, (BATCH, NOISE))
        image_batch = self.x[i * BATCH:(i + 1) * BATCH]
        generated = self.g.predict(noise, verbose=0)
        xy = np.concatenate((image_batch, generated))
        y = np.array([1] * BATCH + [0] * BATCH, np.float32)
        d_loss = self.d.train_on_batch(xy, y)
        noise = self.rng.uniform(-1, 1, (BATCH, NOISE))
        self.d.trainable = False
        g_loss = self.d_on_g.train_on_batch(noise, np.ones(BATCH, np.float32))
        self.d.trainable = True
        return d_loss, g_loss

    def run(self, steps):
        for _ in range(steps):
            self.step()

    def check_semantics(self):
        """The loop must update D in its own step only (the frozen D inside d_on_g must not move)."""
        before = [w.copy() for w in self.d.get_weights()]
        self.d.trainable = False
        self.d_on_g.train_on_batch(self.rng.uniform(-1, 1, (BATCH, NOISE)), np.ones(BATCH, np.float32))
        self.d.trainable = True
        return all(np.array_equal(a, b) for a, b in zip(before, self.d.get_weights()))


class OursLoop:
    def __init__(self, images, precision, upsampling):
        cfg = load_config(CONFIG, "paper", {"train": {"precision": precision},
                                            "model_params": {"g_upsampling": upsampling}})
        self.model = build_model(cfg, None)
        keras.mixed_precision.set_global_policy("float32")
        self.ds = tf.data.Dataset.from_tensor_slices(images).batch(BATCH, drop_remainder=True).repeat().prefetch(2)

    def run(self, steps):
        self.model.fit(self.ds, epochs=1, steps_per_epoch=steps, verbose=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=12, help="steps per variant per round")
    a = ap.parse_args()
    x = load_mnist()["train_x"][..., None].astype(np.float32) / 127.5 - 1.0
    keras.utils.set_random_seed(0)
    variants = {
        "original loop (train_on_batch + predict, float32)": OriginalLoop(x),
        "ours, fit + train_step, float32 (fidelity default)": OursLoop(x, "float32", "plain"),
        "ours, fit + train_step, mixed_bfloat16 + fused upsampling (fast path)": OursLoop(x, "mixed_bfloat16", "fused"),
    }
    for v in variants.values():  # trace and warm up
        v.run(2)
    print(f"original loop's D frozen inside d_on_g (Keras 3 keeps the compile-time trainable state): "
          f"{variants['original loop (train_on_batch + predict, float32)'].check_semantics()}")
    rates = {k: [] for k in variants}
    for r in range(a.rounds):
        for k, v in variants.items():
            t = time.perf_counter()
            v.run(a.steps)
            rates[k].append(a.steps * BATCH / (time.perf_counter() - t))
        print(f"round {r + 1}: " + ", ".join(f"{rates[k][-1]:.1f}" for k in variants) + " images/s", flush=True)
    names = list(variants)
    total = {k: statistics.median(v) for k, v in rates.items()}
    for k in names:
        print(f"{k}: {total[k]:.1f} images/s (median of {a.rounds} rounds of {a.steps} steps x {BATCH})")
    # the ratio within a round compares variants under the same background load; its median is the result
    fp32 = [b / o for o, b in zip(rates[names[0]], rates[names[1]])]
    fast = [f / o for o, f in zip(rates[names[0]], rates[names[2]])]
    threads = os.environ.get("TF_NUM_INTRAOP_THREADS", "default")
    print(f"per-round ratios, float32 train_step / original loop: {', '.join(f'{r:.2f}' for r in fp32)}; "
          f"fast path / original loop: {', '.join(f'{r:.2f}' for r in fast)} "
          f"(intra-op threads: {threads}; {os.cpu_count()} cores, shared with other jobs)")
    print(f"float32 train_step / original loop (median of rounds): {statistics.median(fp32):.2f}")
    print(f"ratio: {statistics.median(fast):.2f}")


if __name__ == "__main__":
    main()
