"""REPORT.md, verification.json and the tables, rebuilt from the small files in results/.

Each experiment contributes report sections (repro/experiments/<family>/, registered in repro.registry): a
function (results_dir) -> (markdown, rows), where a row is a `repro.results.Row` naming the runs that feed it.
A section selects its runs, computes its rows (each verdict rule a small function beside the rows it judges)
and renders its markdown; this engine judges the rows by the runs' profile and writes the set. Nothing here
trains or samples: the numbers come from results/runs/*.json and results/baselines.json, which `evaluate` and
`baselines` wrote from real runs.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import repro.experiments  # noqa: F401  registers every experiment's report sections
from repro import registry
from repro.results import DAMAGED, Row, collect_files, git, load_runs, read_json, reset_damaged


def provenance(results_dir) -> dict:
    """Per file under results/ that a number comes from: where it was computed.

    Written by the last ./run_all.sh (results/run_all.json) -> 'computed here by ./run_all.sh on <date> on <cpu>';
    else committed and unchanged -> 'came with the checkout (commit, date)'; else 'an earlier run, not committed'."""
    results_dir = Path(results_dir)
    status = read_run_all(results_dir) or {}
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
        if str(results_dir / rel) in DAMAGED:
            out[rel] = f"UNREADABLE, left out of this report ({DAMAGED[str(results_dir / rel)]})"
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


def read_run_all(results_dir):
    """results/run_all.json (what the last ./run_all.sh did), checked; None when there is none."""
    p = Path(results_dir) / "run_all.json"
    if not p.exists():
        return None
    return read_json(p, "run ./run_all.sh again, or move the file out of the folder", dict,
                     {"profile": str, "started": str, "cpu": str, "seconds": (int, float), "mnist_source": str,
                      "experiments": list, "steps": list})


def judge_rows_by_profile(rows, runs, prov):
    """Rows held against a paper's number (`Row.against_paper`), judged by the runs each names (`Row.run_names`):
    fed by quick-profile runs only, a verdict there is REFERENCE (a quick run is judged against its quick band
    instead); else the verdict names its runs' provenance (commit and date). Other rows pass unchanged."""
    return [_judge_by_profile(r, runs, prov) for r in rows]


def _judge_by_profile(r, runs, prov):
    if not (r.against_paper and r.run_names and r.status in ("PASS", "FAIL")):
        return r
    if all((runs.get(n) or {}).get("profile") == "quick" for n in r.run_names):
        return replace(r, status="REFERENCE", note=(
            f"{r.status} against the paper's number, shown for reference only: a quick run is not meant to reach it "
            f"and is judged against its quick band (section below); {r.note}"))
    where = "; ".join(f"{n}: {prov.get(f'runs/{n}.json', 'source unknown')}" for n in r.run_names)
    return replace(r, note=f"{r.note} [from {where}]")


QUICK_SOURCE = "this suite's quick-profile band (results/quick_bands.json)"
QUICK_INTRO = [
    "## Quick profile: does the code still do what it did?", "",
    "A quick run (`./run_all.sh`'s default) is far too short to reach a paper's number, so rows holding it against "
    "one are marked REFERENCE. It is judged instead against the band this suite measured for the same quick profile "
    "over several seeds (`results/quick_bands.json`; the metrics and the band rule are fixed in "
    "`repro/quick_bands.py`): PASS means the code still reaches what it reached then, FAIL a regression, NO BAND "
    "that none has been measured yet (none is invented).", "",
    "| check | quick run | limit | status |", "|---|---|---|---|"]


def quick_band_section(results_dir):
    """Each experiment's quick run (`./run_all.sh`'s default profile) against the band this suite measured."""
    from repro.quick_bands import load_bands, quick_metrics

    bands, runs = load_bands(results_dir), load_runs(results_dir)
    rows = [r for exp in quick_metrics() for r in quick_band_rows(exp, runs.get(f"{exp}-quick"), bands)]
    lines = QUICK_INTRO + [f"| {r.id} | {r.reproduced if r.reproduced is not None else '—'} | {r.reported} | "
                           f"{r.status} |" for r in rows]
    return "\n".join(lines) + "\n", rows


