"""Report section of the PixelCNN on binarized MNIST: its exact test likelihood against van den Oord et al.
(2016), and the 2014 Parzen protocol applied to the same model's samples beside it.

Numbers come from results/runs/*.json (written by `python -m repro evaluate`); nothing here trains.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repro.generator_store import read_generator_file
from repro.results import Row, load_runs


@dataclass(frozen=True)
class Family:
    """One model of the section: its name, its experiment (config), the prefix of its rows and checks, and its
    number in van den Oord et al. 2016, Table 4 (binarized MNIST test NLL, nats)."""
    name: str
    experiment: str
    rows: str
    reported: float

    @property
    def config(self):
        return f"paper_configs/{self.experiment}.yaml"

    def command(self, profile):
        return (f"python -m repro train {self.config} --profile {profile} && python -m repro evaluate "
                f"runs/{self.experiment}-{profile} && python -m repro figures")


MODELS = (Family("PixelCNN", "pixelcnn_binarized_mnist", "pixelcnn", 81.30),
          Family("Row LSTM", "row_lstm_binarized_mnist", "row_lstm", 80.54))
SOURCE = "van den Oord et al. 2016, Pixel Recurrent Neural Networks, Table 4 (binarized MNIST, test NLL)"
# van den Oord et al. 2016, Table 4: test negative log-likelihood on binarized MNIST, nats; with where each number
# was checked besides the paper (None: no second source found). PWC: the paper's Papers with Code page;
# VBL: Shabanian et al. 2017, "Variational Bi-LSTMs", Table 2, which quotes the paper's MNIST comparison.
PWC = "the paper's Papers with Code page"
VBL = "Shabanian et al. 2017 (Variational Bi-LSTMs), Table 2"
TABLE4 = (("PixelCNN", "81.30", (PWC, "pytorch-generative's README")), ("Row LSTM", "80.54", None),
          ("Diagonal BiLSTM (1 layer, h = 32)", "80.75", (VBL,)),
          ("Diagonal BiLSTM (7 layers, h = 16)", "79.20", (PWC, VBL)),
          ("DRAW (Gregor et al. 2015)", "≤ 80.97", (VBL,)))
EARLIER = (("DBN 2hl", "≈ 84.55"), ("NADE", "88.33"), ("EoNADE-5 2hl", "84.68"), ("DLGM 8", "≈ 85.51"),
           ("DARN 1hl", "≈ 84.13"))  # older models of the same comparison, as VBL quotes them
REIMPLEMENTED = ("pytorch-generative's PixelCNN reports 81.45 and notes that it re-draws the binarisation every "
                 "epoch, so its number may be optimistic (that option exists here too, off by default)")
GAN2014_PARZEN = "225 ± 2"  # Goodfellow et al. 2014, Table 1, MNIST (grey levels): Parzen log-likelihood, nats


def _runs(results_dir, family):
    runs = [s for s in load_runs(results_dir).values() if s["experiment"] == family.experiment]
    runs = [s for s in runs if s["profile"] != "smoke"]  # CI's seconds-long runs are not reported
    order = {"paper": 0, "quick": 1, "default": 2}
    return sorted(runs, key=lambda s: (order.get(s["profile"], 4), s["run"]))


def _pm(d, key="nll", se="se", digits=2):
    return f"{d[key]:.{digits}f} ± {d[se]:.{digits}f}"


def _parzen(p):
    return f"{p['ll']:.1f} ± {p['se']:.1f} (σ = {p['sigma']:.3f})" if p else "—"


def _steps(s):
    h = s.get("history") or []
    return f"{len(h)} epoch{'s' if len(h) != 1 else ''}"


INTRO = ["## PixelCNN and PixelRNN's Row LSTM on binarized MNIST (van den Oord et al. 2016)", "",
         "Both models write an image as the product of its pixels' conditionals in raster order, "
         "p(x) = Π_i p(x_i | x_<i), each a Bernoulli. In the PixelCNN a stack of masked convolutions gives them "
         "(7 × 7 mask A, then residual blocks with 3 × 3 mask-B convolutions, then 1 × 1 layers); in the Row LSTM "
         "the same first layer feeds LSTM layers that run down the image one row at a time (a masked convolution "
         "along the row into the gates, a convolution of the row above's state), so a pixel's context is a "
         "triangle that widens upwards. Their log-likelihood is exact: the test NLL below is −log p(x) in nats, "
         "averaged over the test images (± standard error), with bits per dimension beside it (NLL / (784 ln 2)). "
         "The masks are tested: the gradient of every output pixel with respect to every input pixel at or after "
         "it is exactly zero, for both networks, and the same test fails for a wrong mask.", ""]


def pixelcnn_section(results_dir):
    text, rows = list(INTRO), []
    for family in MODELS:
        t, r = family_section(results_dir, family)
        text += t
        rows += r
    evaluated = [(family, s) for family in MODELS for s in _runs(results_dir, family)]
    text += parzen_lines(evaluated) + table4_lines()
    return "\n".join(text), rows


def not_run_row(family, note, figure=""):
    return Row(id=f"{family.rows}.test_nll.paper", source=f"{SOURCE}: {family.name} {family.reported:.2f}",
               reported=family.reported, reproduced=None, tolerance="|Δ| ≤ 1.0 nat", status="NOT RUN", note=note,
               runs="the paper profile", against_paper=True, figure=figure)


def family_section(results_dir, family):
    runs = _runs(results_dir, family)  # select
    head = [f"### {family.name}", ""]
    if not runs:
        return head + [f"NOT RUN: train and evaluate with `{family.command('quick')}`.", ""], [
            not_run_row(family, "no evaluated run: " + family.command("paper"))]
    paper = [s for s in runs if s["profile"] == "paper"]
    rows = [nll_row(s, family) for s in paper or runs[:1]]  # compute
    if not paper:
        rows.append(not_run_row(family, f"no paper-profile run evaluated yet: {family.command('paper')} (resumable "
                                        "with --resume), then python -m repro evaluate",
                                figure=f"figures/{runs[0]['run']}-samples.png"))
    best = runs[0]
    text = (head + runs_table(runs) + nn_lines(best)  # render
            + closing_lines(best, family) + shipped_lines(results_dir, runs, family))
    return text, rows


def nll_within(gap, tolerance) -> str:
    """The exact test NLL against the paper's: PASS within ± the tolerance the config fixes (nats)."""
    return "PASS" if abs(gap) <= tolerance else "FAIL"


