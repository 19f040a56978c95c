"""One epoch under MirroredStrategy on 2 logical CPU devices follows the single-device run (same global batch)."""
import csv
import os
import subprocess
import sys

import numpy as np

from conftest import ROOT

CONFIG = str(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml")


def _train(run_dir, *extra):
    cmd = [sys.executable, "-m", "repro", "train", CONFIG, "--profile", "smoke", "--set", "train.train_examples=1000",
           "--set", "eval.monitor_every=0", "--run-dir", str(run_dir), *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REPRO_LOGICAL_CPUS": "2"}
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    with open(run_dir / "history.csv") as f:
        return list(csv.DictReader(f))


def test_mirrored_two_devices_matches_single_device(tmp_path):
    single = _train(tmp_path / "single")
    mirrored = _train(tmp_path / "mirrored", "--set", "train.distribute=mirrored")
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "momentum", "lr"):
        a = np.array([float(r[key]) for r in single])
        b = np.array([float(r[key]) for r in mirrored])
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6, err_msg=key)


def test_batch_must_split_over_devices(tmp_path):
    cmd = [sys.executable, "-m", "repro", "train", CONFIG, "--profile", "smoke", "--set", "train.batch_size=99",
           "--set", "train.distribute=mirrored", "--run-dir", str(tmp_path / "odd")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REPRO_LOGICAL_CPUS": "2"}
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "does not split evenly over 2 devices" in r.stderr
