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


def test_same_config_and_seed_give_the_same_parzen_estimate(tmp_path):
    estimates = []
    for name in ("one", "two"):
        subprocess.run(_cmd(tmp_path / name), check=True, env=_env(), capture_output=True, timeout=600)
        r = subprocess.run([sys.executable, "-m", "repro", "evaluate", str(tmp_path / name), "--results",
                            str(tmp_path / "results")], env=_env(), capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        estimates.append(json.loads((tmp_path / name / "eval.json").read_text())["parzen"])
    assert abs(estimates[0]["ll"] - estimates[1]["ll"]) < 0.1 and estimates[0]["sigma"] == estimates[1]["sigma"]


def test_backup_interval_is_configurable(tmp_path):
    run = tmp_path / "every2"
    r = subprocess.run(_cmd(run, "--set", "train.checkpoint_every=2"), env=_env(), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    # 3 epochs with a backup every 2: after epoch 2 and at the end (epoch 3)
    assert json.loads((run / "backup" / "training_metadata.json").read_text())["epoch"] == 3
    assert sorted(p.name for p in (run / "backup").glob("rng-epoch*.npz")) == ["rng-epoch00002.npz",
                                                                              "rng-epoch00003.npz"]


def test_nonfinite_loss_stops_with_the_step_and_keeps_checkpoints(tmp_path):
    run = tmp_path / "nan"
    r = subprocess.run(_cmd(run, "--set", "model_params.learning_rate=1.0e+30"), env=_env(), capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "became" in r.stderr and "at epoch 1, step" in r.stderr and "--resume" in r.stderr
    assert (run / "config.yaml").exists()


def test_resume_into_a_foreign_folder_is_refused(tmp_path):
    (tmp_path / "notarun").mkdir()
    (tmp_path / "notarun" / "file.txt").write_text("x")
    r = subprocess.run(_cmd(tmp_path / "notarun", "--resume"), env=_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "not a run folder" in r.stderr and "Traceback" not in r.stderr
