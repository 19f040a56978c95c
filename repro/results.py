"""The small files in results/: reading the evaluated runs' summaries, and the rows of verification.json.

A row (`Row`) is {id, source, reported, reproduced, tolerance, status, note} and what it was judged on; every
experiment's report section returns its rows, and the report engine judges them by profile and writes them all.
"""
from __future__ import annotations

import csv
import json
import math
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repro.io import atomic_write_text, write_file_set

CHECKOUT = Path(__file__).resolve().parents[1]


def git(cwd, *args) -> str:
    """What `git ARGS` prints in `cwd` ('' outside a git checkout or without git): provenance for results files."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def code_commit():
    """The checkout's commit, if this is a git checkout (None otherwise)."""
    return git(CHECKOUT, "rev-parse", "--short", "HEAD") or None


@dataclass(frozen=True, kw_only=True)
class Row(Mapping):
    """One row of verification.json: one number of ours held against what was reported (or against a bar).

    Built by keyword; it reads like the dict it is written as (`row["id"]`, `row.get("shown")`, `as_dict()`).
    - `runs`: what the evidence is, in a reader's words (e.g. "4 seeds × 300 epochs"), for the results table;
    - `shown`: how the reproduced number reads for a person (e.g. "216.3 ± 2.3" where `reproduced` is 216.29);
    - `run_names`: the evaluated runs (results/runs/NAME.json) whose numbers feed the row;
    - `against_paper`: the row holds its runs against a number a paper reported. The report then names their
      provenance beside the verdict, and a row fed by quick-profile runs only gets no verdict there (REFERENCE):
      a quick run is judged against its quick band instead. Not written to verification.json;
    - `figure`: a figure of the run behind the number (a path under results/), which the results table links
      when its claim names none (e.g. the best of N runs, whichever seed that is)."""
    id: str
    source: str
    reported: Any
    reproduced: Any
    tolerance: str
    status: str
    note: Any
    runs: str = ""
    shown: str = ""
    run_names: tuple = ()
    against_paper: bool = False
    figure: str = ""

    def as_dict(self) -> dict:
        out = {"id": self.id, "source": self.source, "reported": self.reported, "reproduced": self.reproduced,
               "tolerance": self.tolerance, "status": self.status, "note": self.note}
        if self.runs:
            out["runs"] = self.runs
        if self.shown:
            out["shown"] = self.shown
        if self.run_names:
            out["run_names"] = list(self.run_names)
        if self.figure:
            out["figure"] = self.figure
        return out

    def __getitem__(self, key):
        return self.as_dict()[key]

    def __iter__(self):
        return iter(self.as_dict())

    def __len__(self):
        return len(self.as_dict())


def parzen_verdict(ll, se, reported, reported_se, higher_is_pass=True):
    """(tolerance, passed): above the reported mean (if `higher_is_pass`) or within 2 sqrt(se_paper^2 + se^2)."""
    tol = 2 * math.sqrt(reported_se ** 2 + se ** 2)
    return tol, (higher_is_pass and ll > reported) or abs(ll - reported) <= tol


def parzen_check(id, source, reported, reported_se, result, note, higher_is_pass=True, **extra) -> Row:
    """PASS when above the reported mean (if `higher_is_pass`) or within 2 sqrt(se_paper^2 + se_ours^2) of it.
    `extra`: the Row's optional fields (runs, run_names, against_paper)."""
    if result is None:
        return Row(id=id, source=source, reported=reported, reproduced=None,
                   tolerance=f"2·√({reported_se}² + SE²)", status="NOT RUN", note=note, **extra)
    ll, se = result["ll"], result["se"]
    tol, ok = parzen_verdict(ll, se, reported, reported_se, higher_is_pass)
    gap = ll - reported
    return Row(id=id, source=source, reported=reported, reproduced=round(ll, 2),
               tolerance=f"{'above, or ' if higher_is_pass else ''}within ±{tol:.2f}", status="PASS" if ok else "FAIL",
               note=f"{note}; ours {ll:.1f} ± {se:.1f} (σ = {result['sigma']:.3f}), "
                    f"{'+' if gap >= 0 else ''}{gap:.1f} nats from the reported value",
               shown=f"{ll:.1f} ± {se:.1f}", **extra)


class DamagedFileError(ValueError):
    """A file the suite reads but did not just write is unreadable or not what it should be: the message names the
    file, what is wrong with it and what to do."""


