"""Report section: Goodfellow et al. 2014, Table 1 on MNIST (Parzen window log-likelihood), with the Theis et al.
(2016) baselines scored by the same protocol; writes results/table1.md and table1.csv."""
from __future__ import annotations

import csv
import io
import math

from repro.experiments.goodfellow2014 import longrun
from repro.results import emit, load_runs, parzen_check, read_baselines

PAPER_TABLE1 = [  # Goodfellow et al. 2014, Table 1, MNIST column
    ("DBN", 138, 2),
    ("Stacked CAE", 121, 1.6),
    ("Deep GSN", 214, 1.1),
    ("Adversarial nets", 225, 2),
]


def _describe(s):
    r = s["recipe"]
    ck = s["checkpoint"]
    trained = f"{s['epochs_trained']} epochs trained"
    if s["epochs_trained"] < s["epochs_planned"]:
        trained = f"stopped after {s['epochs_trained']} of {s['epochs_planned']} planned epochs"
        if s.get("stopped"):
            trained += f" ({s['stopped'].split(': ', 1)[-1]})"  # "stopped at epoch N: <why>"
    variant = _variant(s)
    return (f"{s['profile']} profile, {r['update']} updates, {r['precision']}, "
            + (f"variant {variant}, " if variant not in ("recipe", f"update={r['update']}") else "")
            + f"{trained}, {ck['checkpoint']} checkpoint = epoch {ck['epoch']}")


def _variant(s):
    """'recipe', or the model_params where the run differs from the config (named variants, e.g. noise=gaussian)."""
    from repro.config import load_config
    from repro.experiments.goodfellow2014.longrun import CONFIG, variant_of

    return (variant_of(s, load_config(CONFIG)["model_params"]) if s.get("experiment") == "goodfellow2014_mnist"
            else "recipe")


def _group(r):
    """What a run is in Table 1's list (r: a run of longrun.study)."""
    if r["summary"]["profile"] == "quick":
        return "quick profile"
    if not r["fixed_init"]:
        return "before the initialisation fix"
    if r["variant"] != "recipe":
        return f"variant {r['variant']}"
    if r["collapse"]["collapsed_at_end"]:
        return "collapsed seed"
    return "long run" if r["epochs"] > longrun.SEED_LENGTH else "seed of the recipe"


def precision_comparison(runs):
    """float32 vs mixed_bfloat16 runs of the same profile and update rule: is the difference within noise?"""
    lines = []
    for a in runs.values():
        for b in runs.values():
            ra, rb = a["recipe"], b["recipe"]
            if (ra["precision"], rb["precision"]) != ("float32", "mixed_bfloat16") or a["profile"] != b["profile"] \
                    or ra["update"] != rb["update"] or a["epochs_trained"] != b["epochs_trained"]:
                continue
            if (a.get("environment") is None) != (b.get("environment") is None):
                # one summary predates the environment record, i.e. an older version of the suite (
                # re-ran one of a pair after the per-layer initialisation change): no like-for-like comparison
                lines.append(f"- **Precision** ({a['profile']} profile): no comparison, {a['run']} and {b['run']} "
                             "were made by different versions of the suite; re-run both to compare.")
                continue
            pa, pb = a["parzen"], b["parzen"]
            gap, noise = pb["ll"] - pa["ll"], math.sqrt(pa["se"] ** 2 + pb["se"] ** 2)
            verdict = "within" if abs(gap) <= noise else ("within twice" if abs(gap) <= 2 * noise else "outside")
            lines.append(
                f"- **Precision** ({a['profile']} profile, {a['epochs_trained']} epochs): mixed_bfloat16 "
                f"{pb['ll']:.1f} ± {pb['se']:.1f} vs float32 {pa['ll']:.1f} ± {pa['se']:.1f}: difference "
                f"{gap:+.1f} nats, {verdict} the combined standard error ({noise:.1f}). One seed each; "
                "`train.precision` selects it (default float32 for fidelity). "
                "Speed: `benchmarks/gan2014_precision.py`.")
    return lines


def _dataset(summary):
    """The dataset a run summary was scored on (summaries written before the `dataset` key: a binarised set is
    recognisable by its `binarisation` metric, anything else was MNIST's grey levels)."""
    if summary.get("dataset"):
        return summary["dataset"]
    return "binarized_mnist" if (summary.get("metrics") or {}).get("binarisation") else "mnist"


def goodfellow2014_section(results_dir):
    all_runs = load_runs(results_dir)  # select
    runs = {k: v for k, v in all_runs.items() if v["experiment"] == EXPERIMENT and v.get("parzen")}
    # other experiments scored by the same protocol on the same grey-level test images: extra rows, not in the paper
    # (a binarised test set is another set of points: its estimates are reported in their own section)
    others = {k: v for k, v in sorted(all_runs.items()) if v["experiment"] != EXPERIMENT and v.get("parzen")
              and _dataset(v) != "binarized_mnist"}
    baselines = read_baselines(results_dir)
    table = table1(results_dir, runs, others, baselines)  # compute
    rows = table1_rows(runs) + theis_rows(baselines)
    md = ["| " + " | ".join(table[0]) + " |", "|---|---|---|"] + ["| " + " | ".join(r) + " |" for r in table[1:]]
    buf = io.StringIO()
    csv.writer(buf).writerows(table)
    emit(results_dir, "table1.md", "\n".join(md) + "\n")
    emit(results_dir, "table1.csv", buf.getvalue())
    return render(runs, md), rows


