"""Report section: the nearest-neighbour (memorisation) check of every evaluated MNIST image model."""
from __future__ import annotations

from repro.metrics.nearest_neighbours import FACTOR, PERCENTILE

SRC = "the suite's design: nearest-neighbour checks (Theis et al. 2016: NN pictures prove little)"


def _is_mnist_image_run(s):
    return s.get("model") != "toy1d" and "mnist" in s.get("experiment", "")


def nearest_neighbours_section(results_dir):
    from repro.results import load_runs, row

    runs = load_runs(results_dir)
    done = {k: v for k, v in runs.items() if v.get("nearest_neighbours")}
    missing = sorted(k for k, v in runs.items() if _is_mnist_image_run(v) and not v.get("nearest_neighbours"))
    lines = ["## Nearest-neighbour check: do the samples copy training images?", "",
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
    rows = []
    if done:
        lines += ["| run | N samples / test / train | median NN distance, samples / test | median ratio | "
                  "threshold | near-copies, samples / test | verdict |", "|---|---|---|---|---|---|---|"]
    for name, s in sorted(done.items()):
        r = s["nearest_neighbours"]
        verdict = "no memorisation" if r["no_memorisation"] else "memorisation suspected"
        lines.append(f"| {name} | {r['n_samples']:,} / {r['n_test']:,} / {r['n_train']:,} | "
                     f"{r['median_sample_distance']:.2f} / {r['median_test_distance']:.2f} | "
                     f"{r['median_ratio']:.3f} | {r['threshold']:.2f} | "
                     f"{100 * r['near_copy_fraction_samples']:.2f}% / {100 * r['near_copy_fraction_test']:.2f}% | "
                     f"{verdict} |")
        rows.append(row(f"nearest_neighbours.{name}", SRC, f"near-copies ≤ {FACTOR:g}× the test images' own",
                        round(r["near_copy_fraction_samples"], 4),
                        f"≤ {FACTOR:g} × {r['near_copy_fraction_test']:.4f}",
                        "PASS" if r["no_memorisation"] else "FAIL",
                        f"{s['profile']} profile, {s['epochs_trained']} epochs; median NN-distance ratio "
                        f"samples/test {r['median_ratio']:.3f}; threshold {r['threshold']:.2f} "
                        f"({r['percentile']:g}st percentile of test→train); {r['seconds']:.0f} s"))
    if not done:
        lines.append("No run in results/runs/ carries the check yet.")
    if missing:
        lines += ["", f"No nearest-neighbour numbers yet (evaluated before the check existed; their run folders are "
                      f"not in the repository, so they need their training re-run, then `python -m repro evaluate "
                      f"runs/<name>`): {', '.join(missing)}."]
    lines.append("")
    return "\n".join(lines), rows
