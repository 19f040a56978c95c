"""Table 1's long runs and seed study: how far the released recipe climbs, how often it collapses.

The protocol is written in paper_configs/goodfellow2014_mnist.yaml (below the profiles) and was fixed before the
runs. This module only reads results/runs/*.json: the paper-profile runs of goodfellow2014_mnist, grouped into the
released recipe and named variants (model_params that differ from the config's), and runs evaluated before the
per-layer initialisation fix (summaries without a recorded commit) kept apart from both.
"""
from __future__ import annotations

import statistics
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from repro.config import load_config
from repro.metrics.curves import best_so_far, best_up_to, collapse, gain_over_last, value_at
from repro.plotting import OKABE_ITO, draw_seeds, save, seed_band
from repro.results import Row, load_runs, parzen_check, parzen_verdict, read_json

CONFIG = Path(__file__).resolve().parents[3] / "paper_configs" / "goodfellow2014_mnist.yaml"
EXPERIMENT = "goodfellow2014_mnist"
FIXED_EPOCHS = (50, 100, 200, 300)
SEED_LENGTH = 300  # the protocol: every seed to >= 300 epochs; the Table 1 mean pools only those
PLATEAU_WINDOW, PLATEAU_GAIN = 100, 1.0  # the protocol: a plateau gains < 1 nat over the last 100 epochs
STOP_WINDOW = 500  # the long run's extension: it stops once the best validation estimate gains < 1 nat over 500
EXTENDED_AT = 1500  # the epoch the extension's protocol was written at: its milestones (2,000, 3,000, ...) get rows
SOURCE = "Goodfellow et al. 2014, Table 1 (MNIST, adversarial nets)"


def collapse_rule():
    """The protocol's collapse rule, read from the config that training applies it from (stop_if_collapsed_at)."""
    ev = load_config(CONFIG)["eval"]
    return {"threshold": ev["collapse_below"], "run": ev["collapse_consecutive"], "stop_at": ev["stop_if_collapsed_at"]}


def variant_of(summary, recipe):
    """'recipe' for the released recipe, else the differing model_params as 'key=value, ...'."""
    params = dict(summary.get("model_params") or {})  # older summaries carry only the update rule in "recipe"
    for key in ("update", "k"):
        params.setdefault(key, summary["recipe"].get(key))
    diff = sorted(k for k in params if k in recipe and params[k] != recipe[k])
    return ", ".join(f"{k}={params[k]}" for k in diff) or "recipe"


def study(results_dir):
    """One entry per paper-profile run with a validation curve: its group and what its curve says."""
    recipe = load_config(CONFIG)["model_params"]
    rule = collapse_rule()
    out = []
    for s in load_runs(results_dir).values():
        if s["experiment"] != EXPERIMENT or s["profile"] != "paper" or not s.get("parzen"):
            continue
        h = s["history"]
        e = [int(r["epoch"]) + 1 for r in h]
        v = [r.get("val_parzen") for r in h]
        be, best = best_so_far(e, v)
        out.append({
            "summary": s, "run": s["run"], "seed": s["recipe"]["seed"], "variant": variant_of(s, recipe),
            "fixed_init": bool(s.get("commit")), "epochs": len(h), "curve": (e, v),
            "collapse": collapse(e, v, rule["threshold"], rule["run"]),
            "at": {n: value_at(e, v, n) for n in FIXED_EPOCHS},
            "best_valid": (float(best[-1]), int(be[int(np.argmax(best))])) if len(best) else None,
            "best_valid_common": best_up_to(e, v, SEED_LENGTH),
            "gain": gain_over_last(e, v, PLATEAU_WINDOW),
            "lr_end": h[-1].get("lr") if h else None,
        })
    return sorted(out, key=lambda r: (not r["fixed_init"], r["variant"] != "recipe", r["variant"], r["seed"], r["run"]))


def groups(runs):
    """(the released recipe's runs, its non-collapsed ones, those in the Table 1 row at the common length)."""
    recipe_runs = [r for r in runs if r["fixed_init"] and r["variant"] == "recipe"]
    healthy = [r for r in recipe_runs if not r["collapse"]["collapsed_at_end"]]
    # the protocol pools test estimates "at the seeds' common length": a run's evaluated checkpoint counts only if
    # it is the best of its first SEED_LENGTH epochs (a longer run's best checkpoint usually lies beyond)
    complete = [r for r in healthy if r["epochs"] >= SEED_LENGTH
                and r["summary"]["checkpoint"]["epoch"] <= SEED_LENGTH]
    return recipe_runs, healthy, complete


