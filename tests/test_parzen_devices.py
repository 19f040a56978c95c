"""The Parzen estimate sharded over 2 logical CPU devices equals the single-device one."""
import os
import subprocess
import sys

from conftest import ROOT

SCRIPT = r"""
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from repro.metrics.parzen import parzen_log_likelihoods
rng = np.random.default_rng(0)
samples, points = rng.random((700, 64)).astype(np.float32), rng.random((250, 64)).astype(np.float32)
one = parzen_log_likelihoods(samples, points, [0.2, 0.5], batch_size=40)
two = parzen_log_likelihoods(samples, points, [0.2, 0.5], batch_size=40, devices=["/cpu:0", "/cpu:1"])
assert one.shape == two.shape == (250, 2), (one.shape, two.shape)
print("maxdiff", float(np.abs(one - two).max()))
"""


def test_sharded_over_two_devices_matches_one():
    r = subprocess.run([sys.executable, "-c", SCRIPT], env={**os.environ, "PYTHONPATH": str(ROOT)},
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout.split("maxdiff")[1]) < 1e-9
