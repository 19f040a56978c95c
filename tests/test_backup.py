"""The resume state is one unit: a kill between any two writes of a backup, or a damaged backup, resume to the
weights of an uninterrupted run, bit for bit.

Training runs in this process (train()), with the fault hook of repro.io raising where a kill would land;
the backup writer cleans nothing up on the way out, so what is left on disk is what a SIGKILL leaves
(tests/test_resume.py kills a real process with SIGKILL at one of these points too)."""
import json

import h5py
import numpy as np
import pytest

from conftest import ROOT
from repro import callbacks, io
from repro.config import load_config
from repro.train import train

CONFIG = ROOT / "paper_configs" / "goodfellow2014_mnist.yaml"


class SimulatedKill(BaseException):  # not an Exception: nothing on the way out may catch and tidy up after it
    pass


def _cfg():
    return load_config(CONFIG, "smoke", {"train": {"epochs": 3, "train_examples": 1000}, "eval": {"monitor_every": 0}})


def _weights(path):
    out = {}
    with h5py.File(path) as f:
        f.visititems(lambda k, v: out.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
    return out


def _assert_same(a_path, b_path):
    a, b = _weights(a_path), _weights(b_path)
    assert a.keys() == b.keys()
    for k in a:  # weights, optimiser slots and step counters
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    run = tmp_path_factory.mktemp("straight") / "run"
    train(_cfg(), run, verbose=0)
    return run / "checkpoints" / "last.weights.h5"


def _killed_at(run, step, epoch, monkeypatch):
    def hook(s, e):
        if (s, e) == (step, epoch):
            raise SimulatedKill(f"{s} of epoch {e}")
    monkeypatch.setattr(io, "FAULT_HOOK", hook)
    with pytest.raises(SimulatedKill):
        train(_cfg(), run, verbose=0)
    monkeypatch.setattr(io, "FAULT_HOOK", None)


@pytest.mark.parametrize("epoch,step", [(2, s) for s in callbacks.BACKUP_STEPS] + [(1, "weights"), (1, "manifest")])
def test_kill_between_any_two_writes_of_a_backup_resumes_exactly(straight, tmp_path, monkeypatch, epoch, step):
    run = tmp_path / "run"
    _killed_at(run, step, epoch, monkeypatch)
    complete = sorted(p.name for p in (run / "backup").glob("epoch-*"))
    assert all((run / "backup" / n / "manifest.json").exists() for n in complete)  # never a half backup
    train(_cfg(), run, resume=True, verbose=0)
    _assert_same(straight, run / "checkpoints" / "last.weights.h5")
    assert sorted(p.name for p in (run / "backup").iterdir()) == ["epoch-00002", "epoch-00003"]  # stale .tmp gone
    assert json.loads((run / "done.json").read_text())["epochs"] == 3


def test_a_damaged_backup_falls_back_to_the_one_before(straight, tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    _killed_at(run, "prune", 2, monkeypatch)  # backups of epochs 1 and 2 complete
    w = run / "backup" / "epoch-00002" / "model.weights.h5"
    w.write_bytes(w.read_bytes()[: w.stat().st_size // 3])  # as a disk error or a copy cut short would leave it
    train(_cfg(), run, resume=True, verbose=0)
    err = capsys.readouterr().err
    assert "epoch-00002" in err and "checksum" in err and "resuming from the backup of epoch 1" in err
    _assert_same(straight, run / "checkpoints" / "last.weights.h5")


def test_a_backup_of_the_earlier_layout_is_refused_not_ignored(tmp_path):
    """The layout before backups were atomic is no longer read; resuming such a folder must not silently start
    over (and then overwrite its checkpoints)."""
    (tmp_path / "latest.weights.h5").write_bytes(b"")
    (tmp_path / "training_metadata.json").write_text(json.dumps({"epoch": 3, "batch": 0}))
    with pytest.raises(callbacks.BackupError, match="no longer reads"):
        callbacks.restore_backup(None, tmp_path)
    assert callbacks.restore_backup(None, tmp_path / "none") == 0  # a folder with no backup yet: from the start
