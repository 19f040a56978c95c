"""What ./run_all.sh does, experiment by experiment, saying what happened to each.

First, before TensorFlow starts, a look at each dataset the chosen experiments need (its folder, or whether its
download server answers): what cannot be fetched is said at once, one line per dataset.
For every config in paper_configs/ (PROFILE=quick by default, or smoke / paper):
  1. its dataset is loaded (MNIST: the offline folder, else the one-time download), one experiment after
     another. A dataset that cannot be had is said once, in one line naming the experiments that need it (an
     offline machine hears it within seconds: a download first checks that its server answers), and is not tried
     again; those experiments are FAILED, or NOT RUN for a dataset no script can fetch (TFD); the rest go on.
  2. a finished run in RUNS_DIR/EXPERIMENT-PROFILE is reused; otherwise it is trained (a killed run resumes).
  3. it is evaluated into RESULTS_DIR/runs/ (a reused run whose evaluation is up to date keeps it).
Steps 2-3 run JOBS experiments side by side (default: one per core, each with its share of the cores for
TensorFlow, the longest expected first; their lines are prefixed with the experiment's name); JOBS=1 runs
them one after another on every core.
Then the Parzen baselines (reused from RESULTS_DIR/baselines.json when present: the k-means one takes ~20 min),
the figures and the report. The last lines are a table (each experiment: trained / reused / failed / not run,
and why), the report's path and its PASS / FAIL / NOT RUN counts. Exit status 1 if anything failed (after
everything else has run), else 0.

Environment: PROFILE, RUNS_DIR (default runs), RESULTS_DIR (default results), ONLY / SKIP (comma-separated
experiment names; skipped ones are listed as NOT RUN), JOBS, and the data variables of the CLI (REPRO_DATA_DIR,
REPRO_MNIST_CACHE, REPRO_CIFAR10_DIR, REPRO_TFD_DIR).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STATUS_FILE = "run_all.json"  # read by the report: what this run did, and on which machine
# committed: a ./run_all.sh timed end to end from a fresh clone on an idle machine (its run_all.json plus how it
# was run); the time estimate printed before the trainings prefers it to the band-measuring runs, which
# were timed on a busy machine and overstate an idle one several times
TIMED_FILE = "run_all_timed.json"


def _names(var):
    return [n.strip() for n in os.environ.get(var, "").split(",") if n.strip()]


PRINT_LOCK = threading.Lock()  # experiments trained side by side write whole lines, one at a time


def say(text=""):
    with PRINT_LOCK:
        print(text, flush=True)


def run_logged(cmd, env=None, prefix=None):
    """Run a `python -m repro` command with its output on the terminal; returns (exit code, its last error line).
    With `prefix` (experiments running side by side), its stdout and stderr are merged and every line starts
    with the prefix, so interleaved lines still say whose they are."""
    argv = [sys.executable, "-m", "repro", *map(str, cmd)]
    if prefix:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        lines = proc.stdout
    else:
        proc = subprocess.Popen(argv, cwd=ROOT, stderr=subprocess.PIPE, text=True, env=env)
        lines = proc.stderr
    tail = deque(maxlen=30)
    for line in lines:
        with PRINT_LOCK:
            sys.stderr.write(f"{prefix} {line}" if prefix else line)
            sys.stderr.flush()
        if line.strip():
            tail.append(line.rstrip())
    proc.wait()
    errors = [line for line in tail if line.startswith("error:")]
    reason = errors[-1][len("error:"):].strip() if errors else (tail[-1] if tail else "")
    return proc.returncode, reason


def _short(text, n=160):
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _finished_epochs(run_dir: Path):
    done = run_dir / "done.json"
    return json.loads(done.read_text()).get("epochs", 0) if done.exists() else None


def _evaluation_current(run_dir: Path, results_dir: Path) -> bool:
    ev, done, out = run_dir / "eval.json", run_dir / "done.json", results_dir / "runs" / f"{run_dir.name}.json"
    return (ev.exists() and done.exists() and out.exists() and ev.stat().st_mtime >= done.stat().st_mtime
            and ev.read_bytes() == out.read_bytes())


def time_estimate(configs, profile, results_dir):
    """Per experiment: seconds expected for `profile`, and where the figure comes from (None where unknown).

    First choice: the committed end-to-end timing of ./run_all.sh at this profile (TIMED_FILE: train +
    evaluate of each experiment as that run's own table measured it). Quick: the wall time of the
    band-measuring runs (train + evaluate, results/quick_bands.json). Otherwise: seconds per training step of
    a committed summary of the same experiment (its median epoch, which leaves out the per-epoch validation)
    times the profile's steps, plus that summary's evaluation time."""
    timed = _timed_end_to_end(results_dir, profile)
    bands = {}
    if Path(results_dir, "quick_bands.json").exists():
        bands = json.loads(Path(results_dir, "quick_bands.json").read_text()).get("experiments", {})
    summaries = [json.loads(p.read_text()) for p in sorted(Path(results_dir, "runs").glob("*.json"))]
    out = {}
    for cfg_path in configs:
        name = cfg_path.stem
        runs = bands.get(name, {}).get("runs") or []
        secs = [r["seconds_wall"] for r in runs if r.get("seconds_wall")] if profile == "quick" else []
        if name in timed:
            out[name] = timed[name]
        elif secs:
            out[name] = (max(secs), f"slowest of {len(secs)} quick runs measured by tools/measure_quick_bands.py"
                                    f" ({bands[name].get('date')})")
        else:
            out[name] = _from_summary(cfg_path, profile, summaries)
    return out


def _timed_end_to_end(results_dir, profile):
    """{experiment: (train + evaluate seconds, where)} of the committed end-to-end timing at `profile` ({} if none)."""
    if not Path(results_dir, TIMED_FILE).exists():
        return {}
    record = json.loads(Path(results_dir, TIMED_FILE).read_text())
    if record.get("profile") != profile:
        return {}
    where = (f"timed end to end by ./run_all.sh on {record.get('started', '?')[:10]}, {record.get('cpu', '?')}"
             f", JOBS={record.get('jobs', '?')}")
    return {r["experiment"]: (r["train_seconds"] + (r.get("eval_seconds") or 0), where)
            for r in record.get("experiments", []) if r.get("state") == "trained" and r.get("train_seconds")}


def _from_summary(cfg_path, profile, summaries):
    """(seconds, where) from the seconds per training step of a committed float32 summary of the experiment, times
    the profile's steps, plus that summary's evaluation time; (None, why) where there is none or it cannot say."""
    from repro.config import load_config
    from repro.train import steps_for

    cands = [s for s in summaries if s.get("experiment") == cfg_path.stem and s.get("seconds_per_epoch_median")
             and s["recipe"].get("precision") == "float32"]
    cands.sort(key=lambda s: (s["profile"] != profile, s["run"]))
    if not cands:
        return None, "no timing recorded yet"
    s = cands[0]
    try:
        then = load_config(cfg_path, s["profile"])
        now = load_config(cfg_path, profile)
        steps_then = steps_for(then, s["recipe"]["train_examples"])[0]
        n_now = now["train"]["train_examples"] or (now["data"]["train_range"][1] - now["data"]["train_range"][0]
                                                   if now["data"].get("train_range") else
                                                   s["recipe"]["train_examples"])
        steps_now = steps_for(now, n_now)[0]
    except Exception:  # a config this estimate cannot read: no guess
        return None, "no timing recorded yet"
    secs = (s["seconds_per_epoch_median"] / steps_then * steps_now * now["train"]["epochs"]
            + (s.get("eval_seconds") or 0))
    return secs, (f"from {s['run']}: {s['seconds_per_epoch_median']:.0f} s per {steps_then}-step epoch"
                  + (f" on {s['environment'][-1]['cpu']}" if s.get("environment") else ""))


def _cores() -> int:
    """The cores this process may run on (taskset and container limits included)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else max(1, os.cpu_count() or 1)


def _jobs() -> int:
    """How many experiments train at once: JOBS, default one per core (small models use several cores
    poorly, so experiments side by side finish sooner than one after another on every core)."""
    text = os.environ.get("JOBS", "").strip()
    if not text:
        return _cores()
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"JOBS={text!r}: give a whole number of experiments to train at once, 1 or more")
    return int(text)


