"""The seed study's stopping rule (eval.stop_if_collapsed_at): a run still collapsed at that epoch stops there,
says so in done.json, and is not trained further by --resume; a resumed run counts the estimates before it."""
import json
import os
import subprocess
import sys

import keras

from conftest import ROOT
from repro.callbacks import StopIfCollapsed

CONFIG = str(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml")


def _train(run_dir, *sets, resume=False):
    cmd = [sys.executable, "-m", "repro", "train", CONFIG, "--profile", "smoke", "--set", "train.train_examples=1000",
           "--set", "eval.stop_if_collapsed_at=2", "--set", "eval.collapse_consecutive=2",
           *[a for s in sets for a in ("--set", s)], "--run-dir", str(run_dir), *(["--resume"] if resume else [])]
    r = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return r


def _epochs_logged(run_dir):
    return len((run_dir / "history.csv").read_text().splitlines()) - 1


def test_a_collapsed_run_stops_at_the_epoch_and_stays_stopped(tmp_path):
    run = tmp_path / "run"
    # every estimate counts as collapsed (threshold above any log-likelihood): epoch 1 comes from history.csv
    # after the resume, epoch 2 from this session; both are needed for 2 in a row
    _train(run, "train.epochs=1", "eval.collapse_below=1e9")
    r = _train(run, "train.epochs=4", "eval.collapse_below=1e9", resume=True)
    assert "stopped at epoch 2" in r.stdout
    assert _epochs_logged(run) == 2
    done = json.loads((run / "done.json").read_text())
    assert done["epochs"] == 2 and "collapsed" in done["stopped"]
    r = _train(run, "train.epochs=4", "eval.collapse_below=1e9", resume=True)
    assert "nothing to resume" in r.stdout and _epochs_logged(run) == 2
    # the summary says why the run is short, and the report's description of it carries that
    r = subprocess.run([sys.executable, "-m", "repro", "evaluate", str(run), "--results", str(tmp_path / "results")],
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "results" / "runs" / "run.json").read_text())
    assert summary["epochs_trained"] == 2 and summary["stopped"] == done["stopped"]
    from repro.experiments.goodfellow2014.report import _describe
    assert "stopped after 2 of 4 planned epochs (the last 2 validation estimates" in _describe(summary)


def _feed(rule, values, start=0):
    model = keras.Sequential()
    model.stop_training = False  # what fit sets before the first epoch
    rule.set_model(model)
    for epoch, v in enumerate(values, start):
        rule.on_epoch_end(epoch, {"val_parzen": v})
    return rule.model.stop_training


def test_the_rule_needs_the_last_estimates_all_below_at_that_epoch():
    nan = float("nan")
    assert _feed(StopIfCollapsed(4, -200.0, 2), [-300, nan, -250, -260])  # NaN: not measured, skipped
    assert not _feed(StopIfCollapsed(4, -200.0, 2), [-300, -300, -250, 10])  # recovered by then
    assert not _feed(StopIfCollapsed(4, -200.0, 2), [10, nan, nan, -250])  # one low estimate is not two
    # resumed after epoch 1
    assert _feed(StopIfCollapsed(4, -200.0, 2, earlier=[(1, -300.0)]), [nan, nan, -250], start=1)
    assert not _feed(StopIfCollapsed(3, -200.0, 2), [10, 10, 10, -300, -300])  # checked at epoch 3 only
