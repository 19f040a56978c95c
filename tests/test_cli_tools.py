"""The command line's conveniences: `train NAME` with --seed/--epochs, `status`, `list`, `--version`, `sample`'s
default seed, and the precision each run was trained in, recorded in the run folder and its summary."""
import json
import os

import numpy as np
import pytest

from conftest import ROOT, run_repro as repro
from repro.config import EVAL_SEED

GENERATOR = ROOT / "results" / "generators" / "goodfellow2014_mnist-long-seed0.npz"


def cli(capsys, *args):
    """`python -m repro ARGS` in this process (TensorFlow is loaded once): (exit code, stdout, stderr)."""
    from repro.cli import main

    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def bf16_run(tmp_path_factory):
    """A smoke run started by experiment name, with the shorthands, in mixed_bfloat16, then evaluated."""
    work = tmp_path_factory.mktemp("work")
    r = repro("train", "goodfellow2014_mnist", "--profile", "smoke", "--seed", 3, "--epochs", 2,
              "--set", "train.precision=mixed_bfloat16", "--run-dir", work / "runs" / "bf16", cwd=work)
    assert r.returncode == 0, r.stderr
    assert repro("evaluate", work / "runs" / "bf16", cwd=work).returncode == 0
    return work, work / "runs" / "bf16"


def test_train_takes_an_experiment_name_and_the_shorthands(bf16_run):
    import yaml

    _, run = bf16_run
    cfg = yaml.safe_load((run / "config.yaml").read_text())
    assert cfg["seed"] == 3 and cfg["train"]["epochs"] == 2 and cfg["experiment"] == "goodfellow2014_mnist"
    assert len((run / "history.csv").read_text().splitlines()) == 3


def test_the_precision_is_recorded_in_the_run_folder_and_the_summary(bf16_run):
    work, run = bf16_run
    session = json.loads((run / "environment.json").read_text())[0]["precision"]
    assert session["policy"] == "mixed_bfloat16"
    assert "bfloat16" in session["layer_compute_dtypes"] and session["layer_variable_dtypes"] == ["float32"]
    summary = json.loads((work / "results" / "runs" / "bf16.json").read_text())
    assert summary["precision"]["config"] == "mixed_bfloat16"
    assert summary["precision"]["training_sessions"] == [session]


def test_status_of_a_finished_run(bf16_run):
    _, run = bf16_run
    r = repro("status", run, "--json", cwd=run.parent)
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    history = [line.split(",") for line in (run / "history.csv").read_text().splitlines()]
    col = history[0].index("val_parzen")
    best = max(range(1, len(history)), key=lambda i: float(history[i][col]))
    assert st["epoch"] == 2 and st["epochs_planned"] == 2 and st["finished"] and st["seconds_left"] is None
    assert st["best_validation"] == {"value": pytest.approx(float(history[best][col])), "epoch": best}
    assert st["lock_holder"] is None and st["seconds_per_epoch"] > 0
    r = repro("status", run, cwd=run.parent)
    assert "epoch: 2 of 2 (finished)" in r.stdout and "training now: no" in r.stdout


def test_status_names_the_process_holding_the_lock(tmp_path):
    from repro.status import describe, run_status
    from repro.train import RunFolderLock

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.yaml").write_text("experiment: x\nprofile: paper\ntrain:\n  epochs: 10\n")
    (run / "history.csv").write_text("epoch,lr,epoch_seconds,val_parzen\n0,0.1,20.0,100.0\n1,0.09,22.0,nan\n"
                                     "2,0.08,21.0,110.0\n3,0.07,30.0,nan\n")
    with RunFolderLock(run, log=lambda m: None):
        st = run_status(run)
    assert st["lock_holder"]["pid"] == os.getpid() and st["epoch"] == 4 and st["lr"] == pytest.approx(0.07)
    assert st["best_validation"] == {"value": 110.0, "epoch": 3}
    assert st["seconds_per_epoch"] == pytest.approx(21.5) and st["seconds_left"] == pytest.approx(6 * 21.5)
    assert any(f"process {os.getpid()}" in line for line in describe(st))
    assert run_status(run)["lock_holder"] is None  # released with the process's lock


def test_status_of_a_folder_that_is_not_a_run(tmp_path):
    r = repro("status", tmp_path, cwd=tmp_path)
    assert r.returncode == 2 and "not a run folder" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_unknown_experiment_name_and_conflicting_shorthands(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(capsys, "train", "goodfellow2041_mnist", "--profile", "smoke")
    assert code == 2 and "neither a config file nor an experiment" in err
    assert "goodfellow2014_mnist" in err and not (tmp_path / "runs").exists()
    code, _, err = cli(capsys, "train", "goodfellow2014_mnist", "--profile", "smoke", "--seed", 1, "--set", "seed=2")
    assert code == 2 and "--seed 1 and --set seed=2" in err


def test_list_names_every_experiment_its_profiles_and_the_shipped_model(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = cli(capsys, "list")
    assert code == 0, err
    for config in (ROOT / "paper_configs").glob("*.yaml"):
        assert f"  {config.stem}: default (" in out
    assert "quick (25 epochs; " in out and "table1-long (goodfellow2014_mnist-long-seed0)" in out


def test_version_and_the_docstring_name_every_subcommand(tmp_path):
    import repro as package
    import repro.cli as cli

    r = repro("--version", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith(f"repro {package.__version__}")
    sub = next(a for a in cli.build_parser()._actions if a.dest == "cmd")
    for name in sub.choices:
        assert f"\n  {name} " in cli.__doc__, name


def test_sample_defaults_to_the_evaluation_seed(capsys, tmp_path):
    assert EVAL_SEED == 2014
    for name, extra in (("default", ()), ("eval", ("--seed", EVAL_SEED)), ("other", ("--seed", 0))):
        code, _, err = cli(capsys, "sample", GENERATOR, "--n", 50, "--out", tmp_path / f"{name}.npz", *extra)
        assert code == 0, err
    x = {k: np.load(tmp_path / f"{k}.npz")["images"] for k in ("default", "eval", "other")}
    assert np.array_equal(x["default"], x["eval"]) and not np.array_equal(x["default"], x["other"])
