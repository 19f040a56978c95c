"""How the Parzen estimate's time and peak memory grow with samples N and test points M (D = 784).

Each (N, M) runs in its own process (one sigma, the test-set pass of the protocol) so that its peak
resident memory is its own. Time should grow like N·M·D; memory like N·D (the samples) plus
batch·N (one chunk of distances), not N·M. Random pixels: the cost does not depend on the values.

    python benchmarks/parzen_scaling.py [--quick]
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
import numpy as np
from repro.metrics.parzen import parzen_log_likelihoods
n, m, batch = map(int, sys.argv[1:4])
rng = np.random.default_rng(0)
samples = rng.random((n, 784), dtype=np.float32)
points = rng.random((m, 784), dtype=np.float32)
parzen_log_likelihoods(samples[:500], points[:batch], [0.2], batch_size=batch)  # trace
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
parzen_log_likelihoods(samples, points, [0.2], batch_size=batch)
t = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": t, "peak_mb": peak / 1024, "before_mb": base / 1024}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller grid (for a fast look)")
    ap.add_argument("--batch", type=int, default=1000)
    a = ap.parse_args()
    grid = [(10000, 1000), (10000, 10000), (30000, 10000), (100000, 1000), (100000, 10000)]
    if a.quick:
        grid = [(10000, 1000), (10000, 4000), (40000, 1000)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    rows = []
    print(f"{'N samples':>10} {'M points':>9} {'seconds':>8} {'ns per N*M*D':>13} {'peak RSS MB':>12} "
          f"{'N*D*4 MB':>9} {'batch*N*4 MB':>12} {'N*M*4 MB':>9}")
    for n, m in grid:
        out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(m), str(a.batch)], env=env,
                             capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        per = r["seconds"] / (n * m * 784) * 1e9
        rows.append(per)
        print(f"{n:>10} {m:>9} {r['seconds']:>8.2f} {per:>13.4f} {r['peak_mb']:>12.0f} {n * 784 * 4 / 2**20:>9.0f} "
              f"{a.batch * n * 4 / 2**20:>12.0f} {n * m * 4 / 2**20:>9.0f}")
    print(f"ratio: {max(rows) / min(rows):.2f}  (largest / smallest time per N*M*D; 1 = exactly linear)")


if __name__ == "__main__":
    main()
