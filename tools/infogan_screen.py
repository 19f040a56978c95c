"""InfoGAN seed screen: a short run per seed, scored by a success criterion fixed before any run
was looked at, then (with --full) the chosen seeds continued to the paper's 50 x 100 updates and evaluated.

The protocol (also in results/REPORT.md, InfoGAN section):
- a screen run is the `screen` profile of paper_configs/infogan_mnist.yaml (5 epochs x 100 updates; the
  category->digit split is fixed within ~1,000 updates) with one of the named recipes of
  repro.experiments.infogan.model.RECIPES ("code": openai/InfoGAN as released; "paper": the paper's settings);
- its score: Q's category for each of the 5,000 validation images (the first 5,000 training images, never
  trained on), BatchNorm on its moving averages; it PASSES when the ten dominant digits are distinct and no
  category is below 70% purity (repro.experiments.infogan.metrics.screen_categories); the test set is not used
  to choose;
- a full run is the same run folder resumed with the `paper` profile (50 epochs): the screen is its first
  5 epochs, batch for batch. Every passing seed and at least 3 failing ones go to full length.

Resumable: a seed whose screen summary exists is skipped; a killed run continues from its last epoch.
Writes results/infogan_screen/RECIPE-seedN.json per seed and results/infogan_screen/summary.csv; --full also
writes results/runs/RUN.json (python -m repro evaluate).

    python tools/infogan_screen.py --recipe code --seeds 0-19
    python tools/infogan_screen.py --recipe code --seeds 3,7 --full
    python tools/infogan_screen.py --recipe paper --seeds 16-29 --full --no-screen   # full runs, no screen
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import repro  # noqa: E402,F401  first: it chooses TensorFlow's CPU kernels

CONFIG = ROOT / "paper_configs" / "infogan_mnist.yaml"


def parse_seeds(text: str) -> list[int]:
    """'0-19,25' -> [0, 1, ..., 19, 25]."""
    seeds = []
    for part in text.split(","):
        part = part.strip()
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()) or (hi and int(hi) < int(lo)):
            raise ValueError(f"--seeds takes non-negative integers and ranges like 0-19,25; got {part!r}.")
        seeds += list(range(int(lo), int(hi or lo) + 1))
    return sorted(set(seeds))


def run_name(recipe, seed):
    return f"infogan_mnist-{recipe}_recipe-seed{seed}"


def recipe_config(recipe, seed, profile, overrides=None):
    import repro.experiments  # noqa: F401  registers the models load_config validates against
    from repro.config import load_config
    from repro.experiments.infogan.model import RECIPES

    if recipe not in RECIPES:
        raise ValueError(f"--recipe {recipe!r} is not a named InfoGAN recipe; known: {', '.join(RECIPES)}.")
    over = {"seed": seed, "model_params": dict(RECIPES[recipe])}
    for section, values in (overrides or {}).items():
        over.setdefault(section, {}).update(values)
    return load_config(CONFIG, profile, over)


def score_screen(run_dir) -> dict:
    """The screen's verdict for a run folder that has trained exactly its screen epochs."""
    import numpy as np

    from repro.evaluate import read_history
    from repro.experiments.infogan.metrics import screen_categories, unsupervised_error
    from repro.train import load_run

    cfg, model, splits, info = load_run(run_dir, "last")
    history = read_history(run_dir)
    k = model.params["n_categories"]
    valid_logits, _ = model.encode(splits.valid)
    test_logits, _ = model.encode(splits.test)
    screen = screen_categories(np.argmax(valid_logits, 1), splits.valid_labels, k)
    test = unsupervised_error(np.argmax(test_logits, 1), splits.test_labels, k)
    secs = [h["epoch_seconds"] for h in history if h.get("epoch_seconds")]
    return {"epoch": info["epoch"], "epochs_trained": len(history), "valid_range": cfg["data"]["valid_range"],
            "train_range": cfg["data"]["train_range"], "model_params": cfg["model_params"],
            "screen": screen, "test_error": test["error"], "test_digit_of_category": test["digit_of_category"],
            "mi_cat": history[-1].get("mi_cat") if history else None,
            "seconds_per_epoch_median": statistics.median(secs) if secs else None}


def screen_seed(recipe, seed, runs, results, data_dir=None, overrides=None, verbose=2) -> dict:
    from repro.io import atomic_write_text
    from repro.train import train

    out = Path(results) / "infogan_screen" / f"{recipe}-seed{seed}.json"
    if out.exists():
        return json.loads(out.read_text())
    run_dir = Path(runs) / run_name(recipe, seed)
    cfg = recipe_config(recipe, seed, "screen", overrides)
    done = run_dir / "done.json"
    if done.exists() and json.loads(done.read_text())["epochs"] > cfg["train"]["epochs"]:
        raise ValueError(f"{run_dir} was trained past the screen's {cfg['train']['epochs']} epochs before its screen "
                         f"was scored, so the screen cannot be scored any more; screen seed {seed} in a new "
                         "--runs folder.")
    t0 = time.time()
    train(cfg, run_dir, resume=run_dir.exists(), data_dir=data_dir, verbose=verbose)
    result = {"recipe": recipe, "seed": seed, "run": run_dir.name, "screen_epochs": cfg["train"]["epochs"],
              "session_seconds": time.time() - t0, **score_screen(run_dir)}
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, json.dumps(result, indent=1))
    write_summary(results)
    return result


