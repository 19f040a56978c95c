"""./run_all.sh itself (the real script) on a small selection: what happens when a dataset is missing.

Fast because no experiment trains: ONLY= keeps the selection to experiments whose data is missing here, so
each run is the orchestrator, figures and report (three TensorFlow start-ups)."""
import json
import os
import shutil
import subprocess

from conftest import ROOT, load_tool


def run_all(tmp_path, **env):
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    shutil.copy(ROOT / "results" / "baselines.json", results)  # reused, as a checkout brings it
    full_env = {**os.environ, "RUNS_DIR": str(tmp_path / "runs"), "RESULTS_DIR": str(results), **env}
    r = subprocess.run([str(ROOT / "run_all.sh")], capture_output=True, text=True, env=full_env, timeout=900)
    return r, results


def table_row(stdout, name):
    rows = [l for l in stdout.splitlines() if l.startswith(name + " ")]
    assert rows, f"no table row for {name}:\n{stdout}"
    return rows[-1]


def test_mnist_missing_fails_after_the_rest_with_the_table(tmp_path):
    """A new user offline with no MNIST folder: the MNIST experiment FAILED (naming the URL), TFD NOT RUN, the
    report still written, exit 1 -- not a green 'regenerated'."""
    r, results = run_all(tmp_path, REPRO_DATA_DIR="", REPRO_MNIST_MIRROR="file:///nonexistent/mirror/",
                         REPRO_MNIST_CACHE=str(tmp_path / "cache"), ONLY="vae_mnist,goodfellow2014_tfd",
                         PROFILE="smoke")
    assert r.returncode == 1, r.stdout + r.stderr
    vae = table_row(r.stdout, "vae_mnist")
    assert " FAILED " in vae and "file:///nonexistent/mirror/train-images-idx3-ubyte.gz" in vae
    assert " NOT RUN " in table_row(r.stdout, "goodfellow2014_tfd") and "not publicly downloadable" in r.stdout
    assert " NOT RUN " in table_row(r.stdout, "wgan_mnist") and "left out by ONLY" in r.stdout
    assert "FAILED: vae_mnist" in r.stderr
    assert "REPORT.md" in r.stdout and (results / "REPORT.md").exists()
    regenerated = [l for l in r.stdout.splitlines() if l.startswith("regenerated:")][0]
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
        assert any(l.startswith(f"[{name}] epoch 1/") for l in r.stderr.splitlines()), r.stderr
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
    assert all("timed end to end" not in why for _, why in orchestrator.time_estimate(configs, "quick", results).values())


def test_bad_jobs_is_one_error(tmp_path):
    r, _ = run_all(tmp_path, JOBS="two")
    assert r.returncode == 2 and "JOBS='two'" in r.stderr and "Traceback" not in r.stderr
