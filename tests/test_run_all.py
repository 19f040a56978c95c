"""./run_all.sh itself (the real script) on a small selection: what happens when a dataset is missing.

Fast because no experiment trains: ONLY= keeps the selection to experiments whose data is missing here, so
each run is the orchestrator, figures and report (three TensorFlow start-ups)."""
import json
import os
import shutil
import socket
import subprocess
import sys

from conftest import ROOT, load_tool


def run_all(tmp_path, **env):
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    shutil.copy(ROOT / "results" / "baselines.json", results)  # reused, as a checkout brings it
    full_env = {**os.environ, "RUNS_DIR": str(tmp_path / "runs"), "RESULTS_DIR": str(results), **env}
    r = subprocess.run([str(ROOT / "run_all.sh")], capture_output=True, text=True, env=full_env, timeout=900)
    return r, results


def table_row(stdout, name):
    rows = [line for line in stdout.splitlines() if line.startswith(name + " ")]
    assert rows, f"no table row for {name}:\n{stdout}"
    return rows[-1]


def closed_port_url():
    """An http:// URL on a localhost port nothing listens on: a download there is refused, as offline."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def test_mnist_missing_fails_after_the_rest_with_the_table(tmp_path):
    """A new user offline with no MNIST folder and no CIFAR-10: each dataset is one error line naming the
    experiments that need it (the download refused, not retried per experiment), those experiments FAILED, TFD
    NOT RUN, the report still written, exit 1 -- not a green 'regenerated'."""
    mirror = closed_port_url()
    r, results = run_all(tmp_path, REPRO_DATA_DIR="", REPRO_MNIST_MIRROR=mirror,
                         REPRO_MNIST_CACHE=str(tmp_path / "cache"), REPRO_CIFAR10_DIR=str(tmp_path / "no-cifar"),
                         ONLY="vae_mnist,wgan_mnist,goodfellow2014_tfd,goodfellow2014_cifar10_fc", PROFILE="smoke")
    assert r.returncode == 1, r.stdout + r.stderr
    # CIFAR-10's first, as configs go
    errors = sorted(line for line in r.stderr.splitlines() if line.startswith("error:"))
    assert len(errors) == 2, r.stderr
    assert errors[0].startswith("error: CIFAR-10 could not be loaded, so goodfellow2014_cifar10_fc cannot run")
    assert errors[1].startswith("error: MNIST could not be loaded, so vae_mnist, wgan_mnist cannot run")
    assert f"{mirror}train-images-idx3-ubyte.gz" in errors[1] and "refused the connection" in errors[1]
    for name in ("vae_mnist", "wgan_mnist"):
        row = table_row(r.stdout, name)
        assert " FAILED " in row and "MNIST could not be downloaded: 127.0.0.1 refused the connection" in row
    assert " FAILED " in table_row(r.stdout, "goodfellow2014_cifar10_fc")
    table_row(r.stdout, "vae_mnist")  # the row is there
    assert " NOT RUN " in table_row(r.stdout, "goodfellow2014_tfd") and "not publicly downloadable" in r.stdout
    assert " NOT RUN " in table_row(r.stdout, "cgan_mnist") and "left out by ONLY" in r.stdout
    assert "FAILED: goodfellow2014_cifar10_fc, vae_mnist, wgan_mnist" in r.stderr
    assert "REPORT.md" in r.stdout and (results / "REPORT.md").exists()
    regenerated = [line for line in r.stdout.splitlines() if line.startswith("regenerated:")][0]
    assert "runs/" not in regenerated  # no summary was written, so none is claimed
    status = json.loads((results / "run_all.json").read_text())
    assert {e["experiment"]: e["state"] for e in status["experiments"]}["vae_mnist"] == "failed"
    report = (results / "REPORT.md").read_text()
    assert "| vae_mnist | FAILED |" in report and "| goodfellow2014_tfd | NOT RUN |" in report
    # no start-up noise from TensorFlow on the terminal
    assert "absl::InitializeLog" not in r.stderr and "oneDNN custom operations" not in r.stderr


def test_tfd_missing_is_not_a_failure(tmp_path):
    r, results = run_all(tmp_path, ONLY="goodfellow2014_tfd", PROFILE="smoke")
    assert r.returncode == 0, r.stdout + r.stderr
    assert " NOT RUN " in table_row(r.stdout, "goodfellow2014_tfd")
    assert "FAILED" not in r.stdout + r.stderr
    assert "| goodfellow2014_tfd | NOT RUN |" in (results / "REPORT.md").read_text()


def test_bad_selection_is_one_error(tmp_path):
    r, _ = run_all(tmp_path, ONLY="vae_mnsit")
    assert r.returncode == 2 and "unknown experiment 'vae_mnsit'" in r.stderr and "Traceback" not in r.stderr


def test_two_experiments_side_by_side(tmp_path):
    """JOBS=2: two experiments train at once, each line says whose it is, and the table is the same as one by one."""
    r, results = run_all(tmp_path, ONLY="vae_mnist,autoencoder_mnist", PROFILE="smoke", JOBS="2")
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("vae_mnist", "autoencoder_mnist"):
        assert " TRAINED " in table_row(r.stdout, name)
        assert any(line.startswith(f"[{name}] epoch 1/") for line in r.stderr.splitlines()), r.stderr
        assert (results / "runs" / f"{name}-smoke.json").exists()
    assert "Traceback" not in r.stderr

    # that run's own table, committed as the timed run, becomes the estimate printed before the next one
    # (at its profile only), and two lanes pack the experiments longest first
    orchestrator = load_tool("run_all")
    status = json.loads((results / "run_all.json").read_text())
    assert status["jobs"] == 2
    (results / orchestrator.TIMED_FILE).write_text(json.dumps(status))
    configs = [ROOT / "paper_configs" / f"{n}.yaml" for n in ("vae_mnist", "autoencoder_mnist")]
    est = orchestrator.time_estimate(configs, "smoke", results)
    for rec in status["experiments"]:
        if rec["experiment"] in est:
            secs, why = est[rec["experiment"]]
            assert secs == rec["train_seconds"] + rec["eval_seconds"] and "timed end to end" in why and "JOBS=2" in why
    assert orchestrator._lane_estimate(est, 2) == max(s for s, _ in est.values())
    assert orchestrator._lane_estimate({**est, "x": (None, "")}, 1) == sum(s for s, _ in est.values())
    quick = orchestrator.time_estimate(configs, "quick", results)
    assert all("timed end to end" not in why for _, why in quick.values())


def test_bad_jobs_is_one_error(tmp_path):
    r, _ = run_all(tmp_path, JOBS="two")
    assert r.returncode == 2 and "JOBS='two'" in r.stderr and "Traceback" not in r.stderr


def test_a_dataset_that_cannot_be_had_is_tried_and_said_once(capsys):
    """The data step: one attempt and one error line per missing dataset, whatever number of experiments need it;
    the experiments on other data go on; a problem of one experiment's own settings stays that experiment's."""
    from repro.data import DataError, DatasetUnavailable

    orchestrator = load_tool("run_all")
    plan = [("a_mnist", "mnist"), ("b_cifar", "cifar10"), ("c_mnist", "mnist"), ("d_toy", "gaussian1d"),
            ("e_cifar", "cifar10"), ("f_toy", "gaussian1d"), ("g_tfd", "tfd")]
    items = [(ROOT / f"{n}.yaml", {"data": {"dataset": d}, "name": n}, {"experiment": n}) for n, d in plan]
    calls = []

    def load(cfg):
        calls.append(cfg["name"])
        if cfg["data"]["dataset"] in ("mnist", "cifar10", "tfd"):
            raise DatasetUnavailable(f"{cfg['data']['dataset']} is not here. How to fix.", summary="not here")
        if cfg["name"] == "d_toy":
            raise DataError("data.train_range does not fit")

    ready, missing = orchestrator.check_data(items, load)
    assert calls == ["a_mnist", "b_cifar", "d_toy", "f_toy", "g_tfd"]  # one attempt per missing dataset
    assert [item[0].stem for item in ready] == ["f_toy"]
    assert set(missing) == {"mnist", "cifar10", "tfd"}
    err = capsys.readouterr().err.splitlines()
    assert err == ["error: MNIST could not be loaded, so a_mnist, c_mnist cannot run (the others go on): "
                   "mnist is not here. How to fix.",
                   "error: CIFAR-10 could not be loaded, so b_cifar, e_cifar cannot run (the others go on): "
                   "cifar10 is not here. How to fix.",
                   "error: d_toy: data.train_range does not fit",
                   "not run (g_tfd): no TFD here: tfd is not here. How to fix."]
    states = {rec["experiment"]: (rec.get("state"), rec.get("reason")) for _, _, rec in items}
    assert states["a_mnist"] == states["c_mnist"] == ("failed", "not here")
    assert states["e_cifar"] == ("failed", "not here") and states["d_toy"][0] == "failed"
    assert states["g_tfd"][0] == "not run" and "not publicly downloadable" in states["g_tfd"][1]
    assert states["f_toy"] == (None, None)  # left for training


def test_the_first_look_reads_configs_without_tensorflow_and_says_each_dataset_once(tmp_path, monkeypatch, capsys):
    orchestrator = load_tool("run_all")
    for name, dataset in (("a", "mnist"), ("b", "mnist"), ("c", "gaussian1d")):
        (tmp_path / f"{name}.yaml").write_text(f"experiment: {name}\ndata:\n  dataset: {dataset}\n")
    monkeypatch.setenv("REPRO_DATA_DIR", str(tmp_path / "no-mnist"))
    missing = orchestrator.first_look(sorted(tmp_path.glob("*.yaml")))
    assert list(missing) == ["mnist"] and missing["mnist"][0] == "failed"
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: MNIST could not be loaded, so a, b cannot run")


def test_the_first_look_needs_no_tensorflow(tmp_path):
    """So it speaks before TensorFlow's start-up, which takes minutes on a busy machine."""
    code = ("import sys, importlib.util; from pathlib import Path; "
            f"spec = importlib.util.spec_from_file_location('run_all', r'{ROOT / 'tools' / 'run_all.py'}'); "
            "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
            f"m.first_look(sorted(Path(r'{ROOT / 'paper_configs'}').glob('*.yaml'))); "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    env = {**os.environ, "REPRO_DATA_DIR": str(tmp_path / "none"), "REPRO_CIFAR10_DIR": str(tmp_path / "none")}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "False False", r.stdout + r.stderr
    assert r.stderr.count("error: ") == 2 and "not run (goodfellow2014_tfd)" in r.stderr
