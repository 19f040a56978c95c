"""Bad input gets one clear error (exit 2, no traceback) and writes nothing: the cases a probe of the CLI found
answered with a traceback, numpy's words, a non-finite 'result' or the wrong exit code. In-process (cli.main)."""
import json
import math
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from repro import io
from repro.cli import _parse_set, main
from repro.config import ConfigError, load_config

CONFIG = str(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml")


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def samples(tmp_path):
    path = tmp_path / "samples.npz"
    np.savez(path, images=np.random.default_rng(0).uniform(0, 1, (50, 28, 28, 1)).astype(np.float32))
    return path


@pytest.mark.parametrize("sigma", ["0", "-0.5", "nan", "inf"])
def test_parzen_refuses_a_width_that_is_not_positive(capsys, samples, sigma):
    code, out, err = _run(capsys, "parzen", samples, "--sigma", sigma, "--json")
    assert code == 2 and "--sigma" in err and out == ""


def test_parzen_metric_refuses_nonpositive_sigma():
    from repro.metrics.parzen import parzen_protocol

    x = np.zeros((5, 4), np.float32)
    with pytest.raises(ValueError, match="positive"):
        parzen_protocol(x, x, x, sigma=0.0)
    with pytest.raises(ValueError, match="positive"):
        parzen_protocol(x, x, x, sigmas=[0.1, -1.0])


def test_parzen_bad_sample_files_and_counts(capsys, tmp_path, samples):
    np.save(tmp_path / "a.npy", np.zeros((3, 784), np.float32))
    code, _, err = _run(capsys, "parzen", tmp_path / "a.npy")
    assert code == 2 and "single .npy array" in err
    np.savez(tmp_path / "scalar.npz", images=np.float32(0.5))
    code, _, err = _run(capsys, "parzen", tmp_path / "scalar.npz")
    assert code == 2 and "shape ()" in err
    np.savez(tmp_path / "empty.npz", images=np.zeros((0, 784), np.float32))
    code, _, err = _run(capsys, "parzen", tmp_path / "empty.npz")
    assert code == 2 and "at least one image" in err
    for flag in ("--test", "--valid"):
        code, _, err = _run(capsys, "parzen", samples, flag, "0")
        assert code == 2 and f"{flag} is 0" in err


@pytest.mark.parametrize("n", ["0", "-5"])
def test_sample_needs_at_least_one(capsys, tmp_path, n):
    code, _, err = _run(capsys, "sample", tmp_path / "norun", "--n", n, "--out", tmp_path / "s.npz")
    assert code == 2 and f"--n is {n}" in err and not (tmp_path / "s.npz").exists()


@pytest.mark.parametrize("item,words", [("garbage", "key=value"), ("train.epochs=[1,", "not valid YAML"),
                                        ("=3", "dotted config key")])
def test_bad_set_is_a_usage_error(capsys, tmp_path, item, words):
    code, _, err = _run(capsys, "train", CONFIG, "--profile", "smoke", "--set", item, "--run-dir", tmp_path / "r")
    assert code == 2 and words in err and not (tmp_path / "r").exists()


def test_yaml_1_1_exponent_is_a_number_and_nonfinite_numbers_are_refused():
    cfg = load_config(CONFIG, "smoke", _parse_set(["model_params.learning_rate=1e-3"]))
    assert cfg["model_params"]["learning_rate"] == 0.001
    for bad in (".nan", ".inf", "-.inf"):
        with pytest.raises(ConfigError, match="finite"):
            load_config(CONFIG, "smoke", _parse_set([f"model_params.learning_rate={bad}"]))


def test_binary_config_file_is_named(capsys, tmp_path):
    path = tmp_path / "weights.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    code, _, err = _run(capsys, "train", path, "--run-dir", tmp_path / "r")
    assert code == 2 and str(path) in err and "not a text file" in err


def test_run_dir_that_is_a_file_or_cannot_be_written(capsys, tmp_path, monkeypatch):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    code, _, err = _run(capsys, "train", CONFIG, "--profile", "smoke", "--run-dir", afile)
    assert code == 2 and "is a file, not a folder" in err and afile.read_text() == "keep me"
    code, _, err = _run(capsys, "train", CONFIG, "--profile", "smoke", "--run-dir", afile / "run")
    assert code == 2 and "cannot write into the run folder" in err

    def no_permission(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "mkdir", no_permission)
    code, _, err = _run(capsys, "train", CONFIG, "--profile", "smoke", "--run-dir", tmp_path / "locked" / "run")
    assert code == 2 and "cannot write into the run folder" in err and "Permission denied" in err


def test_report_files_are_written_as_one_set(tmp_path, monkeypatch):
    """A kill between two renames of a set leaves it mixed only until the next write, which finishes it; a set
    killed before it was complete is discarded; stale .tmp files are removed."""
    folder = tmp_path / "results"
    io.write_file_set(folder, {"REPORT.md": "A\n", "verification.json": "[\"A\"]"})
    renamed = []

    def kill_after_first_rename(step, epoch):
        if step == "set-renamed":
            renamed.append(step)
            raise KeyboardInterrupt
    monkeypatch.setattr(io, "FAULT_HOOK", kill_after_first_rename)
    with pytest.raises(KeyboardInterrupt):
        io.write_file_set(folder, {"REPORT.md": "B\n", "verification.json": "[\"B\"]"})
    monkeypatch.setattr(io, "FAULT_HOOK", None)
    assert renamed and {(folder / "REPORT.md").read_text(), (folder / "verification.json").read_text()} == \
        {"B\n", "[\"A\"]"}  # mixed, as a kill left it before
    (folder / "table1.md.tmp").write_text("half")
    io.recover_file_set(folder)  # what the next `report` does first
    assert (folder / "REPORT.md").read_text() == "B\n"
    assert json.loads((folder / "verification.json").read_text()) == ["B"]
    assert not (folder / "table1.md.tmp").exists() and not (folder / ".set.tmp").exists()

    def kill_before_complete(step, epoch):
        raise KeyboardInterrupt
    monkeypatch.setattr(io, "FAULT_HOOK", kill_before_complete)
    monkeypatch.setattr(io, "atomic_write_text", _fail_on("COMPLETE", io.atomic_write_text))
    with pytest.raises(KeyboardInterrupt):
        io.write_file_set(folder, {"REPORT.md": "C\n", "verification.json": "[\"C\"]"})
    monkeypatch.undo()
    io.recover_file_set(folder)
    assert (folder / "REPORT.md").read_text() == "B\n" and not (folder / ".set.tmp").exists()


def _fail_on(name, write):
    def wrapped(path, text):
        if Path(path).name == name:
            raise KeyboardInterrupt
        return write(path, text)
    return wrapped


def test_report_command_writes_its_files_as_a_set(tmp_path):
    from repro.report import write_report

    results = tmp_path / "results"
    (results / "runs").mkdir(parents=True)
    paths = write_report(results)
    assert all(p.exists() for p in paths) and not (results / ".set.tmp").exists()
    assert math.isfinite(len(json.loads((results / "verification.json").read_text())))
