"""`python -m repro verify`: re-measure the headline numbers from the models shipped in results/, without training.

Each experiment declares its claims (`repro.registry.Check`): the evaluated run behind the number, where the run's
model ships (results/generators/RUN.npz, written by `export-generator`), the verification.json row with the
paper's number and verdict, and how to read the number from a run summary. For every claim asked for, verify
loads the shipped model, measures again exactly as `evaluate` did (the same functions, the evaluation seed) and
compares the measurement with the reproduction recorded in results/runs/RUN.json: they agree when they differ by
at most the recorded standard error (without one: when they agree to 3 significant digits). The paper's verdict
is printed beside it, from verification.json; nothing here is typed in by hand.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import repro.experiments  # noqa: F401  registers every experiment's claims
from repro.io import atomic_write_text
from repro.registry import checks as declared_claims

TIMES_FILE = "verify_times.json"  # seconds each claim took here (with CPU, load, date): `verify ... --record-time`
RELATIVE_AGREEMENT = 1e-3  # a number recorded without a standard error must agree to ~3 significant digits


class VerifyInputError(ValueError):
    """A claim name that cannot be checked here (exit code 2)."""


@dataclass
class Resolved:
    """A claim as it stands in one results folder."""
    claim: object
    run: str | None  # the evaluated run behind it (None: none evaluated yet)
    artifact: Path | None
    summary: dict | None  # results/runs/RUN.json
    row: dict | None  # its verification.json row
    problem: str | None  # why it cannot be checked here (None: it can)

    @property
    def checkable(self):
        return self.problem is None


def _networks(path):
    """The networks a shipped model file holds (a generator file: the generator alone)."""
    import numpy as np

    try:
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
    except Exception:  # noqa: BLE001  unreadable: load_run says why, in its own words, when it is checked
        return ["generator"]
    return meta.get("networks") or ["generator"]


def resolve(claim, results_dir) -> Resolved:
    results_dir = Path(results_dir)
    run = claim.run(results_dir) if callable(claim.run) else claim.run
    if run is None:
        return Resolved(claim, None, None, None, None, "no evaluated run in results/runs/ yet")
    artifact = results_dir / claim.artifact.format(run=run)
    summary_path = results_dir / "runs" / f"{run}.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else None
    rows = _verification_rows(results_dir)
    row = rows.get(claim.verification.format(run=run))
    problem = None
    if not artifact.exists():
        how = claim.export.format(run=run)
        problem = f"not shipped (no {artifact}); " + (f"write it from the run folder: {how}"
                                                      if how.startswith("python -m repro") else how)
    elif summary is None or claim.number(summary) is None:
        problem = f"no recorded reproduction ({summary_path} has no such number)"
    elif missing := [n for n in claim.needs if n not in _networks(artifact)]:
        problem = f"{artifact} lacks the {', '.join(missing)} this claim is measured with"
    return Resolved(claim, run, artifact, summary, row, problem)


def _verification_rows(results_dir):
    path = Path(results_dir) / "verification.json"
    return {r["id"]: r for r in json.loads(path.read_text())} if path.exists() else {}


def recorded_times(results_dir) -> dict:
    path = Path(results_dir) / TIMES_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def select(names, results_dir) -> list[Resolved]:
    """The claims asked for (all shipped ones for `all`, every declared one for no name); unknown or unshipped
    names are bad input, said in one line with the names that work."""
    everything = resolve_all(results_dir)
    if not names:
        return everything
    if "all" in names:
        return [r for r in everything if r.checkable]
    by_name = {r.claim.name: r for r in everything}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise VerifyInputError(f"unknown claim {', '.join(map(repr, unknown))}; known claims: "
                               f"{', '.join(by_name)} (or all). `python -m repro verify` lists them.")
    shipped = ", ".join(r.claim.name for r in everything if r.checkable) or "none"
    for n in names:
        if not by_name[n].checkable:
            raise VerifyInputError(f"claim {n!r} cannot be checked here: {by_name[n].problem}. Checkable here: "
                                   f"{shipped}.")
    return [by_name[n] for n in dict.fromkeys(names)]


def _fmt(value, unit):
    if value is None:
        return "—"
    if unit in ("error", "share"):
        return f"{100 * value:.2f}%"
    if unit == "nats":
        return f"{value:.2f}"
    return f"{value:.4g}"


def _signed(diff, unit):
    if unit in ("error", "share"):
        return f"{100 * diff:+.3f} points"
    return f"{diff:+.4f}" if unit == "nats" else f"{diff:+.3g}"


def _fmt_recorded(number, unit):
    value, se = number
    return _fmt(value, unit) + (f" ± {_fmt(se, unit)}" if se is not None else "")


def _fmt_seconds(s):
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"


def listing(results_dir) -> list[str]:
    """What `verify` with no claim prints: the checkable claims with their expected time, then the others."""
    resolved = select([], results_dir)
    times = recorded_times(results_dir)
    ok = [r for r in resolved if r.checkable]
    out = ["Claims that can be re-checked from the models shipped in results/ (python -m repro verify CLAIM ... | "
           "all):" if ok else "No claim can be re-checked here: no model of a claim is shipped in results/."]
    for r in ok:
        size = r.artifact.stat().st_size / 1e6
        t = times.get(r.claim.name)
        start = f" + {_fmt_seconds(t['startup_seconds'])} start-up" if t and t.get("startup_seconds") else ""
        when = (f"expected time {_fmt_seconds(t['seconds'])}{start} (measured {t['date']} on {t['cpu']}, "
                f"{t['cores']} cores, load average {t['load_average']:.1f})" if t else
                "expected time not measured yet (`verify all --record-time` records it)")
        out += [f"  {r.claim.name}: {r.claim.title}", f"      run {r.run}; model {r.artifact} ({size:.1f} MB); {when}"]
    rest = [r for r in resolved if not r.checkable]
    if rest:
        out.append("Declared but not checkable here:")
        for r in rest:
            where = f"run {r.run}: " if r.run else ""
            out += [f"  {r.claim.name}: {r.claim.title}", f"      {where}{r.problem}"]
    return out


def measure(r: Resolved, data_dir=None) -> dict:
    """The claim's number measured again from its shipped model, as evaluate measures it."""
    from repro.evaluate import measure as evaluators, test_parzen
    from repro.train import open_run

    t0 = time.time()
    run = open_run(r.artifact, data_dir=data_dir)
    fresh = {}
    if "parzen" in r.claim.measures:
        fresh["parzen"] = test_parzen(run.model, run.cfg, run.splits)
    if "metrics" in r.claim.measures:  # the registered evaluators, as evaluate runs them
        fresh["metrics"] = evaluators(run, key="metrics")["metrics"]
    if "likelihood" in r.claim.measures:  # a model with an exact likelihood: the test set re-scored, nothing else
        fresh.setdefault("metrics", {}).update(run.model.likelihood_metrics(run.splits))
    value, _ = r.claim.number(fresh)
    return {"value": value, "seconds": time.time() - t0, "fresh": fresh, "info": run.info}


