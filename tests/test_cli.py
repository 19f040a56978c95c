"""The user's path end to end through `python -m repro`, on the smoke profile and real MNIST."""
import json
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import ROOT, run_repro as repro

CONFIG = str(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml")


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("work")
    r = repro("train", CONFIG, "--profile", "smoke", cwd=work)
    assert r.returncode == 0, r.stderr
    return work, work / "runs" / "goodfellow2014_mnist-smoke"


def test_train_writes_a_run_folder(smoke_run):
    _, run = smoke_run
    for f in ("config.yaml", "history.csv", "checkpoints/last.weights.h5", "checkpoints/best.weights.h5", "done.json"):
        assert (run / f).exists(), f
    assert list((run / "logs").rglob("events.out.tfevents*"))
    env = json.loads((run / "environment.json").read_text())
    assert len(env) == 1 and env[0]["onednn"] is True and env[0]["tensorflow"] and env[0]["cores"] >= 1
    header = (run / "history.csv").read_text().splitlines()[0]
    for col in ("d_loss", "g_loss", "lr", "momentum", "val_parzen", "val_sigma", "epoch_seconds"):
        assert col in header


def test_sample_then_parzen(smoke_run):
    work, run = smoke_run
    r = repro("sample", run, "--n", 300, "--seed", 3, "--out", work / "s.npz", cwd=work)
    assert r.returncode == 0, r.stderr
    x = np.load(work / "s.npz")["images"]
    assert x.shape == (300, 28, 28, 1) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    again = repro("sample", run, "--n", 300, "--seed", 3, "--out", work / "t.npz", cwd=work)
    assert again.returncode == 0 and np.array_equal(np.load(work / "t.npz")["images"], x)
    r = repro("parzen", work / "s.npz", "--json", "--test", 200, cwd=work)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert {"ll", "se", "sigma"} <= set(out) and out["n_test"] == 200 and 0.1 <= out["sigma"] <= 1.0
    r = repro("parzen", work / "s.npz", "--sigma", 0.2, "--test", 200, cwd=work)
    assert r.returncode == 0 and "sigma = 0.2000" in r.stdout


def test_evaluate_figures_report(smoke_run):
    work, run = smoke_run
    assert repro("evaluate", run, cwd=work).returncode == 0
    summary = json.loads((work / "results" / "runs" / "goodfellow2014_mnist-smoke.json").read_text())
    assert summary["parzen"]["n_samples"] == 500 and summary["epochs_trained"] == 1
    assert summary["environment"][0]["onednn"] is True and summary["model_params"]["update"] == "simultaneous"
    r = repro("figures", cwd=work)
    assert r.returncode == 0, r.stderr
    for f in ("goodfellow2014_mnist-smoke-fig2.png", "goodfellow2014_mnist-smoke-fig3.png"):
        assert (work / "results" / "figures" / f).stat().st_size > 1000
    assert repro("report", cwd=work).returncode == 0
    rows = json.loads((work / "results" / "verification.json").read_text())
    for r in rows:
        assert {"id", "source", "reported", "reproduced", "tolerance", "status", "note"} <= set(r)
        assert r["status"] in ("PASS", "FAIL", "NOT RUN", "MEASURED")
    # smoke runs appear in the table but are not checked against the paper; the paper row says why it is missing
    paper_row = next(r for r in rows if r["id"] == "goodfellow2014.table1.mnist.paper")
    assert paper_row["status"] == "NOT RUN" and "--profile paper" in paper_row["note"]
    table = (work / "results" / "table1.md").read_text()
    assert "Adversarial nets | 225 ± 2" in table and f"{summary['parzen']['ll']:.1f} ±" in table


def in_process(capsys, monkeypatch, *args, cwd):
    """The same command line through repro.cli.main in this process, for input refused before any work: no
    TensorFlow start-up of its own (`python -m repro` itself is the path of the first case below)."""
    from repro.cli import main

    monkeypatch.chdir(cwd)
    capsys.readouterr()
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)