def quick_band_rows(exp, summary, bands):
    """The rows of one experiment's quick run (`summary`, None when it has not run) against its measured band."""
    from repro.quick_bands import judge

    if summary is None:
        return [Row(id=f"quick.{exp}", source=QUICK_SOURCE, reported="band", reproduced=None, tolerance="—",
                    status="NOT RUN", note=f"no quick run of {exp} in results/runs/ (./run_all.sh trains it)")]
    entry = (bands.get("experiments") or {}).get(exp, {})
    rows = []
    for v in judge(summary, bands):
        reported, tol, note = _band_words(v, entry)
        rows.append(Row(id=f"quick.{exp}.{v['path']}", source=QUICK_SOURCE, reported=reported,
                        reproduced=None if v["value"] is None else round(v["value"], 4), tolerance=tol,
                        status=v["status"], note=note, run_names=(summary["run"],)))
    return rows


def _band_words(v, entry):
    """(reported, tolerance, note) of a quick-band verdict `v` (repro.quick_bands.judge) from its band `entry`."""
    if v["status"] not in ("PASS", "FAIL"):
        return "—", "—", f"{v['metric']}: {v['note']}"
    side, sign = ("≥", "−") if v["better"] == "higher" else ("≤", "+")
    seeds = ", ".join(f"seed {sd}: {x:.4g}" for sd, x in zip(v["seeds"] or [], v["values"]))
    note = (f"{v['metric']}; band from {len(v['values'])} quick runs ({seeds}), measured by "
            f"`{entry.get('command')}` at commit {entry.get('commit')} on {entry.get('date')} ({entry.get('cpu')})")
    return f"{side} {v['limit']:.4g}", f"worst seed {sign} max(range, 5% of mean)", note


def this_run_section(results_dir):
    """What the last ./run_all.sh did, and where every number of this report was computed."""
    results_dir = Path(results_dir)
    st = read_run_all(results_dir)
    prov = provenance(results_dir)
    lines = ["## This run and where the numbers come from", ""]
    if st is not None:
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
    lines += ["", classifier_paragraph(results_dir)]
    return "\n".join(lines) + "\n", []


def _classifier_fingerprints(summary):
    """The classifier fingerprint of every classifier-based measurement in a summary (None: none recorded)."""
    found = []
    if isinstance(summary, dict):
        if "classifier_score" in summary:
            found.append(summary.get("classifier"))
        for value in summary.values():
            found += _classifier_fingerprints(value)
    elif isinstance(summary, list):
        for value in summary:
            found += _classifier_fingerprints(value)
    return found


def classifier_paragraph(results_dir):
    """Which classifier measured the classifier-based numbers (class histograms, classifier scores, Fréchet
    distances): the shipped one, or, before it shipped, one trained on the machine that evaluated the run."""
    from repro.metrics.classifier import SHIPPED, classifier_test_accuracy, shipped_fingerprint

    shipped = shipped_fingerprint()
    if shipped is None:  # a changed classifier not shipped yet: each machine trains its own
        return ("Classifier-based numbers (class histograms, classifier scores, Fréchet distances) were measured with "
                "a classifier trained on the machine that evaluated each run (none ships with this version), so "
                "they can differ from machine to machine.")
    by_run = {name: set(_classifier_fingerprints(s)) for name, s in sorted(load_runs(results_dir).items())}
    by_run = {name: prints for name, prints in by_run.items() if prints}
    same = [name for name, prints in by_run.items() if prints == {shipped}]
    other = [name for name in by_run if name not in same]
    text = ("Classifier-based numbers (class histograms, classifier scores, Fréchet distances) are measured with the "
            f"suite's MNIST classifier, whose weights ship with it (`repro/metrics/{SHIPPED.name}`, fingerprint "
            f"`{shipped}`, {100 * classifier_test_accuracy():.2f}% MNIST test accuracy), so that every machine scores "
            f"the same samples alike. {len(same)} of {len(by_run)} summaries with such numbers were scored with it.")
    if other:
        text += (" Scored before it shipped, by a classifier trained on the machine that evaluated them (another "
                 "CPU gives other weights, so a re-scoring with the shipped classifier can move these numbers): " +
                 ", ".join(f"`{name}`" for name in other) + ".")
    return text


