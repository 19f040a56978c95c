"""Report section: the nearest-neighbour (memorisation) check of every evaluated MNIST image model."""
from __future__ import annotations

from repro.metrics.nearest_neighbours import FACTOR, PERCENTILE

SRC = "the suite's design: nearest-neighbour checks (Theis et al. 2016: NN pictures prove little)"


def _is_mnist_image_run(s):
    return s.get("model") != "toy1d" and "mnist" in s.get("experiment", "")


def nearest_neighbours_section(results_dir):
    from repro.results import load_runs

    runs = load_runs(results_dir)  # select
    done = {k: v for k, v in sorted(runs.items()) if v.get("nearest_neighbours")}
    missing = sorted(k for k, v in runs.items() if _is_mnist_image_run(v) and not v.get("nearest_neighbours"))
    rows = [nn_row(name, s) for name, s in done.items()]  # compute
    return render(done, missing), rows


def no_memorisation(r) -> str:
    """The rule, fixed before any run: PASS when the samples' near-copy fraction is at most FACTOR times the test
    images' own (the evaluation applies it and records `no_memorisation`)."""
    return "PASS" if r["no_memorisation"] else "FAIL"


def nn_row(name, s):
    from repro.results import Row

    r = s["nearest_neighbours"]
    return Row(id=f"nearest_neighbours.{name}", source=SRC, reported=f"near-copies ≤ {FACTOR:g}× the test images' own",
               reproduced=round(r["near_copy_fraction_samples"], 4),
               tolerance=f"≤ {FACTOR:g} × {r['near_copy_fraction_test']:.4f}", status=no_memorisation(r),
               note=f"{s['profile']} profile, {s['epochs_trained']} epochs; median NN-distance ratio samples/test "
                    f"{r['median_ratio']:.3f}; threshold {r['threshold']:.2f} ({r['percentile']:g}st percentile of "
                    f"test→train); {r['seconds']:.0f} s",
               run_names=(name,))


INTRO = ["## Nearest-neighbour check: do the samples copy training images?", "",
         "For N samples (the evaluation samples, seed 2014) and the first N test images: each one's Euclidean "
         "distance in pixel space ([0, 1]) to its nearest image of the run's training set "
         "(`repro/metrics/nearest_neighbours.py`). *Median ratio* = median sample distance / median test "
         "distance (≈ 1: samples as novel as real unseen digits; ≪ 1: copies; > 1: samples farther from the "
         f"data than real digits, e.g. blurry or noisy). *Near-copies*: the fraction closer to a training image "
         f"than the {PERCENTILE:g}st percentile of the test→train distances; the test images' own fraction is "
         f"≈ {PERCENTILE:g}% by construction. **Rule (fixed before any run): \"no memorisation\" (PASS) when "
         f"the samples' near-copy fraction is at most {FACTOR:g}× the test images' own**, else FAIL. A PASS "
         "says nothing about sample quality. Figures: `results/figures/<run>-nearest_neighbours.png` (the 8 "
         "samples closest to a training image, above those training images).", ""]


def render(done, missing):
    lines = list(INTRO)
    if done:
        lines += ["| run | N samples / test / train | median NN distance, samples / test | median ratio | "
                  "threshold | near-copies, samples / test | verdict |", "|---|---|---|---|---|---|---|"]
    for name, s in done.items():
        r = s["nearest_neighbours"]
        verdict = "no memorisation" if r["no_memorisation"] else "memorisation suspected"
        lines.append(f"| {name} | {r['n_samples']:,} / {r['n_test']:,} / {r['n_train']:,} | "
                     f"{r['median_sample_distance']:.2f} / {r['median_test_distance']:.2f} | "
                     f"{r['median_ratio']:.3f} | {r['threshold']:.2f} | "
                     f"{100 * r['near_copy_fraction_samples']:.2f}% / {100 * r['near_copy_fraction_test']:.2f}% | "
                     f"{verdict} |")
    if not done:
        lines.append("No run in results/runs/ carries the check yet.")
    if missing:
        lines += ["", f"No nearest-neighbour numbers yet (evaluated before the check existed; their run folders are "
                      f"not in the repository, so they need their training re-run, then `python -m repro evaluate "
                      f"runs/<name>`): {', '.join(missing)}."]
    lines.append("")
    return "\n".join(lines)
