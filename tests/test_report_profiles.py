"""The report at each profile: quick runs judged against measured bands, never against a paper's number."""
import json
import shutil
from pathlib import Path

import pytest

from repro.quick_bands import band_limit, judge

ROOT = Path(__file__).resolve().parents[1]


def test_band_rule():
    assert band_limit([100.0, 110.0], "higher") == pytest.approx(90.0)  # worst − range
    assert band_limit([0.20, 0.21], "lower") == pytest.approx(0.21 + 0.05 * 0.205)  # the 5% floor
    assert band_limit([100.0, 110.0, 104.0], "higher") < 100.0


def _summary(ll):
    return {"experiment": "goodfellow2014_mnist", "run": "goodfellow2014_mnist-quick", "parzen": {"ll": ll}}


def test_quick_run_pass_fail_and_no_band():
    bands = {"experiments": {"goodfellow2014_mnist": {"parzen.ll": {"values": [100.0, 110.0], "seeds": [0, 1]}}}}
    assert [v["status"] for v in judge(_summary(95.0), bands)] == ["PASS"]
    assert [v["status"] for v in judge(_summary(120.0), bands)] == ["PASS"]  # better than every seed
    assert [v["status"] for v in judge(_summary(85.0), bands)] == ["FAIL"]
    no_band = judge(_summary(95.0), {})
    assert no_band[0]["status"] == "NO BAND" and no_band[0]["limit"] is None  # none invented
    one_seed = {"experiments": {"goodfellow2014_mnist": {"parzen.ll": {"values": [100.0], "seeds": [0]}}}}
    assert judge(_summary(95.0), one_seed)[0]["status"] == "NO BAND"


def test_report_gives_quick_runs_no_paper_verdict(tmp_path):
    from repro.report import write_report

    results = tmp_path / "results"
    (results / "runs").mkdir(parents=True)
    for name in ("goodfellow2014_mnist-quick", "goodfellow2014_mnist-paper"):
        shutil.copy(ROOT / "results" / "runs" / f"{name}.json", results / "runs")
    quick_ll = json.loads((results / "runs" / "goodfellow2014_mnist-quick.json").read_text())["parzen"]["ll"]
    (results / "quick_bands.json").write_text(json.dumps({"experiments": {"goodfellow2014_mnist": {
        "parzen.ll": {"values": [quick_ll + 40, quick_ll + 50], "seeds": [0, 1]},
        "command": "tools/measure_quick_bands.py goodfellow2014_mnist --seeds 0 1", "commit": "abc1234",
        "date": "2026-12-02 08:00 UTC", "cpu": "test CPU"}}}))
    write_report(results)
    rows = {r["id"]: r for r in json.loads((results / "verification.json").read_text())}
    assert rows["goodfellow2014.table1.mnist.goodfellow2014_mnist-quick"]["status"] == "REFERENCE"
    paper = rows["goodfellow2014.table1.mnist.goodfellow2014_mnist-paper"]
    assert paper["status"] == "FAIL" and "[from goodfellow2014_mnist-paper:" in paper["note"]
    band = rows["quick.goodfellow2014_mnist.parzen.ll"]
    assert band["status"] == "FAIL" and "abc1234" in band["note"]  # 40 nats below both seeds: a regression
    assert rows["quick.wgan_mnist"]["status"] == "NOT RUN"
    report = (results / "REPORT.md").read_text()
    assert "REFERENCE" in report and "No `./run_all.sh` has run in this folder" in report


def test_infogan_aggregate_rows_name_their_runs_and_not_the_seed_protocol_runs(tmp_path):
    """The infogan.*.paper rows pool the plain paper-profile runs and name them, so the report attaches exactly
    their provenance; the seed protocol's runs (the code's recipe too) have rows of their own."""
    from repro.experiments.infogan.report import infogan_section
    from repro.report import judge_rows_by_profile
    from repro.results import load_runs

    (tmp_path / "runs").mkdir()
    for f in (ROOT / "results" / "runs").glob("infogan_mnist-*.json"):
        shutil.copy(f, tmp_path / "runs" / f.name)
    runs = load_runs(tmp_path)
    assert "infogan_mnist-code_recipe-seed15" in runs and "infogan_mnist-paper-seed0" in runs
    rows = [r for r in infogan_section(tmp_path)[1] if r["id"] == "infogan.categorical_error.paper"]
    assert len(rows) == 1 and rows[0]["status"] in ("PASS", "FAIL")
    prov = {f"runs/{n}.json": f"P:{n}" for n in runs}
    note = judge_rows_by_profile(rows, runs, prov)[0]["note"]
    plain = sorted(n for n, s in runs.items() if s["profile"] == "paper" and "-paper-seed" in n)
    assert rows[0].run_names == tuple(plain)  # the row names its runs; the engine reads them from there
    assert plain and all(f"{n}: P:{n}" in note for n in plain), note
    assert "recipe-seed" not in note and "leaky" not in note, note


def test_infogan_rows_pool_runs_of_one_length_only(tmp_path):
    """A mean over seeds pools runs of one length: the quick profile's current length has the plain row, runs of
    an earlier quick length a row of their own."""
    from repro.config import load_config
    from repro.experiments.infogan.report import infogan_section
    from repro.results import load_runs

    (tmp_path / "runs").mkdir()
    for f in (ROOT / "results" / "runs").glob("infogan_mnist-*.json"):
        shutil.copy(f, tmp_path / "runs" / f.name)
    runs = load_runs(tmp_path)
    rows = {r["id"]: r for r in infogan_section(tmp_path)[1]}
    pooled = {}
    for rid, r in rows.items():
        if rid.startswith(("infogan.mi_lower_bound.", "infogan.categorical_error.")) and "; runs " in r["note"]:
            names = r["note"].split("; runs ")[-1].split(", ")
            pooled[rid] = names
            assert len({runs[n]["epochs_planned"] for n in names}) == 1, (rid, names)
    quick = load_config(ROOT / "paper_configs" / "infogan_mnist.yaml", "quick")["train"]["epochs"]
    lengths = {s["epochs_planned"] for n, s in runs.items() if s["profile"] == "quick" and "leaky" not in n}
    assert len(lengths) > 1  # the committed runs hold two quick lengths, so the split is exercised
    assert all(runs[n]["epochs_planned"] == quick for n in pooled["infogan.categorical_error.quick"])
    for other in lengths - {quick}:
        names = pooled[f"infogan.categorical_error.quick.{other}_epochs"]
        assert names and all(runs[n]["epochs_planned"] == other for n in names)
        assert f"{other}-epoch runs, apart from the quick profile's {quick}-epoch ones" in \
            rows[f"infogan.categorical_error.quick.{other}_epochs"]["note"]