GLANCE_BEGIN, GLANCE_END = "<!-- results-at-a-glance:begin -->", "<!-- results-at-a-glance:end -->"
FIGURE_REF = re.compile(r"`(?:results/figures/)?([\w.\-]+\.png)`")


def embed_figures(md, results_dir):
    """After each line naming figures (`results/figures/X.png` or `X.png` in back-ticks), the figures themselves,
    so a reader sees them in REPORT.md; names that are not drawn (yet) stay as text."""
    out = []
    for line in md.split("\n"):
        out.append(line)
        names = [n for n in dict.fromkeys(FIGURE_REF.findall(line)) if (Path(results_dir) / "figures" / n).exists()]
        if names:
            out += ["", " ".join(f"![{n[:-4]}](figures/{n})" for n in names), ""]
    return "\n".join(out)


def slug(heading):
    """GitHub's anchor of a markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.lstrip("#").strip().lower())
    return text.replace(" ", "-")


def combine(rows):
    """A claim's verdict and its 'ours' cell from the rows that judge it."""
    if not rows:
        return "NOT RUN", "—"
    statuses = [r["status"] for r in rows]
    if len(rows) == 1:
        r = rows[0]
        shown = r.get("shown") or (r["reproduced"] if r["reproduced"] is not None else "—")
        return r["status"], str(shown)
    judged = [s for s in statuses if s in ("PASS", "FAIL")]
    status = "FAIL" if "FAIL" in judged else "PASS" if judged else statuses[0]
    ours = f"{judged.count('PASS')} of {len(rows)} pass"
    if len(judged) < len(rows):
        ours += f" ({len(rows) - len(judged)} not judged)"
    return status, ours


def glance(rows, headings):
    """One entry per declared claim (repro.registry.Claim), judged by the verification rows it names."""
    out = []
    for c in registry.claims():
        mine = [r for r in rows if c.matches(r["id"])]
        status, ours = combine(mine)
        reported = c.reported or (str(mine[0]["reported"]) if len(mine) == 1 else "—")
        runs = c.runs or "; ".join(dict.fromkeys(r["runs"] for r in mine if r.get("runs")))
        figure = c.figure or next((r["figure"] for r in mine if r.get("figure")), "")
        out.append({"paper": c.paper, "claim": c.claim, "reported": reported, "ours": ours, "verdict": status,
                    "runs": runs or "—", "figure": figure, "rows": [r["id"] for r in mine],
                    "section": next((h for h in headings if c.section and h.startswith(c.section)), "")})
    return out


def render_glance(claims, link_prefix=""):
    """The results-at-a-glance table; link_prefix is where REPORT.md's folder lies from the page it goes in."""
    lines = ["| paper | claim | reported | ours | verdict | evidence | figure |", "|---|---|---|---|---|---|---|"]
    for c in claims:
        claim = f"[{c['claim']}]({link_prefix}REPORT.md#{slug(c['section'])})" if c["section"] else c["claim"]
        figure = f"[figure]({link_prefix}{c['figure']})" if c["figure"] else "—"
        lines.append(f"| {c['paper']} | {claim} | {c['reported']} | {c['ours']} | **{c['verdict']}** | {c['runs']} "
                     f"| {figure} |")
    return "\n".join(lines)


def counts_line(rows, claims):
    in_claims = {i for c in claims for i in c["rows"]}
    verdicts = [c["verdict"] for c in claims]
    quick = [r for r in rows if r["id"].startswith("quick.") or r["status"] == "REFERENCE"]
    checks = [r for r in rows if r["id"] not in in_claims and r not in quick]

    def tally(statuses):
        return ", ".join(f"{statuses.count(k)} {k}" for k in ("PASS", "FAIL", "NOT RUN", "MEASURED", "NO BAND",
                                                                "REFERENCE") if statuses.count(k))
    return (f"**{len(claims)} claims: {tally(verdicts)}.** Beside them: {len(checks)} per-run checks "
            f"({tally([r['status'] for r in checks])}) and {len(quick)} quick-profile rows "
            f"({tally([r['status'] for r in quick])}), listed in the appendix.")