def long_run(results_dir):
    """The name of the long run: the longest non-collapsed run of the recipe (None before one is evaluated)."""
    _, healthy, _ = groups(study(results_dir))
    return max(healthy, key=lambda r: r["epochs"])["run"] if healthy else None


def best_seed_run(results_dir):
    """The name of the best seed of the Table 1 row at the common length, by test estimate (None: no such row)."""
    _, _, complete = groups(study(results_dir))
    return max(complete, key=lambda r: r["summary"]["parzen"]["ll"])["run"] if complete else None


def _fmt(x, digits=1):
    return "—" if x is None else f"{x:.{digits}f}"


def section(results_dir):
    runs = study(results_dir)  # select
    text = protocol_lines(collapse_rule())
    if not runs:
        return "\n".join(text + ["No paper-profile run evaluated yet.", ""]), []
    recipe_runs, healthy, complete = groups(runs)
    longest = max(healthy, key=lambda r: r["epochs"]) if healthy else None
    rows = ([seed_pool_row(complete, recipe_runs)] if complete else []) + (  # compute
        [long_run_row(longest)] if longest else [])
    text += study_table(runs) + [""] + seed_lines(recipe_runs, healthy, complete)  # render
    text += _variant_lines([r for r in runs if r["fixed_init"] and r["variant"] != "recipe"], healthy, complete)
    if longest:
        marks = milestones(results_dir, longest["run"])
        # with milestones, the verdict is the milestones' (the rule of the run's extension), else the long run's own
        text += long_run_lines(longest, rows[-1])[: 1 if marks else 2] + milestone_lines(longest, marks)
        rows += [milestone_row(longest, m) for m in marks if m["epochs_trained"] > EXTENDED_AT]
    text += ["", "Figure: `results/figures/goodfellow2014_mnist-longrun.png` (the validation estimate over the "
                 f"first {SEED_LENGTH} epochs and over the whole long run with its test estimates as it went on, "
                 "the σ chosen on validation, and the estimate against the learning rate; the recipe's "
                 "non-collapsed seeds as a mean with a min–max band, the long run, each variant and each collapsed "
                 "seed as lines of their own).", ""]
    return "\n".join(text), rows


def protocol_lines(rule):
    return ["### The long run and the seed study", "",
            "Protocol (fixed before the runs; `paper_configs/goodfellow2014_mnist.yaml`): the released recipe with "
            "the per-layer initialisation fix, validation Parzen every 2nd epoch, best checkpoint by it, "
            "test set once; "
            f"**collapse** = {rule['run']} consecutive validation estimates below {rule['threshold']:.0f} nats "
            f"(a run still collapsed at epoch {rule['stop_at']} is stopped there); "
            f"**plateau** = the best validation estimate gains < {PLATEAU_GAIN:.0f} nat over the last "
            f"{PLATEAU_WINDOW} epochs. Variants have their own rows and are never pooled with the recipe; runs "
            "evaluated before the initialisation fix (no commit recorded) are listed apart.", ""]