EXPERIMENT = "goodfellow2014_mnist"
GROUP_ORDER = ("seed of the recipe", "long run", "collapsed seed", "variant", "before the initialisation fix",
               "quick profile")
THEIS = (("true_data", "True data (10,000 training images)", 243), ("kmeans", "k-means, 10,000 centroids", 313))


def table1(results_dir, runs, others, baselines):
    """Table 1's rows (model, MNIST nats, source): ours at the head, the paper's, the Theis et al. baselines, every
    reproduced run by group, then other models scored by the same protocol."""
    table = [("model", "MNIST (nats)", "source")]
    table += [(f"**{name}**", f"**{value}**", source) for name, value, source in longrun.headline(results_dir)]
    table += [(name, f"{ll} ± {se}", "paper, Table 1") for name, ll, se in PAPER_TABLE1]
    for key, label, theis in THEIS:
        if key in baselines:
            b = baselines[key]
            table.append((label, f"{b['ll']:.1f} ± {b['se']:.1f}",
                          f"this suite, same protocol, σ = {b['sigma']:.3f} (Theis et al. 2016 report {theis})"))
    groups = {r["run"]: _group(r) for r in longrun.study(results_dir)}
    ranked = sorted(runs.items(), key=lambda kv: (next(
        (i for i, g in enumerate(GROUP_ORDER) if groups.get(kv[0], "quick profile").startswith(g)), len(GROUP_ORDER)),
        kv[0]))
    for name, s in ranked:
        p = s["parzen"]
        table.append((f"Adversarial nets, reproduced: {groups.get(name, s['profile'] + ' profile')} ({name})",
                      f"{p['ll']:.1f} ± {p['se']:.1f}", f"this suite: {_describe(s)}, σ = {p['sigma']:.3f}"))
    for name, s in others.items():
        p = s["parzen"]
        table.append((f"other model, not in the paper: {s['experiment']} ({name})", f"{p['ll']:.1f} ± {p['se']:.1f}",
                      f"this suite: {s['profile']} profile, {s['recipe']['precision']}, {s['epochs_trained']} epochs "
                      f"trained, σ = {p['sigma']:.3f}"))
    return table


SOURCE = "Goodfellow et al. 2014, Table 1 (MNIST, adversarial nets)"


def table1_rows(runs):
    """Each run against the paper's 225 ± 2 (repro.results.parzen_check); a profile with no run: NOT RUN."""
    rows = []
    for profile in ("paper", "quick"):
        cand = [s for s in runs.values() if s["profile"] == profile]
        if not cand:
            rows.append(parzen_check(f"goodfellow2014.table1.mnist.{profile}", SOURCE, 225, 2, None,
                                     f"no finished {profile}-profile run in results/runs/ "
                                     f"(train it: python -m repro train paper_configs/goodfellow2014_mnist.yaml "
                                     f"--profile {profile}, then evaluate)", against_paper=True))
        for s in sorted(cand, key=lambda s: s["run"]):
            note = _describe(s)
            if profile == "quick":
                note = "quick profile, not expected to reach the paper: " + note
            rows.append(parzen_check(f"goodfellow2014.table1.mnist.{s['run']}", SOURCE, 225, 2, s["parzen"], note,
                                     run_names=(s["run"],), against_paper=True))
    return rows


def theis_rows(baselines):
    # Theis et al. give no error bars; their value is compared within 2 SE of ours plus 2 nats
    return [parzen_check(f"theis2016.parzen.{key}", "Theis et al. 2016, §3.2 (Parzen, MNIST)", theis, 2,
                         baselines.get(key), baselines.get(key, {}).get("what", "not computed: run "
                         "`python -m repro baselines`"), higher_is_pass=False) for key, _, theis in THEIS]


def render(runs, md):
    text = ["## Goodfellow et al. 2014 — Table 1, MNIST (Parzen window log-likelihood)", "",
            "Protocol as `parzen_ll.py`: 10,000 samples, σ from logspace(−1, 0, 10) chosen on the first 1,000 "
            "validation images (train[50000:51000]), then the full 10,000-image test set; mean ± standard error.",
            "", *md, ""]
    for s in sorted(runs.values(), key=lambda s: s["run"]):
        hist = [h for h in s["history"] if h.get("val_parzen") is not None]
        best = max(hist, key=lambda h: h["val_parzen"]) if hist else None
        spe = s.get("seconds_per_epoch_median")
        text.append(f"- **{s['run']}**: {_describe(s)}; test {s['parzen']['ll']:.1f} ± {s['parzen']['se']:.1f} "
                    f"(σ = {s['parzen']['sigma']:.3f})"
                    + (f"; best validation estimate {best['val_parzen']:.1f} after epoch {int(best['epoch']) + 1}"
                       if best else "")
                    + (f"; {spe:.1f} s/epoch (median, 2-core CPU)" if spe else "") + ".")
    text += precision_comparison(runs)
    text += ["", "Figures: `results/figures/*-fig2.png` (samples, framed column = nearest training example), "
                 "`*-fig3.png` (interpolation in z); the validation estimate during training: "
                 "`goodfellow2014_mnist-longrun.png` (below).", ""]
    return "\n".join(text)
