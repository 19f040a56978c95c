"""A run killed with SIGKILL mid-epoch and resumed ends with the same weights as an uninterrupted run."""
import json
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

from conftest import ROOT

CONFIG = str(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml")
ARGS = ["train", CONFIG, "--profile", "smoke", "--set", "train.epochs=3", "--set", "train.train_examples=1000"]


def _cmd(run_dir, *extra):
    return [sys.executable, "-m", "repro", *ARGS, "--run-dir", str(run_dir), *extra]


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _weights(path):
    out = {}
    with h5py.File(path) as f:
        f.visititems(lambda k, v: out.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
    return out


def test_sigkill_then_resume_matches_uninterrupted(tmp_path):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    subprocess.run(_cmd(straight), check=True, env=_env(), capture_output=True, timeout=600)

    proc = subprocess.Popen(_cmd(killed), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    meta = killed / "backup" / "training_metadata.json"
    deadline = time.time() + 600
    while not meta.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # during epoch 2 (or later): the backup of epoch 1 exists
    proc.wait()
    done_epochs = json.loads(meta.read_text())["epoch"]
    assert 1 <= done_epochs < 3 or (killed / "done.json").exists()

    r = subprocess.run(_cmd(killed, "--resume"), env=_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    a, b = _weights(straight / "checkpoints" / "last.weights.h5"), _weights(killed / "checkpoints" / "last.weights.h5")
    assert a.keys() == b.keys()
    for k in a:  # weights, optimiser slots and step counters (hence lr and momentum schedules)
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    h = (killed / "history.csv").read_text().splitlines()
    assert h[-1].split(",")[0] == "2"  # the last epoch logged, once the resumed run finished


def test_resume_into_a_foreign_folder_is_refused(tmp_path):
    (tmp_path / "notarun").mkdir()
    (tmp_path / "notarun" / "file.txt").write_text("x")
    r = subprocess.run(_cmd(tmp_path / "notarun", "--resume"), env=_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "not a run folder" in r.stderr and "Traceback" not in r.stderr