def study_table(runs):
    text = ["| run | group | seed | epochs | collapse | valid @50 | @100 | @200 | @300 | "
            f"best valid ≤ {SEED_LENGTH} (epoch) | best valid (epoch) | gain, last 100 ep. | lr at end | "
            "test (σ), checkpoint epoch |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        c = r["collapse"]
        col = "no" if not c["collapsed"] else (f"at epoch {c['epoch']}, " + ("recovered" if c["recovered"] else
                                                                            "not recovered"))
        group = r["variant"] + ("" if r["fixed_init"] else " (before the init fix)")
        p = r["summary"]["parzen"]
        best = f"{r['best_valid'][0]:.1f} ({r['best_valid'][1]})" if r["best_valid"] else "—"
        common = r["best_valid_common"]
        common = f"{common[0]:.1f} ({common[1]})" if common else "—"
        text.append(f"| {r['run']} | {group} | {r['seed']} | {r['epochs']} | {col} | "
                    + " | ".join(_fmt(r["at"][n]) for n in FIXED_EPOCHS)
                    + f" | {common} | {best} | {_fmt(r['gain'])} | {_fmt(r['lr_end'], 4)} | {p['ll']:.1f} ± "
                      f"{p['se']:.1f} ({p['sigma']:.3f}), {r['summary']['checkpoint']['epoch']} |")
    return text


def seed_lines(recipe_runs, healthy, complete):
    """The seed study in words: collapse rate, spread, the Table 1 row at the common length, who is left out."""
    # a seed still collapsed at its last epoch is out of the row by the protocol, not for want of epochs
    still_collapsed = [r for r in recipe_runs if r["collapse"]["collapsed_at_end"]]
    collapsed = sum(r["collapse"]["collapsed"] for r in recipe_runs)
    text = [f"- Collapse rate (released recipe, fixed init): {collapsed} of {len(recipe_runs)} seeds collapsed "
            f"at some point; {len(still_collapsed)} still collapsed at their last epoch."]
    text += _spread_lines(healthy)
    if complete:
        text.append(_common_length_line(complete))
    beyond = [r for r in healthy if r["epochs"] >= SEED_LENGTH and r not in complete]
    if beyond:
        text.append("- Not in the common-length Table 1 row (their evaluated checkpoint lies beyond epoch "
                    f"{SEED_LENGTH}, and the best checkpoint of their first {SEED_LENGTH} epochs was not kept): "
                    + ", ".join(f"{r['run']} (checkpoint epoch {r['summary']['checkpoint']['epoch']}; best "
                                f"validation ≤ {SEED_LENGTH}: {_fmt((r['best_valid_common'] or [None])[0])})"
                                for r in beyond)
                    + ". Their validation curve is in the spread above; their test estimate is the long run's row.")
    if still_collapsed:
        text.append("- Collapsed, so not in the Table 1 row (the protocol pools non-collapsed seeds only): "
                    + ", ".join(f"{r['run']} (collapsed at epoch {r['collapse']['epoch']}, still collapsed at epoch "
                                f"{r['epochs']}, its last)" for r in still_collapsed) + ".")
    short = [r for r in healthy if r["epochs"] < SEED_LENGTH]
    if short:
        text.append(f"- Not yet {SEED_LENGTH} epochs (no Table 1 row from them): "
                    + ", ".join(f"{r['run']} ({r['epochs']} epochs)" for r in short) + ".")
    return text


def _common_length_line(complete):
    tests = [r["summary"]["parzen"]["ll"] for r in complete]
    best = max(complete, key=lambda r: r["summary"]["parzen"]["ll"])
    spread = statistics.stdev(tests) if len(tests) > 1 else None
    return (f"- **Table 1 row at the common length** (test estimate of the best-validation checkpoint of the "
            f"first {SEED_LENGTH} epochs, non-collapsed seeds of the recipe, n = {len(tests)}: seeds "
            + ", ".join(str(r["seed"]) for r in complete) + f"): **{statistics.mean(tests):.1f}"
            + (f" ± {spread:.1f}** (sd over seeds; range {min(tests):.1f}–{max(tests):.1f})"
               if spread is not None else "** (one seed: no spread yet)")
            + f"; best seed {best['seed']}: {best['summary']['parzen']['ll']:.1f} ± "
              f"{best['summary']['parzen']['se']:.1f} (σ = {best['summary']['parzen']['sigma']:.3f}).")


def plateau_shape(gain):
    """The protocol's plateau rule: 'on a plateau' once the best validation estimate gains < PLATEAU_GAIN nats over
    the last PLATEAU_WINDOW epochs; 'still rising' before (or while the window is not yet full)."""
    return "still rising" if gain is None or gain >= PLATEAU_GAIN else "on a plateau"


def long_run_row(longest):
    shape, g = plateau_shape(longest["gain"]), longest["gain"]
    return parzen_check(f"goodfellow2014.table1.mnist.long.{longest['run']}", SOURCE, 225, 2,
                        longest["summary"]["parzen"],
                        f"the long run, released recipe with the init fix, {longest['epochs']} epochs so far, "
                        f"best-validation checkpoint epoch {longest['summary']['checkpoint']['epoch']}; "
                        f"{shape} (gain {_fmt(g)} nats over the last {PLATEAU_WINDOW} epochs)",
                        runs=f"seed {longest['seed']}, {longest['epochs']:,} epochs ({shape})",
                        run_names=(longest["run"],), against_paper=True)


def long_run_lines(longest, check):
    g, shape = longest["gain"], plateau_shape(longest["gain"])
    p, at = longest["summary"]["parzen"], longest["summary"]["checkpoint"]["epoch"]
    verdict = (f"reached by the long run (test {p['ll']:.1f} ± {p['se']:.1f} at epoch {at})."
               if check.status == "PASS" else
               f"not reached in {longest['epochs']} epochs (test {p['ll']:.1f} ± {p['se']:.1f}, σ = {p['sigma']:.3f}, "
               f"at epoch {at}; {p['ll'] - 225:+.1f} nats from 225); "
               + ("the curve is still rising, so no plateau has been shown: where it ends is open."
                  if shape == "still rising" else
                  f"the curve is on a plateau (gain < {PLATEAU_GAIN:.0f} nat over the last {PLATEAU_WINDOW} epochs)."))
    return [f"- The long run ({longest['run']}, {longest['epochs']} epochs, lr now {_fmt(longest['lr_end'], 4)}): "
            f"best validation {longest['best_valid'][0]:.1f} at epoch {longest['best_valid'][1]}, gain over the "
            f"last {PLATEAU_WINDOW} epochs {_fmt(g)} nats: {shape} by the protocol's rule.",
            "- **Verdict on 225:** " + verdict + " For scale, the Theis et al. baselines under the same protocol "
            "(true data, k-means centroids) are in the table above."]


def milestones(results_dir, run):
    """The long run's test scores at its milestones, oldest first: results/milestones/RUN/epoch-NNNNN.json, each the
    summary `evaluate` wrote when the run had trained that many epochs (its best checkpoint so far), without the
    per-epoch history."""
    fix = ("record it again from the summary evaluate wrote at that epoch (python tools/record_milestone.py "
           "SUMMARY.json)")
    paths = sorted((Path(results_dir) / "milestones" / run).glob("epoch-*.json"))
    recs = [read_json(p, fix, required={"epochs_trained": int, "parzen": dict, "checkpoint": dict}) for p in paths]
    return sorted(recs, key=lambda m: m["epochs_trained"])


def reaches_225(parzen):
    """The extension's verdict rule: the milestone's test interval, estimate ± 2 standard errors, reaches 225."""
    return parzen["ll"] + 2 * parzen["se"] >= 225


def stop_gain(longest, epochs):
    """The best validation estimate's gain over the STOP_WINDOW epochs before `epochs` (None: not that long yet)."""
    e, v = longest["curve"]
    return gain_over_last(e[:epochs], v[:epochs], STOP_WINDOW)


def milestone_row(longest, m):
    n, p = m["epochs_trained"], m["parzen"]
    ok = reaches_225(p)
    return Row(id=f"goodfellow2014.table1.mnist.milestone.epoch{n}", source=SOURCE, reported=225,
               reproduced=round(p["ll"], 2), tolerance="estimate + 2 SE reaches 225", status="PASS" if ok else "FAIL",
               note=f"the long run's best checkpoint after {n:,} epochs (epoch {m['checkpoint']['epoch']:,}); test "
                    f"{p['ll']:.1f} ± {p['se']:.1f} (σ = {p['sigma']:.3f}), upper end of its interval "
                    f"{p['ll'] + 2 * p['se']:.1f}, {p['ll'] - 225:+.1f} nats from the reported value",
               runs=f"seed {longest['seed']}, {n:,} epochs", shown=f"{p['ll']:.1f} ± {p['se']:.1f}",
               run_names=(longest["run"],), against_paper=True)


def milestone_lines(longest, marks):
    """The milestone table and the verdict on 225 the extension of the protocol asks for."""
    if not marks:
        return []
    e, v = longest["curve"]
    lr = {int(h["epoch"]) + 1: h.get("lr") for h in longest["summary"]["history"]}
    text = ["", "Test estimates of the long run as it went on (each the best checkpoint so far by the validation "
                "estimate, scored on the test set when the run had trained that many epochs; the rule fixed before "
                "the epochs past 1,500: 225 is reached when the estimate + 2 SE reaches it; the run stops early "
                f"only if the best validation estimate gains < {PLATEAU_GAIN:.0f} nat over {STOP_WINDOW} epochs):", "",
            "| epochs trained | checkpoint epoch (its validation estimate) | test estimate ± SE (σ) | "
            f"estimate + 2 SE | reaches 225 | lr | gain of the best validation estimate over the last {STOP_WINDOW} "
            "epochs |",
            "|---|---|---|---|---|---|---|"]
    for m in marks:
        n, p, ck = m["epochs_trained"], m["parzen"], m["checkpoint"]["epoch"]
        text.append(f"| {n:,} | {ck:,} ({_fmt(value_at(e, v, ck))}) | {p['ll']:.1f} ± {p['se']:.1f} "
                    f"({p['sigma']:.3f}) | {p['ll'] + 2 * p['se']:.1f} | {'yes' if reaches_225(p) else 'no'} | "
                    f"{_fmt(lr.get(n), 4)} | {_fmt(stop_gain(longest, n))} |")
    first = next((m for m in marks if reaches_225(m["parzen"])), None)
    last = marks[-1]
    gain = stop_gain(longest, last["epochs_trained"])
    if first:
        verdict = f"225 reached at {first['epochs_trained']:,} epochs."
    else:
        verdict = (f"225 not reached by {last['epochs_trained']:,} epochs (estimate + 2 SE at most "
                   f"{max(m['parzen']['ll'] + 2 * m['parzen']['se'] for m in marks):.1f}); ")
        verdict += ("the run goes on: its best validation estimate still gained "
                    f"{_fmt(gain)} nats over the last {STOP_WINDOW} epochs." if gain is None or gain >= PLATEAU_GAIN
                    else f"the run stops here by the rule (gain {_fmt(gain)} nats over the last {STOP_WINDOW} "
                         "epochs).")
    return text + ["", "- **Verdict on 225 (the long run):** " + verdict + " For scale, the Theis et al. baselines "
                         "under the same protocol (true data, k-means centroids) are in the table above."]


def _variant_lines(variants, seeds, complete):
    """Each variant (one run: an anecdote) beside the recipe's non-collapsed seeds (the long run's seed 0 among
    them): its best validation estimate against theirs over the same number of epochs, and its test estimate
    beside those of the seeds in the Table 1 row (`complete`)."""
    if not variants:
        return []

    def span(values):
        return (f"{statistics.mean(values):.1f} (range {min(values):.1f}–{max(values):.1f}, n = {len(values)})"
                if values else "none yet")

    parts = []
    for r in variants:
        p, c = r["summary"]["parzen"], r["collapse"]
        measured, _ = best_so_far(*r["curve"])  # the epochs with an estimate
        length = min(int(measured[-1]) if len(measured) else 0, SEED_LENGTH)
        valid = best_up_to(*r["curve"], length)
        seeds_valid = [b[0] for b in (best_up_to(*x["curve"], length) for x in seeds) if b]
        where = ""
        if valid and seeds_valid:
            where = (", above" if valid[0] > max(seeds_valid) else ", below" if valid[0] < min(seeds_valid)
                     else ", inside") + " the seeds' range"
        parts.append(f"**{r['variant']}** (seed {r['seed']}, {r['epochs']} epochs"
                     + (f" of {SEED_LENGTH}" if r["epochs"] < SEED_LENGTH else "") + "; "
                     + (f"collapsed at epoch {c['epoch']}, " + ("recovered" if c["recovered"] else "not recovered")
                        if c["collapsed"] else "no collapse")
                     + f"): best validation in its first {length} epochs "
                     + (f"{valid[0]:.1f} (epoch {valid[1]})" if valid else "—")
                     + f" against the seeds' {span(seeds_valid)}{where}; test {p['ll']:.1f} ± {p['se']:.1f} "
                       f"(σ = {p['sigma']:.3f}, checkpoint epoch {r['summary']['checkpoint']['epoch']})")
    seed_tests = [x["summary"]["parzen"]["ll"] for x in complete]
    names = sorted({r["variant"] for r in variants})
    rates = [f"{v}: {sum(r['collapse']['collapsed'] for r in variants if r['variant'] == v)} of "
             f"{sum(r['variant'] == v for r in variants)}" for v in names]
    return [f"- Variants (own rows, never pooled; seed 0, and seed 1 where seed 0 collapsed; the Table 1 row's seeds "
            f"at {SEED_LENGTH} epochs score {span(seed_tests)} on test): " + "; ".join(parts) + ".",
            "- Collapse rate of each variant (runs that collapsed / runs): " + "; ".join(rates) + "."]


def _spread_lines(healthy):
    """The spread over seeds of the validation estimate at the protocol's fixed epochs and of the best estimate
    within the common length: every non-collapsed seed of the recipe that reached the epoch counts."""
    cols = [(f"@{n}", [r["at"][n] for r in healthy]) for n in FIXED_EPOCHS]
    cols.append((f"best ≤ {SEED_LENGTH}", [(r["best_valid_common"] or [None])[0] for r in healthy]))
    parts = []
    for name, values in cols:
        vals = [v for v in values if v is not None]
        if not vals:
            continue
        sd = f" ± {statistics.stdev(vals):.1f}" if len(vals) > 1 else ""
        parts.append(f"{name}: {statistics.mean(vals):.1f}{sd} (n = {len(vals)}, {min(vals):.1f}–{max(vals):.1f})")
    if not parts:
        return []
    return ["- Spread of the validation estimate over the non-collapsed seeds of the recipe (mean ± sd, n, range): "
            + "; ".join(parts) + "."]


def _seed_runs_text(complete, recipe_runs, collapsed):
    return (f"seeds {', '.join(str(r['seed']) for r in complete)} × {SEED_LENGTH} epochs; "
            f"{collapsed} of {len(recipe_runs)} seeds collapsed")


def headline(results_dir):
    """The two reproduced Table 1 rows, for the head of table1.md/csv: the protocol's row (mean ± sd over the
    non-collapsed seeds at their common length, best seed, collapse rate) and the long run. [] when not run."""
    runs = study(results_dir)
    recipe_runs = [r for r in runs if r["fixed_init"] and r["variant"] == "recipe"]
    healthy = [r for r in recipe_runs if not r["collapse"]["collapsed_at_end"]]
    complete = [r for r in healthy if r["epochs"] >= SEED_LENGTH and r["summary"]["checkpoint"]["epoch"] <= SEED_LENGTH]
    out = []
    if complete:
        tests = [r["summary"]["parzen"]["ll"] for r in complete]
        best = max(complete, key=lambda r: r["summary"]["parzen"]["ll"])
        bp = best["summary"]["parzen"]
        spread = f" ± {statistics.stdev(tests):.1f} (sd over seeds)" if len(tests) > 1 else " (one seed)"
        collapsed = sum(r["collapse"]["collapsed"] for r in recipe_runs)
        out.append(("Adversarial nets, reproduced: the recipe's seeds at their common length",
                    f"{statistics.mean(tests):.1f}{spread}",
                    f"this suite: {_seed_runs_text(complete, recipe_runs, collapsed)}; best seed {best['seed']}: "
                    f"{bp['ll']:.1f} ± {bp['se']:.1f}; best-validation checkpoint of each, σ = {bp['sigma']:.3f}"))
    if healthy:
        longest = max(healthy, key=lambda r: r["epochs"])
        p = longest["summary"]["parzen"]
        out.append((f"Adversarial nets, reproduced: the long run (seed {longest['seed']})",
                    f"{p['ll']:.1f} ± {p['se']:.1f}",
                    f"this suite: {longest['epochs']:,} epochs, best-validation checkpoint = epoch "
                    f"{longest['summary']['checkpoint']['epoch']:,}, σ = {p['sigma']:.3f}"))
    return out


def seed_pool_verdict(tests, best_se):
    """The seeds' Table 1 row against 225 ± 2: (mean, uncertainty, tolerance, passed). PASS above 225 or within
    2·√(2² + sd²): the spread over seeds is the uncertainty of a seed-pooled mean's single draw; one seed: its own
    standard error."""
    mean = statistics.mean(tests)
    unc = statistics.stdev(tests) if len(tests) > 1 else best_se
    tol, ok = parzen_verdict(mean, unc, 225, 2)
    return mean, unc, tol, ok


def seed_pool_row(complete, recipe_runs):
    tests = [r["summary"]["parzen"]["ll"] for r in complete]
    best = max(complete, key=lambda r: r["summary"]["parzen"]["ll"])
    names = [r["run"] for r in complete]
    mean, unc, tol, ok = seed_pool_verdict(tests, best["summary"]["parzen"]["se"])
    gap = mean - 225
    collapsed = sum(r["collapse"]["collapsed"] for r in recipe_runs)
    return Row(id="goodfellow2014.table1.mnist.seeds", source=SOURCE, reported=225, reproduced=round(mean, 2),
               tolerance=f"above, or within ±{tol:.2f}", status="PASS" if ok else "FAIL",
               note=f"released recipe with the init fix, mean over {len(tests)} non-collapsed seed(s) at {SEED_LENGTH} "
                    f"epochs ({', '.join(names)}; {'sd over seeds' if len(tests) > 1 else 'one seed, its SE'} "
                    f"{unc:.1f}); best seed {best['seed']} {best['summary']['parzen']['ll']:.1f}; "
                    f"{'+' if gap >= 0 else ''}{gap:.1f} nats from the reported value",
               runs=_seed_runs_text(complete, recipe_runs, collapsed),
               shown=f"{mean:.1f} ± {unc:.1f}" + (" (sd over seeds)" if len(tests) > 1 else ""),
               run_names=tuple(names), against_paper=True)


def variant_words(summary, recipe):
    """A variant in a reader's words (the protocol's names), e.g. 'alternating D/G updates (k = 1)'."""
    params = dict(summary.get("model_params") or {})
    for key in ("update", "k"):
        params.setdefault(key, summary["recipe"].get(key))
    words = []
    for k in sorted(k for k in params if k in recipe and params[k] != recipe[k]):
        if k == "update":
            words.append(f"{params[k]} D/G updates (k = {params.get('k', 1)})")
        elif k == "noise":
            kind = str(params[k]).split("_")[0]
            words.append(f"{'Gaussian' if kind == 'gaussian' else kind} noise")
        elif k == "lr_decay_factor":
            ratio = np.log(params[k]) / np.log(recipe[k])
            words.append(f"learning rate decaying {ratio:.0f}× faster")
        else:
            words.append(f"{k} = {params[k]}")
    return ", ".join(words) or "released recipe"


def figure_groups(runs):
    """What the long-run figure draws: the recipe's non-collapsed seeds (the long run apart) as one band, the
    long run, each variant run and each collapsed seed as its own line. [(kind, label, [runs])]."""
    recipe = [r for r in runs if r["variant"] == "recipe"]
    healthy = [r for r in recipe if not r["collapse"]["collapsed_at_end"]]
    longest = max(healthy, key=lambda r: r["epochs"]) if healthy else None
    seeds = [r for r in healthy if r is not longest]
    groups = []
    if seeds:
        groups.append(("seeds", "released recipe, seeds " + ", ".join(str(r["seed"]) for r in seeds), seeds))
    if longest is not None:
        groups.append(("long", f"the long run (released recipe, seed {longest['seed']}, {longest['epochs']:,} "
                               "epochs)", [longest]))
    for r in runs:
        if r["variant"] != "recipe":
            groups.append(("variant", f"variant: {r['words']}, seed {r['seed']}" + _collapsed(r), [r]))
    for r in recipe:
        if r["collapse"]["collapsed_at_end"]:
            groups.append(("collapsed", f"released recipe, seed {r['seed']}" + _collapsed(r), [r]))
    return groups


def _collapsed(r):
    c = r["collapse"]
    if not c["collapsed"]:
        return ""
    return (f" (collapsed at epoch {c['epoch']}, " + ("recovered)" if c["recovered"] else
                                                      f"stopped at {r['epochs']})"))


def _curves(r):
    h = r["summary"]["history"]
    pts = [(int(x["epoch"]) + 1, x["val_parzen"], x.get("val_sigma"), x.get("lr")) for x in h
           if x.get("val_parzen") is not None]
    if not pts:
        return None
    e, v, sig, lr = (np.array([np.nan if a is None else a for a in col], dtype=float) for col in zip(*pts))
    return e, v, sig, lr


def longrun_figure(results_dir):
    """The validation estimate during training (over the seeds' common length, and over the whole long run), the
    σ chosen on validation, and the estimate against the learning rate: the recipe's non-collapsed seeds as a
    mean with a min-max band, the long run, each variant and each collapsed seed as labelled lines."""
    recipe = load_config(CONFIG)["model_params"]
    runs = [r for r in study(results_dir) if r["fixed_init"]]
    for r in runs:
        r["words"] = variant_words(r["summary"], recipe)
    groups = [(kind, label, [c for r in members if (c := _curves(r)) is not None])
              for kind, label, members in figure_groups(runs)]
    groups = [g for g in groups if g[2]]
    if not groups:
        return []
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.4), layout="constrained")
    # Okabe-Ito colours: blue for the seeds, vermillion for the long run, the others for the variants; collapsed
    # seeds dotted grey (they fall below the axes within a few epochs). The seeds are drawn on top.
    others = iter([OKABE_ITO[i] for i in (1, 3, 7, 2)] * 4)
    for kind, label, cur in groups:
        color = {"seeds": OKABE_ITO[5], "long": OKABE_ITO[6], "collapsed": "0.55"}.get(kind) or next(others)
        _draw_group(axes, kind, label, cur, color)
    longest = next((members[0] for kind, _, members in figure_groups(runs) if kind == "long"), None)
    marks = milestones(results_dir, longest["run"]) if longest else []
    if marks:  # the test estimates at the milestones, on the whole-run panel
        axes[0][1].errorbar([m["epochs_trained"] for m in marks], [m["parzen"]["ll"] for m in marks],
                            yerr=[2 * m["parzen"]["se"] for m in marks], fmt="D", ms=4, color=OKABE_ITO[6],
                            capsize=3, zorder=4, label="the long run's test estimate (± 2 SE) as it went on")
    _label_axes(fig, axes)
    return [save(fig, Path(results_dir) / "figures" / f"{EXPERIMENT}-longrun.png")]


