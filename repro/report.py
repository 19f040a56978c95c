"""REPORT.md, verification.json and the tables, rebuilt from the small files in results/.

Each experiment contributes report sections (repro/experiments/<family>/, registered in repro.registry): a
function (results_dir) -> (markdown, rows), where a row is {id, source, reported, reproduced, tolerance,
status, note} (repro.results.row). Nothing here trains or samples: the numbers come from results/runs/*.json
and results/baselines.json, which `evaluate` and `baselines` wrote from real runs.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import repro.experiments  # noqa: F401  registers every experiment's report sections
from repro import registry
from repro.results import collect_files, git, load_runs, row


QUICK_PROFILE_TOKEN = re.compile(r"(^|[.\-_ ])quick([.\-_ ]|$)")
# rows that hold a run against a number a paper reported: only a paper-profile run gets a verdict there
PAPER_TARGET_ROWS = ("goodfellow2014.table1.", "keras_dcgan.mostly_ones.", "infogan.", "cgan.", "pixelcnn.")


def provenance(results_dir) -> dict:
    """Per file under results/ that a number comes from: where it was computed.

    Written by the last ./run_all.sh (results/run_all.json) -> 'computed here by ./run_all.sh on <date> on <cpu>';
    else committed and unchanged -> 'came with the checkout (commit, date)'; else 'an earlier run, not committed'."""
    results_dir = Path(results_dir)
    status = json.loads((results_dir / "run_all.json").read_text()) if (results_dir / "run_all.json").exists() else {}
    here = {e["summary"] for e in status.get("experiments", []) if e.get("summary")}
    if any(st["what"] == "baselines" and st["state"] == "computed" for st in status.get("steps", [])):
        here.add("baselines.json")
    changed = set(git(results_dir, "status", "--porcelain", "--untracked-files=all", "--", ".").splitlines())
    changed = {line[3:].strip() for line in changed}
    prefix = git(results_dir, "rev-parse", "--show-prefix")
    out = {}
    files = [f"runs/{p.name}" for p in sorted((results_dir / "runs").glob("*.json"))] + ["baselines.json"]
    for rel in files:
        if not (results_dir / rel).exists():
            continue
        if rel in here:
            out[rel] = f"computed here by ./run_all.sh ({status['started']}, {status['cpu']})"
            continue
        log = git(results_dir, "log", "-1", "--format=%h %cs", "--", rel)
        if log and prefix + rel not in changed:
            commit, date = log.split()
            out[rel] = f"came with the checkout (committed in {commit} on {date})"
        else:
            out[rel] = "from an earlier run in this folder (not committed, not written by the last ./run_all.sh)"
    return out


def _runs_named(text, runs):
    """Run names mentioned in a row's id or note, longest first (so '-paper-seed1' is not read as '-paper')."""
    found = []
    for name in sorted(runs, key=len, reverse=True):
        if re.search(rf"(^|[^\w-]){re.escape(name)}($|[^\w-])", text) and not any(name in f for f in found):
            found.append(name)
    return found


def judge_rows_by_profile(rows, runs, prov):
    """A quick run held against a paper's number gets no verdict there (REFERENCE: it is judged
    against its quick band instead); a paper-profile verdict names its run(s), commit and date."""
    for r in rows:
        text = f"{r['id']} {r['note'] or ''}"
        named = _runs_named(text, runs)
        if r["id"].startswith(PAPER_TARGET_ROWS) and r["status"] in ("PASS", "FAIL") and (
                QUICK_PROFILE_TOKEN.search(r["id"]) or "quick profile" in (r["note"] or "")):
            r["note"] = (f"{r['status']} against the paper's number, shown for reference only: a quick run is not "
                         f"meant to reach it and is judged against its quick band (section below); {r['note']}")
            r["status"] = "REFERENCE"
            continue
        if r["status"] in ("PASS", "FAIL") and r["id"].startswith(PAPER_TARGET_ROWS):
            # an aggregate row (over seeds) names the runs it pooled in its note, so this finds them too
            where = "; ".join(f"{n}: {prov.get(f'runs/{n}.json', 'source unknown')}" for n in named)
            if where:
                r["note"] = f"{r['note']} [from {where}]"
    return rows


