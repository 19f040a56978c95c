"""Seconds per epoch of the 2014 MNIST model in float32 and in mixed_bfloat16, measured side by side.

Both models are built in one process and trained in alternating blocks of steps (A, B, A, B, ...)
on the same real MNIST batches, so both see the same machine load. An epoch is 500 steps of 100.

    python benchmarks/gan2014_precision.py [--blocks 6] [--steps 50]
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from repro.config import load_config  # noqa: E402
from repro.data import load_splits  # noqa: E402
from repro.train import build_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=6)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--data-dir", default=None)
    a = ap.parse_args()
    data_dir = a.data_dir or os.environ.get("REPRO_DATA_DIR") or ROOT.parent / "shared" / "data" / "mnist"
    models, steps = {}, {}
    for precision in ("float32", "mixed_bfloat16"):
        cfg = load_config(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml", "paper",
                          {"train": {"precision": precision}})
        splits = load_splits(cfg, data_dir)
        model = build_model(cfg, splits, steps_per_epoch=500)
        models[precision] = model
        steps[precision] = tf.function(model.train_step, jit_compile=False)
    keras.mixed_precision.set_global_policy("float32")
    x = splits.flat("train")
    batches = [tf.constant(x[i * 100:(i + 1) * 100]) for i in range(a.steps)]
    for p in models:  # trace and warm up
        for b in batches[:3]:
            steps[p](b)
    spent = {p: 0.0 for p in models}
    for _ in range(a.blocks):
        for p in models:
            t0 = time.perf_counter()
            for b in batches:
                logs = steps[p](b)
            float(logs["d_loss"])  # wait for the block to finish
            spent[p] += time.perf_counter() - t0
    n = a.blocks * a.steps
    from repro.backend import native_bf16, onednn_enabled

    print(f"bfloat16 in hardware (AVX512_BF16 or AMX): {'yes' if native_bf16() else 'no: TensorFlow emulates it'}; "
          f"oneDNN kernels: {'on' if onednn_enabled() else 'off'}")
    for p in models:
        print(f"{p:>15}: {spent[p] / n * 1e3:.1f} ms/step, {spent[p] / n * 500:.1f} s/epoch (500 steps of 100)")
    print(f"ratio: {spent['float32'] / spent['mixed_bfloat16']:.2f}  (float32 time / mixed_bfloat16 time)")


if __name__ == "__main__":
    main()