def agrees(recorded, value) -> bool:
    rec, se = recorded
    if se is not None:
        return abs(value - rec) <= se
    return abs(value - rec) <= RELATIVE_AGREEMENT * abs(rec)


def _cpu():
    from repro.backend import describe

    d = describe()
    return d["cpu"], d["cores"]


def run(names, results_dir="results", data_dir=None, record_time=False, out=print, started=None) -> int:
    """Lists the claims (no names) or checks them; returns the exit code: 0 when every checked claim agrees.
    `started`: when the command started (its start-up, mostly importing TensorFlow, is recorded with the times)."""
    if not names:
        for line in listing(results_dir):
            out(line)
        return 0
    chosen = select(names, results_dir)
    skipped = [r for r in resolve_all(results_dir) if not r.checkable] if "all" in names else []
    cpu, cores = _cpu()
    out(f"verify: {len(chosen)} claim(s) on {cpu} ({cores} cores, load average {os.getloadavg()[0]:.1f})")
    header = ("claim", "paper", "recorded (± SE)", "measured now", "difference", "agrees", "paper verdict", "time")
    table, failed, t_all = [header], 0, time.time()
    startup = t_all - started if started else None
    times = recorded_times(results_dir)
    for r in chosen:
        recorded = r.claim.number(r.summary)
        m = measure(r, data_dir)
        ok = agrees(recorded, m["value"])
        failed += not ok
        times[r.claim.name] = {"seconds": round(m["seconds"], 1),
                               "startup_seconds": round(startup, 1) if startup is not None else None, "cpu": cpu,
                               "cores": cores,
                               "load_average": round(os.getloadavg()[0], 2),
                               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
        table.append((r.claim.name, str(r.row["reported"]) if r.row else "—", _fmt_recorded(recorded, r.claim.unit),
                      _fmt(m["value"], r.claim.unit), _signed(m["value"] - recorded[0], r.claim.unit),
                      "PASS" if ok else "FAIL",
                      r.row["status"] if r.row else "— (no verification row: python -m repro report)",
                      _fmt_seconds(m["seconds"])))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        out("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    for r in chosen:
        out(f"{r.claim.name}: {r.claim.title}; run {r.run}, model {r.artifact}")
    for r in skipped:
        out(f"{r.claim.name}: not checked, {r.problem}")
    total = time.time() - t_all
    out(f"{len(chosen) - failed} of {len(chosen)} agree with the recorded reproduction (within its standard error); "
        f"{_fmt_seconds(total)} of measuring" + (f" after {_fmt_seconds(startup)} of start-up" if startup else "")
        + ". 'paper verdict' is the reproduction against the paper, from verification.json.")
    if record_time:  # per claim: its seconds, with the CPU and the load they were measured under
        atomic_write_text(Path(results_dir) / TIMES_FILE, json.dumps(times, indent=1))
    return 0 if failed == 0 else 1


def resolve_all(results_dir):
    return [resolve(c, results_dir) for c in declared_claims()]