def nll_row(s, family):
    t, ms = s["metrics"]["test_nll"], s["metrics"]
    gap = t["nll"] - ms["reported_nll"]
    note = (f"{s['run']} ({s['profile']} profile, {_steps(s)}), {t['n']} test images, binarisation: "
            f"{ms['binarisation']}; gap {gap:+.2f} nats; bits/dim {t['bits_per_dim']:.4f}")
    if s["profile"] != "paper":
        note += f"; the paper profile has not run here: {family.command('paper')} (resumable with --resume)"
    return Row(id=f"{family.rows}.test_nll.{s['profile']}", source=f"{SOURCE}: {family.name} {family.reported:.2f}",
               reported=family.reported,
               reproduced=round(t["nll"], 2), tolerance=f"|Δ| ≤ {ms['nll_tolerance']:.1f} nat",
               status=nll_within(gap, ms["nll_tolerance"]), note=note,
               runs=f"seed {(s.get('recipe') or {}).get('seed', '?')}, {_steps(s)} ({s['profile']} profile)",
               shown=f"{t['nll']:.2f} ± {t['se']:.2f}", run_names=(s["run"],), against_paper=True,
               figure=f"figures/{s['run']}-samples.png")


def runs_table(runs):
    text = ["| run | profile | training | binarisation | test NLL (nats) | bits/dim | "
            "NLL of as many training images |", "|---|---|---|---|---|---|---|"]
    for s in runs:
        m = s["metrics"]
        spe = s.get("seconds_per_epoch_median")
        batch = (s.get("recipe") or {}).get("batch_size")
        text.append(f"| {s['run']} | {s['profile']} | {_steps(s)}, batches of {batch}"
                    + (f", {spe:.0f} s/epoch" if spe else "") + f" | {m['binarisation']} | "
                    f"{_pm(m['test_nll'])} | {_pm(m['test_nll'], 'bits_per_dim', 'bits_per_dim_se', 4)} | "
                    f"{_pm(m['train_nll'])} |")
    return text + [""]


