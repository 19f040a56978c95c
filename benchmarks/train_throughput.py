"""keras-dcgan training throughput: the original's loop shape against our fit-driven train_step.

On the same architecture, batch (128) and real MNIST batches in order:
- original: a combined Sequential(G, D) trained with train_on_batch, D toggled trainable around it, and
  g.predict for D's fakes, exactly the shape of jacobgil/keras-dcgan's train(), in float32 as the original;
- ours: KerasDCGAN.fit with its own train_step, in the fidelity default (plain UpSampling + Conv) and the fast
  path (`g_upsampling: fused`: the same function with 2.8x fewer multiply-adds), both float32.

TensorFlow picks its CPU kernels (oneDNN or Eigen) once per process, when it loads, and leaves oneDNN off by
default on CPUs other than recent Intel ones; the suite asks for oneDNN (repro/backend.py). So two worker
processes are started: "suite" (the suite's backend; it holds the original loop and both of ours, so their
ratio is measured in one process) and "stock" (TensorFlow's own default for this CPU, as a user of the
original gets it; the original loop only). The parent sends each variant a block of steps in turn (A, B, C,
D, A, B, ...) while the others wait, so background load hits all of them alike; every variant is warmed up
(traced) first. Prints images/second (real images consumed per second) per round and overall, the ratios,
and last `ratio: N` = median over rounds of (our fast path / the original loop on stock TensorFlow).

mixed_bfloat16 is measured too where the CPU computes bf16 natively (AVX512_BF16 or AMX); elsewhere
TensorFlow emulates it, several times slower than float32, and the variant is skipped with that reason.

    python benchmarks/train_throughput.py [--rounds 3] [--steps 6]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np  # does not load TensorFlow: the workers still choose their kernels first

ROOT = Path(__file__).resolve().parents[1]
BATCH, NOISE = 128, 100
CONFIG = ROOT / "paper_configs" / "keras_dcgan_mnist.yaml"


# ---- worker side -------------------------------------------------------------------------------------------
class OriginalLoop:
    """jacobgil/keras-dcgan's train() loop, in Keras 3."""

    def __init__(self, images):
        import keras

        from repro.experiments.keras_dcgan.model import build_discriminator, build_generator

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
        self.d.train_on_batch(xy, y)
        noise = self.rng.uniform(-1, 1, (BATCH, NOISE))
        self.d.trainable = False
        self.d_on_g.train_on_batch(noise, np.ones(BATCH, np.float32))
        self.d.trainable = True

    def run(self, steps):
        for _ in range(steps):
            self.step()

    def d_frozen_in_g_step(self):
        """The loop must update D in its own step only (the frozen D inside d_on_g must not move)."""
        before = [w.copy() for w in self.d.get_weights()]
        self.d.trainable = False
        self.d_on_g.train_on_batch(self.rng.uniform(-1, 1, (BATCH, NOISE)), np.ones(BATCH, np.float32))
        self.d.trainable = True
        return all(np.array_equal(a, b) for a, b in zip(before, self.d.get_weights()))


class OursLoop:
    def __init__(self, images, precision, upsampling):
        import keras
        import tensorflow as tf

        from repro.config import load_config
        from repro.train import build_model

        cfg = load_config(CONFIG, "paper", {"train": {"precision": precision},
                                            "model_params": {"g_upsampling": upsampling}})
        self.model = build_model(cfg, None)
        keras.mixed_precision.set_global_policy("float32")
        from repro.data import without_autotune

        # as train does it: without autotuning, whose poller would round each round's fit up (repro.data)
        self.ds = without_autotune(
            tf.data.Dataset.from_tensor_slices(images).batch(BATCH, drop_remainder=True).repeat().prefetch(2))

    def run(self, steps):
        self.model.fit(self.ds, epochs=1, steps_per_epoch=steps, verbose=0)


def worker(kind, data_dir):
    if kind == "stock":
        import tensorflow  # noqa: F401  before repro: TensorFlow's own choice of kernels for this CPU
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import repro  # noqa: F401  first: it chooses the kernels before TensorFlow loads (suite worker)
    # isort: split
    import keras

    from repro.backend import native_bf16, onednn_enabled
    from repro.data.mnist import load_mnist

    x = load_mnist(data_dir)["train_x"][..., None].astype(np.float32) / 127.5 - 1.0
    keras.utils.set_random_seed(0)
    variants = {"original": OriginalLoop(x)}
    skipped = {}
    if kind == "suite":
        variants["ours_plain"] = OursLoop(x, "float32", "plain")
        variants["ours_fused"] = OursLoop(x, "float32", "fused")
        if native_bf16():
            variants["ours_fused_bf16"] = OursLoop(x, "mixed_bfloat16", "fused")
        else:
            skipped["ours_fused_bf16"] = ("this CPU has neither AVX512_BF16 nor AMX: TensorFlow emulates bfloat16 "
                                          "and runs it several times slower than float32")
    for v in variants.values():  # trace and warm up
        v.run(2)
    info = {"onednn": onednn_enabled(), "variants": list(variants), "skipped": skipped,
            "d_frozen_in_g_step": variants["original"].d_frozen_in_g_step()}
    print("READY " + json.dumps(info), flush=True)
    for line in sys.stdin:
        name, steps = line.split()
        t = time.perf_counter()
        variants[name].run(int(steps))
        print(f"TIME {time.perf_counter() - t}", flush=True)