def test_bad_input_gets_one_clear_error(smoke_run, tmp_path, capsys, monkeypatch):
    work, run = smoke_run
    np.savez(tmp_path / "nokey.npz", pictures=np.zeros((3, 28, 28, 1), np.float32))
    r = repro("parzen", tmp_path / "nokey.npz", cwd=work)
    assert r.returncode == 2 and "no 'images' array" in r.stderr and "Traceback" not in r.stderr
    np.savez(tmp_path / "range.npz", images=np.full((3, 28, 28, 1), 2.0, np.float32))
    r = in_process(capsys, monkeypatch, "parzen", tmp_path / "range.npz", cwd=work)
    assert r.returncode == 2 and "outside [0, 1]" in r.stderr
    r = in_process(capsys, monkeypatch, "train", CONFIG, "--profile", "smoke", "--set", "train.batch_sise=10",
                   cwd=tmp_path)
    assert r.returncode == 2 and "unknown config key 'train.batch_sise'" in r.stderr and "batch_size" in r.stderr
    r = in_process(capsys, monkeypatch, "train", CONFIG, "--profile", "smoke", "--resume", "--run-dir", run,
                   "--set", "model_params.learning_rate=0.2", cwd=work)
    assert r.returncode == 2 and "made by another config" in r.stderr and "learning_rate" in r.stderr
    r = in_process(capsys, monkeypatch, "train", CONFIG, "--profile", "smoke", "--data-dir", tmp_path / "nomnist",
                   cwd=tmp_path)
    assert r.returncode == 2 and "does not exist" in r.stderr and "REPRO_DATA_DIR" in r.stderr
    assert not (tmp_path / "runs").exists()  # refused before anything was written


def test_alternating_updates_train_end_to_end(tmp_path):
    r = repro("train", CONFIG, "--profile", "smoke", "--set", "model_params.update=alternating", "--set",
              "model_params.k=2", "--run-dir", tmp_path / "alt", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = (tmp_path / "alt" / "history.csv").read_text().splitlines()
    assert len(lines) == 2 and "nan" not in lines[1]


def test_a_generator_file_samples_scores_and_draws_without_the_run_folder(smoke_run, tmp_path):
    """the shipped generator lets a user sample, re-score and redraw Figs. 2-3 without training."""
    work, run = smoke_run
    gen = tmp_path / "results" / "generators" / "g.npz"
    r = repro("export-generator", run, "--out", gen, cwd=work)
    assert r.returncode == 0, r.stderr
    assert "float16" in r.stdout or "float32" in r.stdout
    r = repro("sample", gen, "--n", "300", "--out", tmp_path / "s.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    from_gen = np.load(tmp_path / "s.npz")["images"]
    r = repro("sample", run, "--n", "300", "--out", tmp_path / "r.npz", cwd=work)
    from_run = np.load(tmp_path / "r.npz")["images"]
    assert from_gen.shape == (300, 28, 28, 1)
    np.testing.assert_allclose(from_gen, from_run, atol=5e-3)  # float16 weights: pixels within rounding
    r = repro("figures", "--runs", tmp_path / "no-runs", "--results", tmp_path / "results", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "results" / "figures" / f"{run.name}-fig2.png").exists()
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    r = repro("sample", tmp_path / "bad.npz", "--n", "5", "--out", tmp_path / "x.npz", cwd=tmp_path)
    assert r.returncode == 2 and "not a generator file" in r.stderr and "Traceback" not in r.stderr


def test_a_generator_file_can_hold_the_discriminator_too(smoke_run, tmp_path):
    from repro.train import load_run

    work, run = smoke_run
    gen = tmp_path / "gd.npz"
    r = repro("export-generator", run, "--with", "discriminator", "--out", gen, cwd=work)
    assert r.returncode == 0, r.stderr
    _, from_file, _, _ = load_run(gen, data_dir=None, need_data=False)
    _, from_run, _, _ = load_run(run, "best", need_data=False)
    for a, b in zip(from_file.discriminator.get_weights(), from_run.discriminator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # stored exactly (float32)
    r = repro("export-generator", run, "--with", "critic", "--out", tmp_path / "x.npz", cwd=work)
    assert r.returncode == 2 and "no network critic" in r.stderr and not (tmp_path / "x.npz").exists()