def glance_block(rows, headings, link_prefix):
    claims = glance(rows, headings)
    return counts_line(rows, claims) + "\n\n" + render_glance(claims, link_prefix)


def update_readme(readme, block):
    """README.md with its results-at-a-glance block replaced; None when it has no markers (nothing to update)."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if GLANCE_BEGIN not in text or GLANCE_END not in text:
        return None
    head, rest = text.split(GLANCE_BEGIN, 1)
    _, tail = rest.split(GLANCE_END, 1)
    return f"{head}{GLANCE_BEGIN}\n{block}\n{GLANCE_END}{tail}"


APPENDIX_A = [
    "## Appendix A: every verification row", "",
    "Each row holds one number of ours against what was reported (or against the suite's own bar, where the row says "
    "so). A claim in the table at the top may rest on several rows; per-run checks (e.g. the nearest-neighbour check "
    "of each run) and quick-profile rows are not claims.", "",
    "| id | source | reported | reproduced | tolerance | status | note |", "|---|---|---|---|---|---|---|"]
ROW_COLUMNS = ("id", "source", "reported", "reproduced", "tolerance", "status", "note")


def write_report(results_dir="results", readme=None):
    """REPORT.md, verification.json and the tables, written as one set (`write_file_set`): a kill part-way never
    leaves a REPORT.md of one run beside a verification.json of another once `report` has run again. `readme`
    (default: README.md beside results/) gets the same results-at-a-glance table between its markers."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    readme = Path(readme) if readme else results_dir.resolve().parent / "README.md"
    reset_damaged()
    load_runs(results_dir)  # a damaged summary is named once here, left out of every section, listed as unreadable
    with collect_files(results_dir) as files:  # sections' own files (table1.md, ...) join the set
        parts, rows = run_sections(results_dir)
        headings = [line.lstrip("#").strip() for part in parts for line in part.split("\n") if line.startswith("#")]
        files["REPORT.md"] = render_report(results_dir, parts, rows, headings)
        files["verification.json"] = json.dumps([r.as_dict() for r in rows], indent=1)
        new_readme = update_readme(readme, glance_block(rows, headings, "results/"))
    if new_readme is not None:  # outside results/, so not in its file set: written once the set is in place
        from repro.io import atomic_write_text

        atomic_write_text(readme, new_readme)
    return [results_dir / "REPORT.md", results_dir / "verification.json", results_dir / "table1.md",
            results_dir / "table1.csv"] + ([readme] if new_readme is not None else [])


def run_sections(results_dir):
    """(markdown of each registered section, then the quick bands'; every row, judged by profile)."""
    parts, rows = [], []
    for section in [*registry.report_sections(), quick_band_section]:
        md, r = section(results_dir)
        parts.append(embed_figures(md, results_dir))
        rows += r
    return parts, judge_rows_by_profile(rows, load_runs(results_dir), provenance(results_dir))


def render_report(results_dir, parts, rows, headings):
    """REPORT.md: the head and results at a glance, the sections, appendix A (every row) and B (provenance)."""
    ver = APPENDIX_A + ["| " + " | ".join(str(r[k]) if r[k] is not None else "—" for k in ROW_COLUMNS) + " |"
                        for r in rows]
    provenance_md, _ = this_run_section(results_dir)
    head = ["# Reproduction report", "",
            f"Regenerated by `python -m repro report` ({datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}) "
            "from `results/runs/*.json` and `results/baselines.json`: every number below comes from a run of this "
            "suite. A FAIL says by how much we fall short. Paper verdicts come from paper-profile runs; quick runs "
            "are judged against the suite's own quick bands. Where each number was computed: appendix B.", "",
            "## Results at a glance", "", glance_block(rows, headings, ""), ""]
    tail = ["", provenance_md.replace("## This run and where the numbers come from",
                                      "## Appendix B: this run and where the numbers come from")]
    return "\n".join(head + parts + ver + tail) + "\n"