def full_seed(recipe, seed, runs, results, data_dir=None, overrides=None, verbose=2, screened=True) -> dict:
    """Continue a screened seed to the paper profile's length and evaluate it (results/runs/RUN.json); with
    screened=False, a full run from the start with no screen (the success-rate protocol over full runs). A seed
    already evaluated is not run again."""
    from repro.evaluate import evaluate_run
    from repro.train import train

    summary = Path(results) / "runs" / f"{run_name(recipe, seed)}.json"
    if not screened and summary.exists():
        return json.loads(summary.read_text())
    if screened and not (Path(results) / "infogan_screen" / f"{recipe}-seed{seed}.json").exists():
        raise ValueError(f"seed {seed} of recipe {recipe!r} has no screen yet; screen it first (without --full).")
    run_dir = Path(runs) / run_name(recipe, seed)
    train(recipe_config(recipe, seed, "paper", overrides), run_dir, resume=screened or run_dir.exists(),
          data_dir=data_dir, verbose=verbose)
    return evaluate_run(run_dir, data_dir=data_dir, results_dir=results)


def load_screens(results) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(Path(results, "infogan_screen").glob("*-seed*.json"))]


def write_summary(results):
    """results/infogan_screen/summary.csv: one line per screened (recipe, seed)."""
    from repro.io import atomic_write_text

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["recipe", "seed", "passed", "dominant_digit_per_category", "purity_per_category", "min_purity",
                "shared_digits", "missing_digits", "valid_error", "test_error", "mi_cat", "epochs"])
    for s in sorted(load_screens(results), key=lambda s: (s["recipe"], s["seed"])):
        sc = s["screen"]
        dominant = " ".join("-" if d is None else str(d) for d in sc["dominant_digit"])
        w.writerow([s["recipe"], s["seed"], sc["passed"], dominant,
                    " ".join(f"{p:.2f}" for p in sc["purity"]), f"{sc['min_purity']:.3f}",
                    " ".join(map(str, sc["shared_digits"])), " ".join(map(str, sc["missing_digits"])),
                    f"{sc['error']:.4f}", f"{s['test_error']:.4f}", f"{s['mi_cat']:.4f}", s["epochs_trained"]])
    atomic_write_text(Path(results) / "infogan_screen" / "summary.csv", buf.getvalue())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipe", required=True, help="a name in repro.experiments.infogan.model.RECIPES: code or paper")
    p.add_argument("--seeds", required=True, help="e.g. 0-19 or 0,3,7")
    p.add_argument("--full", action="store_true", help="continue screened seeds to 50 epochs and evaluate them")
    p.add_argument("--no-screen", action="store_true", help="with --full: full runs from the start, no screen")
    p.add_argument("--runs", default="runs", help="where the run folders go (default runs/)")
    p.add_argument("--results", default="results")
    p.add_argument("--data-dir", default=None, help="MNIST IDX folder (default: $REPRO_DATA_DIR)")
    p.add_argument("--smoke", action="store_true", help="tests: 2 epochs (3 with --full) of 3 updates on 1,000 images")
    a = p.parse_args(argv)
    from repro.backend import import_tensorflow_quietly

    import_tensorflow_quietly()  # TensorFlow's start-up lines off the terminal, as the CLI does
    from repro.config import ConfigError
    from repro.data.errors import DataError
    from repro.train import RunError

    smoke = None
    if a.smoke:  # the screen 2 epochs, the full run 3
        smoke = {"train": {"epochs": 3 if a.full else 2, "steps_per_epoch": 3, "train_examples": 1000},
                 "eval": {"n_samples": 500, "test_examples": 500}}
    try:
        seeds = parse_seeds(a.seeds)
        recipe_config(a.recipe, seeds[0], "screen")  # a bad recipe name fails before any training
        for seed in seeds:
            if a.full:
                s = full_seed(a.recipe, seed, a.runs, a.results, a.data_dir, smoke, screened=not a.no_screen)
                error = 100 * s["metrics"]["categorical_error"]["error"]
                print(f"{a.recipe} seed {seed}: full run, test error {error:.2f}%", flush=True)
            else:
                s = screen_seed(a.recipe, seed, a.runs, a.results, a.data_dir, smoke)
                sc = s["screen"]
                print(f"{a.recipe} seed {seed}: {'PASS' if sc['passed'] else 'fail'} (dominant digits "
                      f"{sc['dominant_digit']}, min purity {sc['min_purity']:.2f}, validation error "
                      f"{100 * sc['error']:.1f}%, MI {s['mi_cat']:.3f})", flush=True)
    except (ConfigError, DataError, RunError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
