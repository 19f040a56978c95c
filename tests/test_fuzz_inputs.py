"""Every command reads damaged files without crashing: for each command, each kind of damage to each file it reads
(cut short, empty, the wrong JSON type, a missing key, the wrong dtype or shape, NaN, another model's file) gives
exit 2 with one error line naming the file, or, for a run summary that `report`/`figures` only gather, one warning
naming it while the command goes on. Never a traceback, and no file that existed before is changed.

One smoke run (a small network: the smoke profile with narrow layers) is trained, evaluated, exported and sampled
once per module; each case damages one file of a fresh copy and runs the command in this process (repro.cli.main)."""
import hashlib
import json
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from conftest import ROOT
from repro.cli import main

CONFIG = str(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml")
SMALL = ["--profile", "smoke", "--set", "model_params.g_hidden=[32,32]", "--set", "model_params.d_maxout_units=[16,16]",
         "--set", "model_params.d_pieces=2"]
RUN = "goodfellow2014_mnist-smoke"  # the run folder's name, so the summary figures of the experiment see it


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """work/{runs/RUN (trained, evaluated), results/runs/RUN.json, gen.npz, samples.npz}, made once."""
    work = tmp_path_factory.mktemp("pristine")
    run, results = work / "runs" / RUN, work / "results"
    assert main(["train", CONFIG, *SMALL, "--run-dir", str(run)]) == 0
    assert main(["evaluate", str(run), "--results", str(results)]) == 0
    assert main(["export-generator", str(run), "--out", str(work / "gen.npz")]) == 0
    assert main(["sample", str(run), "--n", "200", "--out", str(work / "samples.npz")]) == 0
    shutil.rmtree(results / "figures")  # drawn again by `figures`; only the inputs are kept
    return work


@pytest.fixture
def work(pristine, tmp_path):
    dst = tmp_path / "w"
    shutil.copytree(pristine, dst)
    return dst


def _tree(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(root).rglob("*")) if p.is_file()}