def quick_band_section(results_dir):
    """Each experiment's quick run (`./run_all.sh`'s default profile) against the band this suite measured."""
    from repro.quick_bands import QUICK_METRICS, judge, load_bands

    bands = load_bands(results_dir)
    runs = load_runs(results_dir)
    rows, lines = [], []
    src = "this suite's quick-profile band (results/quick_bands.json)"
    for exp in QUICK_METRICS:
        s = runs.get(f"{exp}-quick")
        if s is None:
            rows.append(row(f"quick.{exp}", src, "band", None, "—", "NOT RUN",
                            f"no quick run of {exp} in results/runs/ (./run_all.sh trains it)"))
            continue
        for v in judge(s, bands):
            entry = (bands.get("experiments") or {}).get(exp, {})
            if v["status"] in ("PASS", "FAIL"):
                side = "≥" if v["better"] == "higher" else "≤"
                seeds = ", ".join(f"seed {sd}: {x:.4g}" for sd, x in zip(v["seeds"] or [], v["values"]))
                reported = f"{side} {v['limit']:.4g}"
                note = (f"{v['metric']}; band from {len(v['values'])} quick runs ({seeds}), measured by "
                        f"`{entry.get('command')}` at commit {entry.get('commit')} on {entry.get('date')} "
                        f"({entry.get('cpu')})")
                tol = "worst seed − max(range, 5% of mean)" if v["better"] == "higher" else \
                    "worst seed + max(range, 5% of mean)"
            else:
                reported, tol, note = "—", "—", f"{v['metric']}: {v['note']}"
            rows.append(row(f"quick.{exp}.{v['path']}", src, reported,
                            None if v["value"] is None else round(v["value"], 4), tol, v["status"], note))
    lines = ["## Quick profile: does the code still do what it did?", "",
             "A quick run (`./run_all.sh`'s default) is far too short to reach a paper's number, so rows holding it "
             "against one are marked REFERENCE. It is judged instead against the band this suite measured for the "
             "same quick profile over several seeds (`results/quick_bands.json`; the metrics and the band rule "
             "are fixed in `repro/quick_bands.py`): PASS means the code still reaches what it reached then, "
             "FAIL a regression, NO BAND that none has been measured yet (none is invented).", "",
             "| check | quick run | limit | status |", "|---|---|---|---|"]
    lines += [f"| {r['id']} | {r['reproduced'] if r['reproduced'] is not None else '—'} | {r['reported']} | "
              f"{r['status']} |" for r in rows]
    return "\n".join(lines) + "\n", rows


def this_run_section(results_dir):
    """What the last ./run_all.sh did, and where every number of this report was computed."""
    results_dir = Path(results_dir)
    p = results_dir / "run_all.json"
    prov = provenance(results_dir)
    lines = ["## This run and where the numbers come from", ""]
    if p.exists():
        st = json.loads(p.read_text())
        lines += [f"Last `./run_all.sh`: {st['profile']} profile, started {st['started']} on {st['cpu']}, "
                  f"{st['seconds'] / 60:.1f} min; MNIST from {st['mnist_source']}.", "",
                  "| experiment | status | why | train (s) | evaluate (s) |", "|---|---|---|---|---|"]
        for e in st["experiments"]:
            lines.append(f"| {e['experiment']} | {e['state'].upper()} | {e['reason'] or '—'} | "
                         f"{e['train_seconds'] if e['train_seconds'] is not None else '—'} | "
                         f"{e['eval_seconds'] if e['eval_seconds'] is not None else '—'} |")
        for s in st["steps"]:
            lines.append(f"| {s['what']} | {s['state'].upper()} | {s['reason'] or '—'} | | |")
    else:
        lines.append("No `./run_all.sh` has run in this folder (no results/run_all.json).")
    lines += ["", "Every summary this report reads, and where it was computed:", ""]
    lines += [f"- `results/{rel}`: {where}" for rel, where in prov.items()]
    return "\n".join(lines) + "\n", []


def write_report(results_dir="results"):
    """REPORT.md, verification.json and the tables, written as one set (`write_file_set`): a kill part-way never
    leaves a REPORT.md of one run beside a verification.json of another once `report` has run again."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    parts, rows = [], []
    with collect_files(results_dir) as files:  # sections' own files (table1.md, ...) join the set
        for section in [this_run_section, *registry.report_sections(), quick_band_section]:
            md, r = section(results_dir)
            parts.append(md)
            rows += r
        rows = judge_rows_by_profile(rows, load_runs(results_dir), provenance(results_dir))
        counts = {k: sum(r["status"] == k for r in rows)
                  for k in ("PASS", "FAIL", "NOT RUN", "NO BAND", "REFERENCE", "MEASURED")}
        ver = ["## Verification: every reported number against ours", "",
               f"{counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['NOT RUN']} NOT RUN, {counts['NO BAND']} NO BAND "
               f"(a quick check without a measured band); {counts['REFERENCE']} REFERENCE rows (a quick run beside a "
               f"paper's number, no verdict); {counts['MEASURED']} MEASURED (a measured number with no target to pass "
               "or fail).", "",
               "| id | source | reported | reproduced | tolerance | status | note |", "|---|---|---|---|---|---|---|"]
        for r in rows:
            ver.append("| " + " | ".join(str(r[k]) if r[k] is not None else "—" for k in
                                         ("id", "source", "reported", "reproduced", "tolerance", "status", "note")) + " |")
        head = ["# Reproduction report", "",
                f"Regenerated by `python -m repro report` ({datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}) "
                "from `results/runs/*.json` and `results/baselines.json`; every number below comes from a run of this "
                "suite. An honest FAIL says by how much we fall short. Paper verdicts come from paper-profile runs (each "
                "names its run, commit and date); quick runs are judged against the suite's own quick bands.", ""]
        files["REPORT.md"] = "\n".join(head + parts + ver) + "\n"
        files["verification.json"] = json.dumps(rows, indent=1)
    return [results_dir / "REPORT.md", results_dir / "verification.json", results_dir / "table1.md",
            results_dir / "table1.csv"]
