"""Record a long run's milestone: the summary `python -m repro evaluate RUN --checkpoint best --results DIR` wrote
for the run at a milestone epoch becomes results/milestones/RUN/epoch-NNNNN.json (without its per-epoch history,
which the run's own summary carries) and the run's summary in results/runs/ (so that its rows and curve are those
of the newest milestone).

    .venv/bin/python tools/record_milestone.py milestones/2000/runs/goodfellow2014_mnist-long-seed0.json

A milestone already recorded is refused unless it is the same evaluation; an older milestone never replaces the
run's newer summary. Bad input gets one line and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REQUIRED = {"run": str, "experiment": str, "epochs_trained": int, "checkpoint": dict, "parzen": dict, "history": list}


def milestone_record(summary) -> dict:
    """The milestone's record: the summary without its history (the run's summary keeps that)."""
    return {k: v for k, v in summary.items() if k != "history"}


def record(summary_path, results_dir) -> tuple[Path, bool]:
    """(the milestone file written, whether the run's summary in results/runs/ was replaced by this one)."""
    from repro.io import atomic_write_text
    from repro.results import read_json

    fix = "give the run summary that `python -m repro evaluate RUN --results DIR` wrote (DIR/runs/RUN.json)"
    summary = read_json(summary_path, fix, required=REQUIRED)
    if not summary["parzen"]:
        raise ValueError(f"{summary_path} has no test Parzen estimate; only a scored run is a milestone")
    epoch = summary["epochs_trained"]
    if len(summary["history"]) != epoch:
        raise ValueError(f"{summary_path}: its history has {len(summary['history'])} epochs but it says "
                         f"{epoch} were trained; evaluate the run again")
    out = Path(results_dir) / "milestones" / summary["run"] / f"epoch-{epoch:05d}.json"
    text = json.dumps(milestone_record(summary), indent=1)
    if out.exists() and out.read_text() != text:
        raise ValueError(f"{out} already records another evaluation at epoch {epoch}; delete it first if this "
                         "one is meant to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, text)
    current = Path(results_dir) / "runs" / f"{summary['run']}.json"
    newer = current.exists() and read_json(current, fix)["epochs_trained"] > epoch
    if not newer:
        current.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(current, json.dumps(summary, indent=1))
    return out, not newer


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("summary", type=Path, help="the run summary evaluate wrote at the milestone")
    ap.add_argument("--results", type=Path, default=ROOT / "results", help="the results folder (default: results/)")
    args = ap.parse_args(argv)
    from repro.results import DamagedFileError

    try:
        out, replaced = record(args.summary, args.results)
    except (DamagedFileError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"recorded {out}" + ("; the run's summary in results/runs/ is now this one" if replaced else
                               "; the run's summary in results/runs/ is newer and was kept"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
