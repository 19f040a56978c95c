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


def _free_ports(n):
    import socket

    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def test_multiworker_two_processes_match_the_single_process_run(tmp_path):
    """Two worker processes on localhost (TF_CONFIG, free ports), one epoch of the 2014 model: the same losses as
    one process to float rounding; the chief alone writes the run folder (both are given the same --run-dir)."""
    import json

    single = _train(tmp_path / "single")
    run = tmp_path / "multi"
    ports = _free_ports(2)
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    cmd = [sys.executable, "-m", "repro", "train", CONFIG, "--profile", "smoke", "--set", "train.train_examples=1000",
           "--set", "eval.monitor_every=0", "--set", "train.distribute=multiworker", "--run-dir", str(run)]
    procs = []
    for i in range(2):
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})}
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = []
    try:
        for p in procs:
            outs.append(p.communicate(timeout=900))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    with open(run / "history.csv") as f:
        multi = list(csv.DictReader(f))
    assert len(multi) == len(single) == 1
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "momentum", "lr"):
        np.testing.assert_allclose(float(multi[0][key]), float(single[0][key]), rtol=1e-4, atol=1e-6, err_msg=key)
    # one writer: one session in environment.json, one header in history.csv
    assert len(json.loads((run / "environment.json").read_text())) == 1
    assert (run / "history.csv").read_text().count("epoch,") == 1


def test_multiworker_without_tf_config_is_a_clear_error(tmp_path):
    cmd = [sys.executable, "-m", "repro", "train", CONFIG, "--profile", "smoke",
           "--set", "train.distribute=multiworker", "--run-dir", str(tmp_path / "mw")]
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    r = subprocess.run(cmd, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "TF_CONFIG" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "mw").exists()


def test_multiworker_is_refused_for_models_that_do_not_follow_one_process(tmp_path):
    cmd = [sys.executable, "-m", "repro", "train", str(ROOT / "paper_configs" / "vae_mnist.yaml"), "--profile", "smoke",
           "--set", "train.distribute=multiworker", "--run-dir", str(tmp_path / "vae")]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CONFIG": '{"cluster": {"worker": ["localhost:1"]}, '
                                                               '"task": {"type": "worker", "index": 0}}'}
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "multiworker is supported for the goodfellow2014 model only" in r.stderr
    assert not (tmp_path / "vae").exists()