def _draw_group(axes, kind, label, cur, color):
    """One group's curves (epoch, validation estimate, σ, lr) on the four panels of the long-run figure."""
    (early, whole), (sigma, by_lr) = axes
    style = {"lw": 1.8 if kind == "seeds" else 1.0, "ls": ":" if kind == "collapsed" else "-",
             "zorder": 3 if kind == "seeds" else 2}
    for ax in (early, whole):
        draw_seeds(ax, [(e, v) for e, v, _, _ in cur], color, label, **style)
    draw_seeds(sigma, [(e, s) for e, _, s, _ in cur], color, label, drawstyle="steps-post", **style)
    # the recipe's seeds share one learning-rate schedule: their band is drawn against the epochs' lr
    lr_of = {}
    for e, _, _, lr in cur:
        lr_of.update({float(a): float(b) for a, b in zip(e, lr) if np.isfinite(b)})
    x, mean, lo, hi = seed_band([(e, v) for e, v, _, _ in cur])
    keep = np.array([a in lr_of for a in x.tolist()], bool)
    lrs = np.array([lr_of[a] for a in x[keep].tolist()])
    if len(cur) > 1:
        by_lr.fill_between(lrs, lo[keep], hi[keep], color=color, alpha=0.25, lw=0, zorder=style["zorder"])
    by_lr.plot(lrs, mean[keep], color=color, **style)


