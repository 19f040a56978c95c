"""A run killed with SIGKILL mid-epoch and resumed ends with the same weights as an uninterrupted run."""
import json
import os
import shlex
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

    # killed by SIGKILL in the middle of writing the backup of epoch 2, weights written, the rest not
    proc = subprocess.run(_cmd(killed), env={**_env(), "REPRO_BACKUP_FAULT": "2:weights"}, capture_output=True,
                          timeout=600)
    assert proc.returncode == -signal.SIGKILL
    assert sorted(p.name for p in (killed / "backup").iterdir()) == [".tmp-epoch-00002", "epoch-00001"]

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
    assert sorted(p.name for p in (run / "backup").iterdir()) == ["epoch-00002", "epoch-00003"]
    assert json.loads((run / "backup" / "epoch-00003" / "manifest.json").read_text())["epoch"] == 3


def test_nonfinite_loss_stops_with_the_step_and_keeps_checkpoints(tmp_path):
    run = tmp_path / "nan"
    r = subprocess.run(_cmd(run, "--set", "model_params.learning_rate=1.0e+30"), env=_env(), capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "became" in r.stderr and "at epoch 1, step" in r.stderr
    # what exists (nothing resumable in epoch 1), and a command that works: a new run folder, a lower rate
    # (--resume with another learning rate is refused as another config)
    assert "Nothing resumable was saved" in r.stderr and "end of epoch 0" not in r.stderr
    assert "--resume" not in r.stderr
    cmd = next(line.strip() for line in r.stderr.splitlines() if line.strip().startswith("python -m repro train"))
    assert "--set=model_params.learning_rate=1e+29" in cmd and str(run) + "-lower-lr" in cmd
    from repro.cli import _parse_set, build_parser
    from repro.config import load_config

    args = build_parser().parse_args(shlex.split(cmd)[3:])
    assert load_config(args.config, args.profile, _parse_set(args.set))["model_params"]["learning_rate"] == 1e29
    assert (run / "config.yaml").exists()


def test_resume_into_a_foreign_folder_is_refused(tmp_path):
    (tmp_path / "notarun").mkdir()
    (tmp_path / "notarun" / "file.txt").write_text("x")
    r = subprocess.run(_cmd(tmp_path / "notarun", "--resume"), env=_env(), capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "not a run folder" in r.stderr and "Traceback" not in r.stderr


def test_one_writer_per_run_folder(tmp_path):
    """A second `train`, or a `--resume`, on a run folder a live process is training into gets one clear error and
    changes nothing; the lock of a process that was killed is taken over with a message."""
    run = tmp_path / "busy"
    first = subprocess.Popen(_cmd(run, "--set", "train.epochs=500"), env=_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 600
        history = run / "history.csv"
        while time.time() < deadline and first.poll() is None and not (
                history.exists() and len(history.read_text().splitlines()) > 2):  # two epochs done (one backed up)
            time.sleep(0.1)
        assert first.poll() is None
        header_before = (run / "history.csv").read_text().splitlines()[0]
        others = [subprocess.Popen(_cmd(run, "--set", "train.epochs=500", *extra), env=_env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True) for extra in ((), ("--resume",))]
        for p in others:
            _, err = p.communicate(timeout=600)
            assert p.returncode == 2, err
            assert f"is in use: process {first.pid}" in err and "Traceback" not in err
        assert first.poll() is None  # the first run goes on
    finally:
        first.kill()
        first.wait()
    lines = (run / "history.csv").read_text().splitlines()
    assert lines[0] == header_before and sum(line.startswith("epoch") for line in lines) == 1
    assert len(json.loads((run / "environment.json").read_text())) == 1  # only the first process wrote it
    done = max(int(p.name.split("-")[1]) for p in (run / "backup").glob("epoch-*"))
    r = subprocess.run(_cmd(run, "--set", f"train.epochs={done + 1}", "--resume"), env=_env(), capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert f"taking over the lock of process {first.pid}" in r.stderr
    assert sum(line.startswith("epoch") for line in (run / "history.csv").read_text().splitlines()) == 1


def test_ctrl_c_says_where_the_run_stands_and_the_resume_command_works(tmp_path):
    run = tmp_path / "interrupted"
    # SIGINT back to its default in the child: a test suite started as a background job (`... &`) inherits
    # SIGINT ignored, and Python then never raises KeyboardInterrupt (the run finished with exit 0)
    proc = subprocess.Popen(_cmd(run, "--set", "train.epochs=20"), env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None and not list((run / "backup").glob("epoch-*")):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert "interrupted: the last backup is from the end of epoch" in err and "Continue with:" in err
    cmd = shlex.split(err.split("Continue with:")[1].strip().splitlines()[0])
    assert cmd[:3] == ["python", "-m", "repro"] and cmd[-1] == "--resume"
    r = subprocess.run([sys.executable, *cmd[1:]], env=_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert json.loads((run / "done.json").read_text())["epochs"] == 20


def test_a_refused_config_leaves_no_run_folder(tmp_path):
    run = tmp_path / "toolarge"
    r = subprocess.run(_cmd(run, "--set", "train.batch_size=5000"), env=_env(), capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 2 and "larger than the 1000 training examples" in r.stderr
    assert not run.exists()  # so the corrected retry is not refused as "another config"