def _lane_env(jobs):
    """The environment of one experiment's commands: with JOBS > 1, each gets its share of the cores for
    TensorFlow's kernels (an explicit TF_NUM_INTRAOP_THREADS is kept)."""
    env = dict(os.environ)
    if jobs > 1:
        env.setdefault("TF_NUM_INTRAOP_THREADS", str(max(1, _cores() // jobs)))
    return env


def _lane_estimate(est, jobs):
    """Wall time of the known estimates run `jobs` at a time, longest first (None if none is known)."""
    secs = sorted((s for s, _ in est.values() if s is not None), reverse=True)
    if not secs:
        return None
    lanes = [0.0] * jobs
    for s in secs:
        lanes[lanes.index(min(lanes))] += s
    return max(lanes)


def _hms(secs):
    if secs is None:
        return "?"
    secs = int(round(secs))
    return f"{secs // 3600}h{secs % 3600 // 60:02d}m" if secs >= 3600 else f"{secs // 60}m{secs % 60:02d}s"


DATASET_LABELS = {"mnist": "MNIST", "cifar10": "CIFAR-10", "tfd": "TFD"}


def report_missing(dataset, e, names):
    """One line about a dataset that cannot be had, naming the experiments that need it; returns the (state,
    reason) of their table rows: FAILED, or NOT RUN for a dataset no script can fetch (TFD)."""
    from repro.data import PRIVATE_DATASETS

    label, names = DATASET_LABELS.get(dataset, dataset), ", ".join(names)
    if dataset in PRIVATE_DATASETS:
        print(f"not run ({names}): no {label} here: {e}", file=sys.stderr, flush=True)
        return "not run", f"no {label} copy here ({PRIVATE_DATASETS[dataset]})"
    print(f"error: {label} could not be loaded, so {names} cannot run (the others go on): {e}",
          file=sys.stderr, flush=True)
    return "failed", _short(getattr(e, "summary", None) or e)


def dataset_of(cfg_path) -> str:
    """The dataset a config names, read from its YAML alone (no validation, no TensorFlow)."""
    import yaml

    try:
        return (yaml.safe_load(Path(cfg_path).read_text()).get("data") or {}).get("dataset", "mnist")
    except Exception:  # an unreadable config is reported by load_config later, with its fix
        return "?"


def first_look(configs):
    """Step 0, before TensorFlow starts: each dataset the chosen configs name, looked at in a second
    (repro.data.quick_check). Returns {dataset: (state, reason)} of those that cannot be had, each said in one line."""
    from repro.data.quick_check import quick_check

    users = {}
    for c in configs:
        users.setdefault(dataset_of(c), []).append(c.stem)
    missing = {}
    for dataset, names in users.items():
        e = quick_check(dataset)
        if e is not None:
            missing[dataset] = report_missing(dataset, e, names)
    return missing


def check_data(items, load, missing=None):
    """Step 1: the dataset of each chosen experiment, (cfg_path, cfg, table record) in `items`, loaded by
    `load(cfg)`, one experiment after another; returns the items whose data is here, and the datasets that are not
    (name -> (state, reason) of the experiments that need it; `missing`: those the first look found, not tried).

    A dataset that cannot be had (DatasetUnavailable: no download, no copy, a damaged one) is reported once, in one
    line naming every chosen experiment that needs it, and not tried again for the others: they are FAILED with
    the same reason (NOT RUN for a dataset no script can fetch, TFD), and the experiments on other data go on. A
    DataError of one experiment's own settings is that experiment's FAILED row."""
    from repro.data import DataError, DatasetUnavailable

    users = {}
    for cfg_path, cfg, _ in items:
        users.setdefault(cfg["data"]["dataset"], []).append(cfg_path.stem)
    missing, ready = dict(missing or {}), []  # dataset -> (state, reason) of its experiments
    for cfg_path, cfg, rec in items:
        dataset = cfg["data"]["dataset"]
        if dataset in missing:
            state, reason = missing[dataset]
            rec.update(state=state, reason=reason)
            continue
        try:
            load(cfg)
        except DatasetUnavailable as e:
            missing[dataset] = report_missing(dataset, e, users[dataset])
            rec.update(state=missing[dataset][0], reason=missing[dataset][1])
            continue
        except DataError as e:  # this experiment's own data settings
            print(f"error: {cfg_path.stem}: {e}", file=sys.stderr, flush=True)
            rec.update(state="failed", reason=f"its data could not be loaded: {_short(e)}")
            continue
        ready.append((cfg_path, cfg, rec))
    return ready, missing


class Plan:
    """What this ./run_all.sh was asked for: profile, folders, experiments, how many at a time. (A plain class: the
    tests load this file without registering it as a module, which a dataclass needs.)"""

    def __init__(self, profile, runs_dir, results_dir, configs, only, skip, jobs=1):
        self.profile, self.runs_dir, self.results_dir, self.configs = profile, runs_dir, results_dir, configs
        self.only, self.skip, self.jobs = only, skip, jobs

    @property
    def chosen(self):
        return [c for c in self.configs if (not self.only or c.stem in self.only) and c.stem not in self.skip]


def read_plan():
    """The Plan from the environment, or the one error line that says what is wrong (exit 2)."""
    configs = sorted((ROOT / "paper_configs").glob("*.yaml"))
    plan = Plan(os.environ.get("PROFILE", "quick"), Path(os.environ.get("RUNS_DIR") or ROOT / "runs").resolve(),
                Path(os.environ.get("RESULTS_DIR") or ROOT / "results").resolve(), configs, _names("ONLY"),
                _names("SKIP"))
    known = {c.stem for c in configs}
    bad = [n for n in plan.only + plan.skip if n not in known]
    if plan.profile not in ("smoke", "quick", "paper") or bad:
        what = f"PROFILE={plan.profile!r}" if bad == [] else f"unknown experiment {bad[0]!r} in ONLY/SKIP"
        return None, f"{what}; profiles: smoke, quick, paper; experiments: {', '.join(sorted(known))}"
    try:
        plan.jobs = _jobs()
    except ValueError as e:
        return None, str(e)
    return plan, None


def main():
    plan, error = read_plan()
    if error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from repro.backend import _cpuinfo
    from repro.data import DataError
    from repro.data.mnist import default_cache_dir, mnist_source

    cpu = f"{_cpuinfo().get('model name', 'unknown CPU')}, {os.cpu_count()} cores"
    started = datetime.now(timezone.utc)
    try:
        src = mnist_source()
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    mnist_from = {"folder": f"the folder {os.environ.get('REPRO_DATA_DIR')}",
                  "download": f"the download cache {default_cache_dir()} (fetched once if missing)",
                  "tfds": "tensorflow-datasets (REPRO_MNIST_SOURCE=tfds: NOT the IDX order)"}[src]
    print(f"./run_all.sh: {plan.profile} profile on {cpu}; runs in {plan.runs_dir}, results in {plan.results_dir}; "
          f"MNIST from {mnist_from}", flush=True)
    # what cannot be fetched is said now, before TensorFlow's start-up (minutes on a busy machine)
    print("\n== data: a first look", flush=True)
    missing_early = first_look(plan.chosen)

    from repro.backend import import_tensorflow_quietly

    import_tensorflow_quietly()
    est = time_estimate(plan.chosen, plan.profile, plan.results_dir)
    print_estimate(est, plan)
    table, ready, missing_data = load_data(plan, missing_early)
    ready.sort(key=lambda item: -(est.get(item[0].stem, (None, ""))[0] or float("inf")))
    with ThreadPoolExecutor(max_workers=plan.jobs) as pool:
        list(pool.map(lambda item: run_one(item, plan), ready))

    steps = baselines_and_figures(plan, missing_data)
    status = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "profile": plan.profile, "cpu": cpu,
              "jobs": plan.jobs, "seconds": None, "mnist_source": mnist_from, "experiments": table, "steps": []}
    report_rc = write_status_and_report(plan.results_dir, status, steps, started)
    print_table(table, steps, status, cpu)
    return print_outcome(plan.results_dir, table, steps, report_rc)


def print_estimate(est, plan):
    known_secs = [s for s, _ in est.values() if s is not None]
    unknown = [n for n, (s, _) in est.items() if s is None]
    print(f"time estimate ({plan.profile} profile), from timed runs of this suite (source in brackets; those timed "
          f"on a busy machine overstate an idle one; finished runs in {plan.runs_dir} are reused, not retrained):")
    for name, (secs, why) in est.items():
        print(f"  {name:32s} {_hms(secs):>8s}  ({why})")
    print(f"  total about {_hms(sum(known_secs))}" + (f", plus {len(unknown)} experiment(s) never timed: "
                                                       f"{', '.join(unknown)}" if unknown else ""), flush=True)
    lanes = _lane_estimate(est, plan.jobs)
    if plan.jobs > 1 and lanes is not None:
        print(f"  {plan.jobs} experiments at a time (JOBS={plan.jobs}, one per core; JOBS=1 runs them one by one): "
              f"about {_hms(lanes)} for the trainings and evaluations" + (" timed so far" if unknown else ""),
              flush=True)


def load_data(plan, missing_early):
    """Step 1, one experiment after another (a download happens once, never twice at the same time): the table
    (one record per config), the (cfg_path, cfg, record) whose data is here, and the datasets that are not."""
    import repro.train  # noqa: F401  it registers every experiment's models
    from repro.config import load_config
    from repro.registry import MODELS as REGISTRY

    table, chosen_items = [], []
    for cfg_path in plan.configs:
        name = cfg_path.stem
        rec = {"experiment": name, "run": f"{name}-{plan.profile}", "state": None, "reason": "", "train_seconds": None,
               "eval_seconds": None, "summary": None}
        table.append(rec)
        if cfg_path not in plan.chosen:
            rec.update(state="not run", reason="left out by " + ("ONLY" if plan.only and name not in plan.only
                                                                 else "SKIP"))
            continue
        chosen_items.append((cfg_path, load_config(cfg_path, plan.profile), rec))
    print("\n== data", flush=True)
    ready, missing_data = check_data(chosen_items, lambda cfg: REGISTRY[cfg["model"]].load_splits(cfg, None),
                                     missing_early)
    return table, ready, missing_data


def run_one(item, plan):
    """Step 2: train and evaluate one experiment (with JOBS > 1, beside others, the longest expected first)."""
    try:
        train_and_evaluate(item, plan)
    except Exception as e:  # noqa: BLE001  one experiment's surprise is its FAILED row, not the end of the rest
        item[2].update(state="failed", reason=f"{type(e).__name__}: {_short(e)}")


def train_and_evaluate(item, plan):
    from repro.train import RunError, check_run_dir

    cfg_path, cfg, rec = item
    name, epochs = cfg_path.stem, cfg["train"]["epochs"]
    prefix = f"[{name}]" if plan.jobs > 1 else None
    env = _lane_env(plan.jobs)
    say(f"\n== {name} ({plan.profile} profile)")
    run_dir = plan.runs_dir / rec["run"]
    epochs_done = _finished_epochs(run_dir)
    try:
        check_run_dir(cfg, run_dir, resume=True)  # a folder made by another recipe is not reused
    except RunError as e:
        return rec.update(state="failed", reason=_short(e))
    if epochs_done is not None and epochs_done > epochs:
        return rec.update(state="failed", reason=f"{run_dir} holds a {epochs_done}-epoch run, but the {plan.profile} "
                                                 f"profile is {epochs} epochs now; move it away and run again")
    t0 = time.time()
    if epochs_done is not None and epochs_done == epochs:
        rec.update(state="reused", reason=f"finished run in {run_dir} ({epochs_done} epochs)")
    else:
        resumed = (run_dir / "backup").exists()
        rc, why = run_logged(["train", cfg_path, "--profile", plan.profile, "--run-dir", run_dir, "--resume"], env,
                             prefix)
        rec["train_seconds"] = round(time.time() - t0, 1)
        if rc != 0:
            return rec.update(state="failed", reason=f"training stopped (exit {rc}): {_short(why)}")
        rec.update(state="trained", reason="resumed a killed run" if resumed else "")
    t0 = time.time()
    if rec["state"] == "reused" and _evaluation_current(run_dir, plan.results_dir):
        rec["reason"] += "; its evaluation is up to date"
    else:
        rc, why = run_logged(["evaluate", run_dir, "--results", plan.results_dir], env, prefix)
        rec["eval_seconds"] = round(time.time() - t0, 1)
        if rc != 0:
            return rec.update(state="failed", reason=f"evaluation failed (exit {rc}): {_short(why)}")
        rec["summary"] = f"runs/{rec['run']}.json"
    say(f"== {name}: {rec['state']}")


def baselines_and_figures(plan, missing_data):
    """Steps after the trainings: the Parzen baselines (reused when present) and the figures; [(what, state, why)]."""
    steps = []
    base = plan.results_dir / "baselines.json"
    if base.exists():
        steps.append(("baselines", "reused", f"{base} kept (computing the k-means one takes ~20 min; "
                                             f"`python -m repro baselines --force` recomputes)"))
    elif "mnist" in missing_data:  # they are computed on MNIST: no second attempt at what just failed
        steps.append(("baselines", "not run", "they need MNIST, which could not be loaded (see above)"))
    else:
        print("\n== Parzen baselines (true data, k-means)", flush=True)
        rc, why = run_logged(["baselines", "--results", plan.results_dir])
        steps.append(("baselines", "computed" if rc == 0 else "failed", "" if rc == 0 else _short(why)))
    print("\n== figures", flush=True)
    rc, why = run_logged(["figures", "--runs", plan.runs_dir, "--results", plan.results_dir])
    steps.append(("figures", "drawn" if rc == 0 else "failed", "" if rc == 0 else _short(why)))
    return steps


def write_status_and_report(results_dir, status, steps, started):
    """results/run_all.json (what the report reads about this run), the report, then the status again with the
    report's step; returns the report's exit code."""
    def write():
        status["steps"] = [{"what": w, "state": s, "reason": r} for w, s, r in steps]
        status["seconds"] = round((datetime.now(timezone.utc) - started).total_seconds(), 1)
        (results_dir / STATUS_FILE).write_text(json.dumps(status, indent=1) + "\n")

    results_dir.mkdir(parents=True, exist_ok=True)
    write()
    print("\n== report", flush=True)
    report_rc, why = run_logged(["report", "--results", results_dir])
    steps.append(("report", "written" if report_rc == 0 else "failed", "" if report_rc == 0 else _short(why)))
    write()
    return report_rc


def print_table(table, steps, status, cpu):
    print(f"\n{'experiment':32s} {'status':9s} {'train':>8s} {'eval':>7s}  why")
    for r in table:
        print(f"{r['experiment']:32s} {r['state'].upper():9s} "
              f"{_hms(r['train_seconds']) if r['train_seconds'] else '-':>8s} "
              f"{_hms(r['eval_seconds']) if r['eval_seconds'] else '-':>7s}  {r['reason']}")
    for w, s, r in steps:
        print(f"{w:32s} {s.upper():9s} {'':>8s} {'':>7s}  {r}")
    print(f"total {_hms(status['seconds'])} on {cpu}")


def print_outcome(results_dir, table, steps, report_rc):
    """The report's count line, what was regenerated, and what failed; the exit status (1 if anything failed)."""
    failed = [r for r in table if r["state"] == "failed"] + [s for s in steps if s[1] == "failed"]
    report_md = results_dir / "REPORT.md"
    if report_rc == 0 and report_md.exists():
        # the report's own count line: the papers' claims apart from per-run checks and quick-profile rows
        counts = next((line.replace("**", "") for line in report_md.read_text(encoding="utf-8").splitlines()
                       if line.startswith("**") and " claims: " in line), "")
        print(f"report: {report_md}: {counts}")
    written = [r["summary"] for r in table if r["summary"]]
    produced = {"baselines": ["baselines.json"], "figures": ["figures/"],
                "report": ["REPORT.md", "verification.json", "table1.md", "table1.csv", STATUS_FILE]}
    regenerated = ([f"{results_dir.name}/{p}" for p in written]
                   + [f"{results_dir.name}/{f}" for w, s, _ in steps if s in ("computed", "drawn", "written")
                      for f in produced[w]])
    print("regenerated: " + (", ".join(regenerated) if regenerated else "nothing"))
    if failed:
        print(f"FAILED: {', '.join(r['experiment'] if isinstance(r, dict) else r[0] for r in failed)} "
              "(see the table above; the rest ran)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