def _label_axes(fig, axes):
    (early, whole), (sigma, by_lr) = axes
    for ax in (early, whole, by_lr):
        ax.axhline(225, color=OKABE_ITO[0], ls="--", lw=1, label="paper, test set: 225")
        ax.set_ylim(-50, 240)
        ax.set_ylabel("validation Parzen LL (nats)")
    early.set(xlabel="epoch", xlim=(0, SEED_LENGTH), title=f"the first {SEED_LENGTH} epochs (the seeds' length)")
    whole.set(xlabel="epoch", title="the whole long run")
    sigma.set(xlabel="epoch", ylabel="σ chosen on validation", title="Parzen window σ chosen on validation")
    by_lr.set(xlabel="learning rate (decays from 0.1; axis reversed)", xscale="log",
              title="validation estimate against the learning rate")
    by_lr.invert_xaxis()
    # a log axis over less than a decade labels every minor tick in 10^x form: plain numbers at 1, 1.5, 2, 3, 4, 5,
    # 7 instead
    lo, hi = by_lr.get_xlim()
    decades = abs(np.log10(hi / lo)) if lo > 0 and hi > 0 else 1.0
    subs = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0) if decades <= 1.2 else (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0, 3.0)
    by_lr.xaxis.set_major_locator(LogLocator(subs=subs))  # fewer labels the more decades the runs span
    by_lr.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    by_lr.xaxis.set_minor_formatter(NullFormatter())
    for ax in axes.flat:
        ax.title.set_fontsize(9)
    handles, labels = early.get_legend_handles_labels()
    for h, lab in zip(*whole.get_legend_handles_labels()):  # what only the whole-run panel draws (the milestones)
        if lab not in labels:
            handles.append(h)
            labels.append(lab)
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle("Goodfellow et al. 2014, MNIST: Parzen estimate on 1,000 validation images during training",
                 fontsize=11)