def table4_lines():
    return ["### What the paper reported", "",
            "Reported in van den Oord et al. 2016, Table 4 (binarized MNIST, the fixed binarisation of "
            "Salakhutdinov & Murray 2008; test NLL, nats): "
            + "; ".join(f"{n} {v}" for n, v, _ in TABLE4) + "; older models in the same comparison: "
            + "; ".join(f"{n} {v}" for n, v in EARLIER) + ". Checked beside the paper: "
            + "; ".join(f"{n} {v} in {' and '.join(src)}" for n, v, src in TABLE4 if src)
            + f"; the earlier models' numbers in {VBL}; "
            + "; ".join(f"the {n}'s {v} was not found in a second source" for n, v, src in TABLE4 if not src)
            + f". A public re-implementation: {REIMPLEMENTED}.", ""]


PARZEN_EXPLAINED = (
    "The 2014 protocol puts a Gaussian of width σ on each of the model's samples and scores the test images under "
    "that mixture. On binary images it can be applied two ways, and both are reported: (a) on the 0/1 samples "
    "themselves, scored against the 0/1 test images — the samples the model really draws; (b) on each sample's "
    "per-pixel probabilities p(x_i = 1 | x_<i) as it was drawn — grey-level images like a GAN's outputs, the form "
    "the 2014 numbers were computed on. Either way the result is a density over R^784 (continuous), not a "
    "probability of a binary image, so it has no fixed relation to the exact discrete log-likelihood.")


def parzen_lines(evaluated):
    """Once for the family: what the Parzen protocol means on binary images, and every run's exact log-likelihood
    beside its two Parzen estimates and the 2014 GAN's number."""
    if not evaluated:
        return []
    text = ["### The Parzen estimate of a model whose likelihood is known", "", PARZEN_EXPLAINED, "",
            "| model | run | exact test log-likelihood (nats) | Parzen (a), 0/1 samples | Parzen (b), pixel "
            "probabilities | samples |", "|---|---|---|---|---|---|"]
    for family, s in evaluated:
        m = s["metrics"]
        text.append(f"| {family.name} | {s['run']} ({s['profile']} profile) | {-m['test_nll']['nll']:.2f} "
                    f"| {_parzen(s.get('parzen'))} | {_parzen(m.get('parzen_probabilities'))} | "
                    f"{m['n_samples']:,} |")
    few = [f"{s['run']}: {s['metrics']['n_samples']:,}" for _, s in evaluated if s["metrics"]["n_samples"] < 10000]
    return text + ["", ranking_sentence(evaluated) + above_sentence(evaluated)
                   + f"For scale, the 2014 GAN's Parzen estimate on grey-level MNIST is {GAN2014_PARZEN} nats "
                   "(Goodfellow et al. 2014, Table 1; another test set, so not comparable number for number). Set "
                   "side by side, the exact values and the estimates show the point Theis et al. (2016) make: a "
                   "Parzen number is not the model's log-likelihood, and its value follows σ and the number of "
                   "samples as much as the model. The 2014 protocol asks for 10,000 samples"
                   + (f"; these runs drew fewer ({'; '.join(few)}): 10,000 samples of these networks take an hour "
                      "or more of a CPU (benchmarks/pixelcnn_sampling.py and benchmarks/row_lstm_sampling.py "
                      "measure the cost)." if few else
                      ", and every run above drew them."), ""]


def above_sentence(evaluated):
    """Runs whose Parzen estimate lies above their exact log-likelihood ("" when none does)."""
    said = []
    for _, s in evaluated:
        exact = -s["metrics"]["test_nll"]["nll"]
        estimates = (("0/1 samples", s.get("parzen")),
                     ("pixel probabilities", s["metrics"].get("parzen_probabilities")))
        for name, p in estimates:
            if p and p["ll"] > exact:
                said.append(f"{s['run']}'s Parzen estimate on the {name} ({p['ll']:.1f}) lies {p['ll'] - exact:.1f} "
                            f"nats above its exact log-likelihood ({exact:.2f})")
    if not said:
        return ""
    return ("; ".join(said) + ": a density over R^784 can exceed the likelihood of the binary images it is taken to "
            "estimate: here the Parzen number is not a lower bound on it either. ")