# ---- kinds of damage: each takes the file and changes it in place ------------------------------------------------
def truncated(p):
    p.write_bytes(p.read_bytes()[: max(1, p.stat().st_size // 2)])


def empty(p):
    p.write_bytes(b"")


def json_list(p):
    p.write_text("[1, 2, 3]")


def json_without(key):
    def damage(p):
        d = json.loads(p.read_text())
        d.pop(key)
        p.write_text(json.dumps(d))
    damage.__name__ = f"without_{key}"
    return damage


def json_nan_parzen(p):
    d = json.loads(p.read_text())
    d["parzen"]["ll"] = float("nan")
    p.write_text(json.dumps(d))  # Python writes NaN, which is not JSON but which its reader accepts


def json_set(key, value):
    def damage(p):
        d = json.loads(p.read_text())
        d[key] = value
        p.write_text(json.dumps(d))
    damage.__name__ = f"{key}_is_{type(value).__name__}"
    return damage


def yaml_list(p):
    p.write_text("- model\n- goodfellow2014\n")


def yaml_without_model(p):
    d = yaml.safe_load(p.read_text())
    d.pop("model")
    p.write_text(yaml.safe_dump(d))


def yaml_text_epochs(p):
    d = yaml.safe_load(p.read_text())
    d["train"]["epochs"] = "many"
    p.write_text(yaml.safe_dump(d))


def yaml_foreign_model(p):
    """Another experiment's config: a VAE, whose checkpoint layout has nothing in common with this run's."""
    from repro.config import dump_config, load_config

    p.write_text(dump_config(load_config(ROOT / "paper_configs" / "vae_mnist.yaml", "smoke")))


def yaml_other_width(p):
    """The same model with other layer sizes: the checkpoint's weights do not fit."""
    d = yaml.safe_load(p.read_text())
    d["model_params"]["g_hidden"] = [48, 48]
    p.write_text(yaml.safe_dump(d))


def h5_nan(p):
    with h5py.File(p, "r+") as f:
        names = []
        f.visititems(lambda k, v: names.append(k) if isinstance(v, h5py.Dataset) and k.startswith("generator/")
                     and v.ndim == 2 else None)
        d = f[names[0]]
        d[0, 0] = np.nan


def csv_text_value(p):
    lines = p.read_text().splitlines()
    cells = lines[1].split(",")
    cells[1] = "abc"
    p.write_text("\n".join([lines[0], ",".join(cells)]) + "\n")


def csv_without_epoch(p):
    lines = p.read_text().splitlines()
    p.write_text("\n".join(line.split(",", 1)[1] for line in lines) + "\n")


def _npz_edit(fn):
    def damage(p):
        d = dict(np.load(p))
        fn(d)
        np.savez(p, **d)
    damage.__name__ = fn.__name__
    return damage


@_npz_edit
def npz_without_key(d):
    d.pop("images" if "images" in d else "meta")


@_npz_edit
def npz_text_dtype(d):
    k = "images" if "images" in d else "w0"
    d[k] = np.full(d[k].shape, "x")


@_npz_edit
def npz_wrong_shape(d):
    if "images" in d:
        d["images"] = d["images"].reshape(len(d["images"]), -1)[:, :100]
    else:
        d["w0"] = d["w0"].T.copy()


@_npz_edit
def npz_nan(d):
    k = "images" if "images" in d else "w0"
    d[k] = d[k].astype(np.float32)
    d[k].flat[0] = np.nan


@_npz_edit
def npz_foreign_model(d):
    from repro.config import dump_config, load_config

    meta = json.loads(str(d["meta"]))
    meta["config_yaml"] = dump_config(load_config(ROOT / "paper_configs" / "vae_mnist.yaml", "smoke"))
    d["meta"] = np.array(json.dumps(meta))


def manifest_without_epoch(p):
    d = json.loads(p.read_text())
    d.pop("epoch")
    p.write_text(json.dumps(d))


# ---- the commands and the files each reads ------------------------------------------------------------------------
def cmd_resume(w):  # a longer run of the same recipe: resumes from the backup of epoch 1
    return ["train", CONFIG, *SMALL, "--set", "train.epochs=2", "--run-dir", w / "runs" / RUN, "--resume"]


def cmd_sample(w):
    return ["sample", w / "runs" / RUN, "--n", "20", "--out", w / "out.npz"]


def cmd_sample_gen(w):
    return ["sample", w / "gen.npz", "--n", "20", "--out", w / "out.npz"]


def cmd_parzen(w):
    return ["parzen", w / "samples.npz", "--valid", "50", "--test", "50"]


def cmd_evaluate(w):
    return ["evaluate", w / "runs" / RUN, "--results", w / "results"]


def cmd_figures(w):
    return ["figures", "--runs", w / "runs", "--results", w / "results"]


def cmd_figures_gen(w):  # a generator file in results/generators stands in for a run folder that is not here
    (w / "results" / "generators").mkdir()
    shutil.move(w / "gen.npz", w / "results" / "generators" / f"{RUN}.npz")
    return ["figures", "--runs", w / "no-runs", "--results", w / "results"]


def cmd_report(w):
    return ["report", "--results", w / "results"]


def cmd_export(w):
    return ["export-generator", w / "runs" / RUN, "--out", w / "exported.npz"]


RUN_FILES = "runs/" + RUN
CONFIG_DAMAGE = [truncated, empty, yaml_list, yaml_without_model, yaml_text_epochs, yaml_foreign_model,
                 yaml_other_width]
WEIGHTS_DAMAGE = [truncated, empty, h5_nan]
JSON_DAMAGE = [truncated, empty, json_list]
SUMMARY_DAMAGE = [truncated, empty, json_list, json_without("experiment"), json_without("run"),
                  json_without("model"), json_nan_parzen, json_set("history", "none")]
NPZ_DAMAGE = [truncated, empty, npz_without_key, npz_text_dtype, npz_wrong_shape, npz_nan]

CASES = (
    # command, file (relative to the work folder; {RUN} its run folder), damage kinds, "error" or "skip"
    [(cmd_resume, f"{RUN_FILES}/config.yaml", d, "error") for d in CONFIG_DAMAGE]
    + [(cmd_resume, f"{RUN_FILES}/backup/epoch-00001/{f}", d, "error")
       for f in ("model.weights.h5", "rng.npz") for d in (truncated, empty)]
    + [(cmd_resume, f"{RUN_FILES}/backup/epoch-00001/manifest.json", d, "error")
       for d in (*JSON_DAMAGE, manifest_without_epoch)]
    + [(cmd_resume, f"{RUN_FILES}/{f}", d, "error") for f in ("done.json", "environment.json",
                                                              "checkpoints/best.json") for d in JSON_DAMAGE]
    + [(cmd_resume, f"{RUN_FILES}/history.csv", d, "error") for d in (empty, csv_text_value, csv_without_epoch)]
    + [(cmd_sample, f"{RUN_FILES}/config.yaml", d, "error") for d in CONFIG_DAMAGE]
    + [(cmd_sample, f"{RUN_FILES}/checkpoints/best.weights.h5", d, "error") for d in WEIGHTS_DAMAGE]
    + [(cmd_sample, f"{RUN_FILES}/checkpoints/best.json", d, "error") for d in JSON_DAMAGE]
    + [(cmd_sample_gen, "gen.npz", d, "error") for d in (*NPZ_DAMAGE, npz_foreign_model)]
    + [(cmd_parzen, "samples.npz", d, "error") for d in NPZ_DAMAGE]
    + [(cmd_evaluate, f"{RUN_FILES}/config.yaml", d, "error") for d in (yaml_foreign_model, yaml_other_width,
                                                                        yaml_list)]
    + [(cmd_evaluate, f"{RUN_FILES}/checkpoints/best.weights.h5", d, "error") for d in WEIGHTS_DAMAGE]
    + [(cmd_evaluate, f"{RUN_FILES}/{f}", d, "error") for f in ("done.json", "environment.json",
                                                                "checkpoints/best.json") for d in JSON_DAMAGE]
    + [(cmd_evaluate, f"{RUN_FILES}/history.csv", d, "error") for d in (empty, csv_text_value, csv_without_epoch)]
    + [(cmd_figures, f"{RUN_FILES}/eval.json", d, "skip") for d in SUMMARY_DAMAGE]
    + [(cmd_figures, f"results/runs/{RUN}.json", d, "skip") for d in SUMMARY_DAMAGE]
    + [(cmd_figures, f"{RUN_FILES}/config.yaml", d, "error") for d in (yaml_foreign_model, empty)]
    + [(cmd_figures, f"{RUN_FILES}/checkpoints/best.weights.h5", d, "error") for d in (truncated, h5_nan)]
    + [(cmd_figures_gen, f"results/generators/{RUN}.npz", d, "error") for d in (truncated, npz_nan,
                                                                                 npz_foreign_model)]
    + [(cmd_report, f"results/runs/{RUN}.json", d, "skip") for d in SUMMARY_DAMAGE]
    + [(cmd_export, f"{RUN_FILES}/config.yaml", d, "error") for d in (yaml_foreign_model, yaml_other_width)]
    + [(cmd_export, f"{RUN_FILES}/checkpoints/best.weights.h5", d, "error") for d in WEIGHTS_DAMAGE]
)


@pytest.mark.parametrize("command,rel,damage,expect", CASES,
                         ids=[f"{c.__name__[4:]}-{r.replace(RUN_FILES, 'RUN')}-{d.__name__}" for c, r, d, _ in CASES])
def test_a_damaged_file_is_refused_or_skipped_by_name(capsys, work, command, rel, damage, expect):
    args = command(work)  # (some commands move a file into place first)
    path = work / rel
    damage(path)
    before = _tree(work)
    code, out, err = _run(capsys, *args)
    assert "Traceback" not in err and "Traceback" not in out
    name = str(path)
    if expect == "error":
        assert code == 2, f"exit {code}; stderr: {err[-800:]}"
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and (name in lines[0] or str(path.parent) in lines[0]), err[-800:]
    else:
        assert code == 0, err[-800:]
        warnings = [line for line in err.splitlines() if line.startswith("warning: skipping") and name in line]
        assert len(warnings) == 1, err[-800:]
    after = _tree(work)
    assert {k: v for k, v in after.items() if k in before} == before, "a file that existed before was changed"
    if command is cmd_report:
        report = (work / "results" / "REPORT.md").read_text()
        assert f"`results/runs/{RUN}.json`: UNREADABLE" in report


def test_the_undamaged_artifacts_pass(capsys, work):
    """The fixture's files themselves are read without complaint (so the cases above fail for their damage)."""
    for command in (cmd_sample, cmd_sample_gen, cmd_parzen, cmd_figures, cmd_report):
        code, _, err = _run(capsys, *command(work))
        assert code == 0 and "warning: skipping" not in err, err[-800:]


@pytest.mark.parametrize("setting", ["seed=4294967296", "seed=99999999999999999999", "seed=-1", "train.epochs=0",
                                     "model_params.d_maxout_units=[-3,16]"])
def test_a_refused_config_value_leaves_no_run_folder(capsys, tmp_path, setting):
    """Every value is refused before the run folder exists, so the corrected command is not blocked by it."""
    run = tmp_path / "run"
    code, _, err = _run(capsys, "train", CONFIG, *SMALL, "--set", setting, "--run-dir", run)
    assert code == 2 and "Traceback" not in err and len([e for e in err.splitlines() if e.startswith("error:")]) == 1
    assert not run.exists()
    if setting.startswith("seed"):
        assert "config key 'seed'" in err and "4294967295" in err


def test_sample_streams_a_large_n_in_chunks(capsys, work, monkeypatch):
    """Above SAMPLE_CHUNK the samples are drawn chunk by chunk and streamed to one file, written whole or not at
    all; the generator is never asked for more than a chunk at once."""
    from repro import cli
    from repro.registry import MODELS

    asked = []
    cls = MODELS["goodfellow2014"]
    generate = cls.generate
    monkeypatch.setattr(cls, "generate", lambda self, n, **kw: asked.append(n) or generate(self, n, **kw))
    monkeypatch.setattr(cli, "SAMPLE_CHUNK", 64)
    out = work / "big.npz"
    code, stdout, err = _run(capsys, "sample", work / "runs" / RUN, "--n", 150, "--seed", 2, "--out", out)
    assert code == 0, err
    assert asked == [2, 64, 64, 22]  # two to measure a sample's size (for the disk check), then the chunks
    x = np.load(out)["images"]
    assert x.shape == (150, 28, 28, 1) and x.dtype == np.float32 and np.all((x >= 0) & (x <= 1))
    assert len(np.unique(x.reshape(150, -1), axis=0)) == 150  # every chunk from its own stream
    assert sorted(p.name for p in work.iterdir() if "big" in p.name) == ["big.npz"]  # no temporary files left


def test_sample_refuses_an_n_beyond_the_disk_up_front(capsys, work):
    """A hundred billion samples: refused with the space they need, before anything is written (the code before
    this check died allocating the noise for all of them at once)."""
    out = work / "huge.npz"
    code, _, err = _run(capsys, "sample", work / "runs" / RUN, "--n", 10 ** 11, "--out", out)
    assert code == 2 and "Traceback" not in err and "GiB" in err and "--n 100000000000" in err
    assert not [p for p in work.iterdir() if "huge" in p.name]
