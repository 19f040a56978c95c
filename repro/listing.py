"""`python -m repro list`: the experiments (paper_configs/*.yaml), their profiles, what each took here where it was
recorded, and which ship a trained model in results/ (the claims `verify` can re-check)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from repro.results import CHECKOUT, load_runs

CONFIGS = CHECKOUT / "paper_configs"


def experiment_names(configs_dir=CONFIGS) -> list[str]:
    return sorted(p.stem for p in Path(configs_dir).glob("*.yaml"))


def config_path(name_or_path, configs_dir=CONFIGS) -> Path:
    """A config given as a YAML path or as an experiment name (paper_configs/NAME.yaml)."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    named = Path(configs_dir) / f"{name_or_path}.yaml"
    if named.exists():
        return named
    raise ValueError(f"{name_or_path!r} is neither a config file nor an experiment; experiments: "
                     f"{', '.join(experiment_names(configs_dir))} (or a path to a YAML config).")


def _duration(s):
    return f"{s / 60:.0f} min" if s < 5400 else f"{s / 3600:.1f} h"


def quick_times(results_dir) -> tuple[dict, str]:
    """Seconds (train + evaluate) of each experiment's quick profile in the last timed ./run_all.sh, and where."""
    path = Path(results_dir) / "run_all_timed.json"
    if not path.exists():
        return {}, ""
    d = json.loads(path.read_text())
    times = {e["experiment"]: e["train_seconds"] + (e["eval_seconds"] or 0) for e in d.get("experiments", [])
             if e.get("train_seconds") is not None and e.get("profile", d.get("profile")) == "quick"}
    return times, f"./run_all.sh, {d.get('started', '?')}, {d.get('cpu', '?')}"


def paper_time(runs, name, epochs):
    """(seconds, run) for the paper profile: the median s/epoch of an evaluated paper-profile run × the planned
    epochs of the paper profile (None where no such run was evaluated)."""
    cand = sorted((s for s in runs.values() if s.get("experiment") == name and s.get("profile") == "paper"
                   and s.get("seconds_per_epoch_median")), key=lambda s: s["run"])
    if not cand or epochs is None:
        return None
    return cand[0]["seconds_per_epoch_median"] * epochs, cand[0]["run"]


def listing(results_dir="results", configs_dir=CONFIGS, shipped=()) -> list[str]:
    """`shipped`: (experiment, claim name, run) of every claim whose model ships in results/."""
    runs = load_runs(results_dir) if Path(results_dir, "runs").is_dir() else {}
    quick, quick_where = quick_times(results_dir)
    out = ["Experiments and their profiles (python -m repro train NAME --profile PROFILE; without --profile, the "
           "config's own values: 'default'; ./run_all.sh trains quick):"]
    for name in experiment_names(configs_dir):
        raw = yaml.safe_load((Path(configs_dir) / f"{name}.yaml").read_text())
        profiles = {"default": {"train": {"epochs": (raw.get("train") or {}).get("epochs")}},
                    **(raw.get("profiles") or {})}
        parts = []
        for profile in profiles:
            epochs = ((profiles[profile] or {}).get("train") or {}).get("epochs") or \
                profiles["default"]["train"]["epochs"]
            when = ""
            if profile == "quick" and name in quick:
                when = f"; {_duration(quick[name])} measured, with evaluation"
            elif profile == "paper" and (t := paper_time(runs, name, epochs)):
                when = f"; ~{_duration(t[0])} at the pace of {t[1]}"
            length = f"{epochs} epoch{'s' if epochs != 1 else ''}" if epochs else ""
            inside = (length + when).lstrip("; ")
            parts.append(f"{profile} ({inside})" if inside else profile)
        mine = [f"{c} ({r})" for e, c, r in shipped if e == name]
        out.append(f"  {name}: " + "; ".join(parts))
        if mine:
            out.append(f"      shipped model, re-checkable with verify: {', '.join(mine)}")
    if quick_where:
        out.append(f"Quick times: {quick_where}. Paper times: the median seconds per epoch of an evaluated "
                   "paper-profile run × the profile's epochs (on the CPU that run used).")
    return out