def ranking_sentence(evaluated):
    """Whether the Parzen estimates order the runs as their exact log-likelihoods do ("" with fewer than 2 runs)."""
    scored = [s for _, s in evaluated if s.get("parzen") and s["metrics"].get("parzen_probabilities")]
    # a Parzen estimate grows with the number of samples: only runs scored on as many samples are compared
    sizes = [n for n in dict.fromkeys(s["metrics"]["n_samples"] for s in scored)
             if sum(s["metrics"]["n_samples"] == n for s in scored) >= 2]
    if not sizes:
        return ""
    runs = [s for s in scored if s["metrics"]["n_samples"] == sizes[0]]
    among = f"Among the runs scored on {sizes[0]:,} samples, "
    exact = sorted(runs, key=lambda s: s["metrics"]["test_nll"]["nll"])  # best (lowest NLL) first
    orders = {"(a)": sorted(runs, key=lambda s: -s["parzen"]["ll"]),
              "(b)": sorted(runs, key=lambda s: -s["metrics"]["parzen_probabilities"]["ll"])}
    differ = [k for k, order in orders.items() if [s["run"] for s in order] != [s["run"] for s in exact]]
    ranked = ", ".join(f"{s['run']} ({-s['metrics']['test_nll']['nll']:.2f})" for s in exact)
    if not differ:
        return among + f"both Parzen estimates rank the runs as their exact log-likelihoods do (best first: {ranked}). "
    return (among + f"the Parzen estimate{'s' if len(differ) > 1 else ''} {' and '.join(differ)} rank the runs "
            f"differently from their exact log-likelihoods (best first: {ranked}): a higher Parzen number here does "
            "not mean a more likely model. ")


def nn_lines(best):
    nn = best.get("nearest_neighbours")
    if not nn:
        return []
    verdict = ("no sign of memorisation" if nn["no_memorisation"]
               else "samples closer to training images than test images are")
    return [f"Nearest-neighbour check ({nn['n_samples']} samples against as many test images): "
            f"median sample→train distance / median test→train distance = {nn['median_ratio']:.2f}; "
            f"near copies {nn['near_copy_fraction_samples']:.1%} of samples against "
            f"{nn['near_copy_fraction_test']:.1%} of test images: {verdict}."]


def closing_lines(best, family):
    m = best["metrics"]
    return ["", f"The model finds its own samples {m['sample_nll']['nll']:.1f} nats per image unlikely (mean over "
            f"{m['sample_nll']['n']}), against {m['test_nll']['nll']:.1f} for test images.", "",
            f"Figures (results/figures/): `{best['run']}-samples.png`, `{best['run']}-generation.png` (one sample "
            f"drawn pixel by pixel, with the probability of each pixel), `{best['run']}-nearest_neighbours.png`.",
            "", f"Commands: `{family.command(best['profile'])}`; the paper profile is resumable "
            f"(`python -m repro train {family.config} --profile paper --resume`).", ""]


def shipped_lines(results_dir, runs, family):
    text = []
    for s in runs:
        shipped = _shipped_model(results_dir, s["run"])
        if shipped:
            text += [f"The {s['profile']} profile's model ships in `{shipped['path']}` ({shipped['kb']:.0f} KB, "
                     f"weights in {shipped['dtype']}; exact test NLL with the weights as stored "
                     f"{shipped['stored']:.2f}, with float32 weights {shipped['float32']:.2f} nats): "
                     f"`python -m repro verify {family.rows}-{s['profile']}` re-scores it in minutes, without "
                     "sampling.",
                     ""]
    return text


def evaluated_run(experiment, profile):
    """fn(results_dir) -> the evaluated run of this profile (None before it is evaluated): a check's run finder.
    The run named EXPERIMENT-PROFILE where there is one, else the first by name of that profile (a long run is
    trained under its own name, e.g. ...-paper-seed0)."""
    def find(results_dir):
        runs = [s for s in load_runs(results_dir).values() if s["experiment"] == experiment]
        exact = f"{experiment}-{profile}"
        if any(s["run"] == exact for s in runs):
            return exact
        return min((s["run"] for s in runs if s["profile"] == profile), default=None)
    return find


def test_nll(summary):
    """(exact test NLL, its standard error) of a run summary, or of verify's fresh measurement; None without one."""
    t = (summary.get("metrics") or {}).get("test_nll")
    return (t["nll"], t["se"]) if t else None


def _shipped_model(results_dir, run):
    """What results/generators/RUN.npz says of itself (size, precision, the exact NLL of both precisions), or None."""
    path = Path(results_dir) / "generators" / f"{run}.npz"
    if not path.exists():
        return None
    meta = read_generator_file(path)[2]  # the checked reader: a damaged file gets its one clear error
    src = meta["source"]
    if "test_nll_stored" not in src:
        return None
    return {"path": f"results/generators/{path.name}", "kb": path.stat().st_size / 1024, "dtype": meta["dtype"],
            "stored": src["test_nll_stored"]["nll"], "float32": src["test_nll_float32"]["nll"]}