# ---- parent side -------------------------------------------------------------------------------------------
LABELS = {
    ("stock", "original"): "original loop, TensorFlow's default kernels for this CPU "
                           "(as a user of the original runs it)",
    ("suite", "original"): "original loop, the suite's backend",
    ("suite", "ours_plain"): "ours, fit + train_step, float32, plain upsampling (fidelity default)",
    ("suite", "ours_fused"): "ours, fit + train_step, float32, fused upsampling (fast path)",
    ("suite", "ours_fused_bf16"): "ours, fused upsampling + mixed_bfloat16",
}


class Worker:
    def __init__(self, kind, data_dir):
        env = dict(os.environ)
        if kind == "stock":
            env.pop("TF_ENABLE_ONEDNN_OPTS", None)
        self.p = subprocess.Popen([sys.executable, __file__, "--worker", kind, "--data-dir", str(data_dir)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.info = json.loads(self._expect("READY"))

    def _expect(self, tag):
        for line in self.p.stdout:
            if line.startswith(tag + " "):
                return line[len(tag) + 1:]
        raise RuntimeError(f"benchmark worker exited (code {self.p.wait()}) before printing {tag}; "
                           "see its stderr above")

    def run(self, name, steps):
        self.p.stdin.write(f"{name} {steps}\n")
        self.p.stdin.flush()
        return float(self._expect("TIME"))

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=6, help="steps per variant per round")
    ap.add_argument("--data-dir", default=os.environ.get("REPRO_DATA_DIR") or ROOT.parent / "shared" / "data" / "mnist")
    ap.add_argument("--worker", choices=("suite", "stock"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker(a.worker, a.data_dir)

    workers = {k: Worker(k, a.data_dir) for k in ("stock", "suite")}
    for k, w in workers.items():
        print(f"{k} worker: oneDNN {'on' if w.info['onednn'] else 'off (Eigen kernels)'}; original loop's D frozen "
              f"inside d_on_g: {w.info['d_frozen_in_g_step']}")
        for name, why in w.info["skipped"].items():
            print(f"skipped {name}: {why}")
    order = [(k, v) for k, w in workers.items() for v in w.info["variants"]]
    rates = {key: [] for key in order}
    for r in range(a.rounds):
        for key in order:
            rates[key].append(a.steps * BATCH / workers[key[0]].run(key[1], a.steps))
        print(f"round {r + 1}: " + ", ".join(f"{key[0]}/{key[1]} {rates[key][-1]:.1f}" for key in order) + " images/s",
              flush=True)
    for w in workers.values():
        w.close()
    for key in order:
        print(f"{LABELS[key]}: {statistics.median(rates[key]):.1f} images/s "
              f"(median of {a.rounds} rounds of {a.steps} steps x {BATCH})")

    def ratio(num, den):  # within a round both ran under the same background load; the median is the result
        return statistics.median(n / d for n, d in zip(rates[num], rates[den]))

    same = ("suite", "original")
    print(f"same process and backend, ours / original loop: "
          f"fidelity default {ratio(('suite', 'ours_plain'), same):.2f}, "
          f"fast path {ratio(('suite', 'ours_fused'), same):.2f}")
    if ("suite", "ours_fused_bf16") in rates:
        print(f"same process and backend, fast path + mixed_bfloat16 / original loop: "
              f"{ratio(('suite', 'ours_fused_bf16'), same):.2f}")
    print(f"the suite's backend / TensorFlow's default, original loop: {ratio(same, ('stock', 'original')):.2f}")
    print(f"fidelity default / original loop on TensorFlow's default: "
          f"{ratio(('suite', 'ours_plain'), ('stock', 'original')):.2f}")
    # the fast path is fixed before measuring: bf16 only where the CPU computes it natively
    fast = ("suite", "ours_fused_bf16") if ("suite", "ours_fused_bf16") in rates else ("suite", "ours_fused")
    print(f"(ratio below: {LABELS[fast]} / {LABELS[('stock', 'original')]}; {os.cpu_count()} cores)")
    print(f"ratio: {ratio(fast, ('stock', 'original')):.2f}")


if __name__ == "__main__":
    main()
