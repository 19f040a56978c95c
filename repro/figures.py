"""Figures, regenerated from run folders (samples) and results/runs/*.json (curves).

Each experiment draws its own figures (repro/experiments/<family>/, registered in repro.registry): this
engine loads every evaluated run folder and hands it to its experiment, then draws every summary figure.
"""
from __future__ import annotations

from pathlib import Path

import repro.experiments  # noqa: F401  registers every experiment's figures
from repro import registry


def run_figures(run_dir, summary, results_dir="results", data_dir=None):
    """The figures of one evaluated run folder, drawn by the experiment its model belongs to."""
    from repro.train import open_run

    figures = registry.run_figures(summary["model"])
    if figures is None:
        return []
    run = open_run(Path(run_dir), summary["checkpoint"]["checkpoint"], data_dir, need_data=figures.need_data)
    return figures.draw(run, summary, results_dir)


def make_all_figures(runs_root="runs", results_dir="results", data_dir=None):
    """Every figure of every evaluated run folder under `runs_root`, then the summary figures."""
    from repro.results import DamagedFileError, read_summary, reset_damaged, skip_damaged

    reset_damaged()
    out = []
    for run in sorted(Path(runs_root).glob("*/eval.json")):
        try:
            summary = read_summary(run)
        except DamagedFileError as e:
            skip_damaged(run, e)
            continue
        out += run_figures(run.parent, summary, results_dir, data_dir)
    # shipped generators (results/generators/RUN.npz) stand in for run folders this machine does not have
    for path in sorted(Path(results_dir, "generators").glob("*.npz")):
        out += generator_figures(path, Path(runs_root), results_dir, data_dir)
    for fn in registry.summary_figures():
        out += fn(results_dir)
    return out


def generator_figures(path, runs_root, results_dir="results", data_dir=None):
    """Run figures (e.g. Figs. 2-3) from a generator file, under its run's name, unless the run folder is here."""
    from repro.generator_store import read_generator_file
    from repro.train import load_generator_file

    cfg, _, meta = read_generator_file(path)
    name = meta["source"].get("run") or path.stem
    figures = registry.run_figures(cfg["model"])
    if figures is None or (runs_root / name / "eval.json").exists():
        return []
    cfg, model, splits, info = load_generator_file(path, data_dir, need_data=figures.need_data)
    summary = {"model": cfg["model"], "run": name, "checkpoint": info}
    run = registry.LoadedRun(Path(name), cfg, model, splits, info, data_dir=data_dir)  # no run folder at hand
    return figures.draw(run, summary, results_dir)
