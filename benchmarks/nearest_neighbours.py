"""Nearest-neighbour check speed: 10,000 "samples" and 10,000 test images against 50,000 training images.

Real MNIST: the samples are train[50000:60000] (held out from train[0:50000], so the verdict should read
"no memorisation"); the test images are the 10,000 test images. Prints the wall time of
`memorisation_check` (both 10k x 50k distance sets, after one small call that traces the graph) and the CPU.

    python benchmarks/nearest_neighbours.py [--data-dir DIR]
"""
import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from repro.data.mnist import load_mnist  # noqa: E402
from repro.metrics.nearest_neighbours import memorisation_check  # noqa: E402


def cpu_name():
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=None)
    a = ap.parse_args()
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    m = load_mnist(a.data_dir or os.environ.get("REPRO_DATA_DIR") or default)
    x = m["train_x"].reshape(60000, -1).astype(np.float32) / 255.0
    train, held_out = x[:50000], x[50000:]
    test = m["test_x"].reshape(10000, -1).astype(np.float32) / 255.0
    load = os.getloadavg()[0]
    memorisation_check(held_out[:100], test[:100], train[:1000])  # trace once
    t0, c0 = time.perf_counter(), time.process_time()
    r = memorisation_check(held_out, test, train)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"10,000 samples + 10,000 test images vs 50,000 training images (two 10k x 50k distance sets): "
          f"{secs:.1f} s wall, {cpu:.1f} s of CPU time in this process ({os.cpu_count()} cores, {cpu_name()}; "
          f"load average before: {load:.1f})")
    print(f"median ratio {r['median_ratio']:.3f}, near-copies {r['near_copy_fraction_samples']:.4f} vs test "
          f"{r['near_copy_fraction_test']:.4f}, no memorisation: {r['no_memorisation']}")


if __name__ == "__main__":
    main()