def read_json(path, fix, kind=dict, required=None):
    """The JSON document in `path`, checked: `kind` at the top level (dict or list) and, for a dict, the keys of
    `required` ({key: type or tuple of types}); else DamagedFileError naming the file, the problem and `fix`."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedFileError(f"{path} is not a text file (not UTF-8); {fix}") from None
    except OSError as e:
        raise DamagedFileError(f"{path} cannot be read ({e.strerror}); {fix}") from None
    if not text.strip():
        raise DamagedFileError(f"{path} is empty; {fix}")
    try:
        data = json.loads(text)
    except ValueError as e:
        raise DamagedFileError(f"{path} is not valid JSON (cut short or edited: {e}); {fix}") from None
    if not isinstance(data, kind):
        raise DamagedFileError(f"{path} holds a JSON {_json_kind(data)} where a JSON {_json_kind(kind())} is "
                               f"expected; {fix}")
    for key, types in (required or {}).items():
        if key not in data:
            raise DamagedFileError(f"{path} has no '{key}' entry; {fix}")
        if not isinstance(data[key], types) or isinstance(data[key], bool) and bool not in _tuple(types):
            raise DamagedFileError(f"{path}: '{key}' is {_json_kind(data[key])} {_short(data[key])}, not "
                                   f"{' or '.join(_json_kind(t()) for t in _tuple(types))}; {fix}")
    return data


def _tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _json_kind(value):
    return {dict: "object", list: "list", str: "string", bool: "true/false", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _short(value):
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _finite_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


SUMMARY_FIX = ("write it again with `python -m repro evaluate RUN_DIR` (RUN_DIR: the run folder it came from), or "
               "move it out of the folder")
# what every report section and summary figure may rely on in a run summary (repro.evaluate.evaluate_run)
SUMMARY_KEYS = {"run": str, "experiment": str, "model": str, "profile": str, "recipe": dict, "checkpoint": dict,
                "parzen": (dict, type(None)), "metrics": (dict, type(None)), "history": list,
                "epochs_trained": int}


def read_summary(path) -> dict:
    """A run summary (results/runs/RUN.json or a run folder's eval.json), checked, or DamagedFileError."""
    s = read_json(path, SUMMARY_FIX, dict, SUMMARY_KEYS)
    if s["parzen"] is not None and not all(_finite_number(s["parzen"].get(k)) for k in ("ll", "se", "sigma")):
        raise DamagedFileError(f"{path}: its Parzen estimate ('parzen': ll, se, sigma) is not three finite numbers; "
                               f"{SUMMARY_FIX}")
    if not all(isinstance(h, dict) and _finite_number(h.get("epoch")) for h in s["history"]):
        raise DamagedFileError(f"{path}: 'history' is not a list of epochs (each with an 'epoch' number); "
                               f"{SUMMARY_FIX}")
    return s


def read_baselines(results_dir) -> dict:
    """results/baselines.json (`python -m repro baselines`), checked; {} when there is none."""
    path = Path(results_dir, "baselines.json")
    if not path.exists():
        return {}
    fix = "compute it again with `python -m repro baselines --force`, or move it out of the folder"
    out = read_json(path, fix, dict, {"true_data": dict, "kmeans": dict})
    for key in ("true_data", "kmeans"):
        if not all(_finite_number(out[key].get(k)) for k in ("ll", "se", "sigma")):
            raise DamagedFileError(f"{path}: '{key}' is not a Parzen estimate (finite ll, se, sigma); {fix}")
    return out


RUN_FILE_FIX = ("restore it from a copy of the run folder, or train into a new run folder (`python -m repro train "
                "CONFIG --run-dir NEW_FOLDER`)")


def read_done(run_dir):
    """A run folder's done.json (how many epochs a finished training ran, why it stopped early), checked; None
    when the run has not finished."""
    path = Path(run_dir) / "done.json"
    if not path.exists():
        return None
    d = read_json(path, RUN_FILE_FIX, dict, {"epochs": int})
    if not isinstance(d.get("stopped"), (str, type(None))) or not isinstance(d.get("steps_per_epoch", 1), int):
        raise DamagedFileError(f"{path}: 'stopped' is not text or 'steps_per_epoch' is not a whole number; "
                               f"{RUN_FILE_FIX}")
    return d


def read_environment(run_dir):
    """A run folder's environment.json (one entry per training session), checked; None when there is none."""
    path = Path(run_dir) / "environment.json"
    if not path.exists():
        return None
    sessions = read_json(path, "restore it from a copy of the run folder, or move it out of the folder (the "
                         "machines the run trained on are then not recorded)", list)
    if not all(isinstance(s, dict) for s in sessions):
        raise DamagedFileError(f"{path} is not a list of training sessions; restore it from a copy of the run "
                               "folder, or move it out of the folder")
    return sessions


def read_checkpoint_epoch(path):
    """The epoch of a checkpoint's sidecar (checkpoints/best.json, last.json), checked; None when there is none."""
    path = Path(path)
    if not path.exists():
        return None
    return read_json(path, RUN_FILE_FIX, dict, {"epoch": int})["epoch"]


# damaged summaries met since the last `reset_damaged()` ({path: why}); each is warned about once, and the
# report lists them as unreadable
DAMAGED: dict[str, str] = {}


def reset_damaged():
    DAMAGED.clear()


def skip_damaged(path, error):
    """One warning line for a damaged summary that is left out (the first time it is met)."""
    import sys

    if str(path) not in DAMAGED:
        DAMAGED[str(path)] = str(error)
        print(f"warning: skipping a damaged summary: {error}", file=sys.stderr)


def load_runs(results_dir):
    """{run: summary} of results/runs/*.json; a damaged file is skipped with one warning (see DAMAGED)."""
    out = {}
    for p in sorted(Path(results_dir, "runs").glob("*.json")):
        try:
            s = read_summary(p)
        except DamagedFileError as e:
            skip_damaged(p, e)
            continue
        out[s["run"]] = s
    return out


# while a report is being written: the files of that report, written together at its end (None: write at once)
_pending: dict | None = None


def emit(results_dir, name, text):
    """A results file of a report section (table1.md, ...): joins the report's set while one is being written."""
    if _pending is not None:
        _pending[name] = text
    else:
        atomic_write_text(Path(results_dir, name), text)


class collect_files:
    """`with collect_files(results_dir) as files:` — every `emit` inside, plus whatever the block puts in `files`,
    is written as one set (`write_file_set`) when the block ends without an error; nothing is written otherwise."""

    def __init__(self, results_dir):
        self.results_dir, self.files = Path(results_dir), {}

    def __enter__(self):
        global _pending
        _pending = self.files
        return self.files

    def __exit__(self, exc_type, exc, tb):
        global _pending
        _pending = None
        if exc_type is None:
            write_file_set(self.results_dir, self.files)
        return False


def _number(text):
    value = float(text) if text not in ("", None, "NA") else None
    return value if value is not None and math.isfinite(value) else None


HISTORY_FIX = ("restore it from a copy of the run folder, or move it out of the folder (the run's per-epoch log is "
               "then missing from its summary)")


def read_history(run_dir) -> list[dict]:
    """The epochs of a run folder's history.csv (Keras' CSVLogger), checked, or DamagedFileError."""
    path = Path(run_dir) / "history.csv"
    if not path.exists():
        return []
    rows = {}
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or "epoch" not in reader.fieldnames:
                raise DamagedFileError(f"{path} has no 'epoch' column (its first line is not CSVLogger's header); "
                                       f"{HISTORY_FIX}")
            for row in reader:
                # a resumed run may log an epoch twice; the later line wins. Keras' CSVLogger writes "NA" in the
                # val_* columns it adds when a model logs no validation metrics (e.g. the 1-D toy)
                # (and "nan" where a value was not measured that epoch, e.g. val_parzen between monitored epochs)
                try:
                    values = {k: _number(v) for k, v in row.items() if k is not None}
                    epoch = int(row["epoch"])
                except (TypeError, ValueError):
                    raise DamagedFileError(f"{path}, line {reader.line_num}: not numbers in the columns "
                                           f"{', '.join(reader.fieldnames)}; {HISTORY_FIX}") from None
                if None in row or epoch < 0:  # more fields than the header has, or a negative epoch
                    raise DamagedFileError(f"{path}, line {reader.line_num}: does not match the header "
                                           f"({', '.join(reader.fieldnames)}); {HISTORY_FIX}")
                rows[epoch] = values
    except UnicodeDecodeError:
        raise DamagedFileError(f"{path} is not a text file (not UTF-8); {HISTORY_FIX}") from None
    except csv.Error as e:
        raise DamagedFileError(f"{path} is not a CSV file ({e}); {HISTORY_FIX}") from None
    return [rows[k] for k in sorted(rows)]
