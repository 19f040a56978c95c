"""keras-dcgan experiment (the book chapter “VAE, GAN and variants”, figs. 10-6 to 10-12): what is recorded during
training, the numbers for results/runs/*.json, the figures and the report section.

During training (`DCGANMonitor`, a Keras callback) the run folder gets
- `step_losses.csv`: D and G loss of every step (Fig. 10-7 plots them per step, as the original prints them);
- `snapshots/step_NNNNNN.npz`: 128 images from one fixed noise batch at the points of Figs. 10-8 to 10-12
  (start, 400 iterations, 10 epochs, 20 epochs, end of the paper's 100 x 468 steps; a shorter run scales
  them by its length / 46,800 and the caption says so) and after every epoch;
- `monitor_samples/step_NNNNNN.npz`: `eval.classifier_samples` plain samples and 1/20 as many `--nice` samples
  (uint8) at the start and every `eval.monitor_every` epochs; `evaluate` has the suite's MNIST classifier label
  them (the mode-collapse record, cached in `class_histograms.json`).
"""
from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

import keras
import numpy as np

from repro.config import EVAL_SEED
from repro.io import atomic_write_bytes, atomic_write_text
from repro.plotting import FIG_SEED, full_grid_shape, save, tile
from repro.results import Row, load_runs, read_done

PAPER_STEPS_PER_EPOCH, PAPER_EPOCHS = 468, 100
PAPER_STEPS = PAPER_STEPS_PER_EPOCH * PAPER_EPOCHS
# (figure, what the book chapter “VAE, GAN and variants” shows, step in the paper's run)
EVOLUTION = (("10-8", "start", 0), ("10-9", "400 iterations", 400), ("10-10", "10 epochs", 10 * PAPER_STEPS_PER_EPOCH),
             ("10-11", "20 epochs", 20 * PAPER_STEPS_PER_EPOCH), ("10-12", "end", PAPER_STEPS))
FIXED_NOISE_SEED, GRID = 1234, 128  # the original's grids show one batch: 128 images
MONITOR_SEED, NICE_FRACTION = 4321, 20  # nice samples during training: classifier_samples / 20 (each costs 20 fakes)
MNIST_TEST_SHARE_OF_ONES = 1135 / 10000  # digit 1 in the MNIST test set


def evolution_points(total_steps):
    """[(figure, label, step)] for a run of `total_steps`: the paper's points, scaled if the run is shorter."""
    scale = min(1.0, total_steps / PAPER_STEPS)
    pts = [(fig, label, total_steps if label == "end" else int(round(step * scale))) for fig, label, step in EVOLUTION]
    return pts, scale


def _to_uint8(images01):
    return np.round(np.asarray(images01) * 255.0).astype(np.uint8)


class DCGANMonitor(keras.callbacks.Callback):
    def __init__(self, run_dir, cfg):
        super().__init__()
        self.run_dir = Path(run_dir)
        self.cfg = cfg
        self.snap_dir = self.run_dir / "snapshots"
        self.snap_dir.mkdir(parents=True, exist_ok=True)
        self.mon_dir = self.run_dir / "monitor_samples"
        self.fixed_z = None
        self.losses = []
        self.epoch = 0
        self.classifier = None

    # --- helpers
    def _step(self, epoch, batch):
        return epoch * self.params["steps"] + batch + 1

    def _snapshot(self, step, epoch):
        import io

        path = self.snap_dir / f"step_{step:06d}.npz"
        images = self.model.decode_numpy(self.fixed_z)
        buf = io.BytesIO()
        np.savez_compressed(buf, images=_to_uint8(images), step=step, epoch=epoch)
        atomic_write_bytes(path, buf.getvalue())

    def _monitor_samples(self, step, epoch):
        """Plain and --nice samples for the class histogram; stored as uint8 and labelled at evaluate time,
        so training never waits for (or loads) the classifier."""
        import io

        ev = self.cfg["eval"]
        plain = self.model.generate(ev["classifier_samples"], seed=MONITOR_SEED)["images"]
        nice = self.model.generate(max(1, ev["classifier_samples"] // NICE_FRACTION), seed=MONITOR_SEED,
                                   nice=True)["images"]
        buf = io.BytesIO()
        np.savez_compressed(buf, plain=_to_uint8(plain), nice=_to_uint8(nice), step=step, epoch=epoch)
        self.mon_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.mon_dir / f"step_{step:06d}.npz", buf.getvalue())

    # --- Keras hooks
    def on_train_begin(self, logs=None):
        total = self.params["epochs"] * self.params["steps"]
        self.points = {step for _, _, step in evolution_points(total)[0]}
        rng = np.random.default_rng(FIXED_NOISE_SEED)
        self.fixed_z = self.model.noise_numpy(GRID, rng)
        # a resumed run has stepped already; the start is recorded once
        if int(self.model.g_optimizer.iterations.numpy()) == 0:
            self._snapshot(0, 0)
            self._monitor_samples(0, 0)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.losses = []

    def on_train_batch_end(self, batch, logs=None):
        step = self._step(self.epoch, batch)
        logs = logs or {}
        self.losses.append((step, float(logs.get("d_loss_step", math.nan)), float(logs.get("g_loss_step", math.nan))))
        if step in self.points:
            self._snapshot(step, self.epoch + (batch + 1) / self.params["steps"])

    def on_epoch_end(self, epoch, logs=None):
        path = self.run_dir / "step_losses.csv"
        new = not path.exists()
        with open(path, "a", newline="") as f:
            w = csv.writer(f)
            if new:
                w.writerow(["step", "d_loss", "g_loss"])
            w.writerows(self.losses)
        step = (epoch + 1) * self.params["steps"]
        self._snapshot(step, epoch + 1)
        every = self.cfg["eval"]["monitor_every"]
        if every > 0 and (epoch + 1) % every == 0 or epoch + 1 == self.params["epochs"]:
            self._monitor_samples(step, epoch + 1)


# ---- reading the run folder -------------------------------------------------------------------------------
def read_step_losses(run_dir):
    path = Path(run_dir) / "step_losses.csv"
    if not path.exists():
        return np.zeros((0, 3))
    rows = {}
    with open(path) as f:
        for r in csv.DictReader(f):  # a resumed epoch is written again: the later line wins
            rows[int(r["step"])] = (float(r["d_loss"]), float(r["g_loss"]))
    return np.array([(s, *rows[s]) for s in sorted(rows)])


def histograms_over_training(run_dir, classifier, data_dir=None):
    """Classifier metrics of the samples stored during training; computed once per classifier, cached in the run
    folder (entries another classifier measured are measured again)."""
    from repro.metrics.classifier import fingerprint, sample_metrics

    run_dir = Path(run_dir)
    cache_path = run_dir / "class_histograms.json"
    cache = {int(k): v for k, v in json.loads(cache_path.read_text()).items()} if cache_path.exists() else {}
    current = fingerprint(classifier)
    for path in sorted((run_dir / "monitor_samples").glob("step_*.npz")):
        step = int(path.stem.split("_")[1])
        if step not in cache or any(cache[step].get(k, {}).get("classifier") != current for k in ("plain", "nice")):
            d = np.load(path)
            cache[step] = {"step": step, "epoch": float(d["epoch"]), **{
                key: sample_metrics(d[key].astype(np.float32) / 255.0, data_dir, classifier)
                for key in ("plain", "nice")}}
    atomic_write_text(cache_path, json.dumps(cache))
    return [cache[s] for s in sorted(cache)]


def downsample_losses(losses, max_points=400):
    """Means over equal windows of steps, so a 46,800-step curve fits in a small JSON."""
    if len(losses) <= max_points:
        return losses.tolist()
    edges = np.linspace(0, len(losses), max_points + 1).astype(int)
    return [losses[a:b].mean(axis=0).tolist() for a, b in zip(edges[:-1], edges[1:])]


def mnist_test_histogram(clf, data_dir=None):
    """The classifier's labels of the real MNIST test images: the histogram a perfect generator would get."""
    from repro.data.mnist import load_mnist
    from repro.metrics.classifier import class_histogram

    test = load_mnist(data_dir)["test_x"][..., None].astype(np.float32) / 255.0
    return class_histogram(test, clf).tolist()


def final_metrics(run, results_dir=None) -> dict:
    """Numbers for results/runs/*.json (an evaluator of the loaded run): parameter counts, classifier metrics of
    plain and --nice samples, and from the run folder (when there is one) the histograms recorded during training
    and the per-step loss curve (downsampled)."""
    from repro.metrics.classifier import classifier_test_accuracy, get_classifier, sample_metrics

    model, data_dir = run.model, run.data_dir
    ev = model.cfg["eval"]
    n = ev["classifier_samples"]
    n_nice = max(1, n // 5)
    out = {
        "parameters": model.parameter_counts(),
        "recipe_extra": {k: model.params[k] for k in ("g_upsampling", "fakes_for_d", "d_pooling")}
                        | {"shuffle": model.cfg["data"]["shuffle"]},
    }
    if run.folder is not None:
        losses = read_step_losses(run.folder)
        out["step_losses"] = {"columns": ["step", "d_loss", "g_loss"], "steps": int(len(losses)),
                              "points": downsample_losses(losses)}
    if os.environ.get("REPRO_CLASSIFIER") == "cached-only" and classifier_test_accuracy() is None:
        # on a busy shared machine another job may be training the classifier: do not train a second one
        out["classifier_metrics"] = ("not computed: the suite's MNIST classifier was not cached yet and "
                                     "REPRO_CLASSIFIER=cached-only; rerun `python -m repro evaluate RUN`")
        return out
    clf = get_classifier(data_dir)
    out |= {
        "classifier_test_accuracy": classifier_test_accuracy(),
        "final_plain": sample_metrics(model.generate(n, seed=EVAL_SEED)["images"], data_dir, clf),
        "final_nice": sample_metrics(model.generate(n_nice, seed=EVAL_SEED, nice=True)["images"], data_dir, clf),
        "mnist_test_histogram": mnist_test_histogram(clf, data_dir),
        "nice_rule": f"per group: best {model.params['nice_batch']} of {model.params['nice_factor']} x "
                     f"{model.params['nice_batch']} fakes by D",
    }
    if run.folder is not None:
        out["histograms_over_training"] = histograms_over_training(run.folder, clf, data_dir)
    return out


# ---- figures ----------------------------------------------------------------------------------------------
BOOK = 'the book chapter "VAE, GAN and variants"'
DIGITS_SCORE = 8.0  # classifier score from which samples count as digits (the suite's bar, as for WGAN's samples)


def _grid(images01, max_cols=16):
    """All the images in full rows (128 -> 8 x 16; the original's combine_images leaves a ragged 12th row)."""
    rows, cols = full_grid_shape(len(images01), max_cols)
    return tile(images01, rows, cols)


def length_words(total_steps, plain=None):
    """What a figure shows, in words: how far into the original's 46,800 steps, and whether the samples are
    digits by the classifier score of the final plain samples (None: not measured)."""
    if total_steps >= PAPER_STEPS:
        when = f"after the original's full {PAPER_STEPS:,} steps"
    else:
        pct = 100 * total_steps / PAPER_STEPS
        share = f"{pct:.1f}" if pct >= 1 else f"{pct:.2g}"  # 200 steps: 0.43%, not 0.4%
        when = f"after {total_steps:,} of the original's {PAPER_STEPS:,} steps ({share}%)"
    if not plain:
        return when
    score = plain["classifier_score"]
    verdict = "digits" if score >= DIGITS_SCORE else "not yet digits"
    return f"{when}: {verdict} (classifier score {score:.2f}; digits score ≥ {DIGITS_SCORE:g} of 10)"


def _share(hist, digit=1):
    # 100 * count / n first, so the percentages printed agree with the histogram cells to the last digit
    return 100 * hist[digit] / max(1, sum(hist)) / 100


def paper_run(results_dir):
    """The name of the evaluated paper-profile run (the first by name; None before one exists)."""
    runs = sorted(n for n, s in load_runs(results_dir).items() if s.get("model") == "keras_dcgan"
                  and s["profile"] == "paper")
    return runs[0] if runs else None


def share_of_ones(summary):
    """(share of the final samples, without --nice, that the classifier labels 1; its binomial standard error)."""
    h = ((summary.get("metrics") or {}).get("final_plain") or {}).get("histogram")
    if not h:
        return None
    p = _share(h)
    return p, math.sqrt(p * (1 - p) / sum(h))


def _run_length(run_dir):
    d = read_done(run_dir)
    if d is not None and "steps_per_epoch" in d:
        return d["epochs"] * d["steps_per_epoch"]
    steps = [int(p.stem.split("_")[1]) for p in (Path(run_dir) / "snapshots").glob("step_*.npz")]
    return max(steps, default=0)


def run_figures(run, summary, results_dir):
    run_dir, cfg, info = run.run_dir, run.cfg, run.info
    figdir = Path(results_dir) / "figures"
    tag = f"{run_dir.name} ({cfg['profile']} profile, {cfg['train']['precision']}, {info['checkpoint']} " \
          f"checkpoint = epoch {info['epoch']})"
    m = summary.get("metrics", {})
    total = _run_length(run_dir)
    out = [samples_figure(run.model, total, m, tag, figdir / f"{run_dir.name}-fig10-6_10-12-samples.png")]
    losses = read_step_losses(run_dir)
    if len(losses):
        out.append(losses_figure(losses, tag, figdir / f"{run_dir.name}-fig10-7-losses.png"))
    panels, scale = evolution_panels(run_dir, total)
    if panels:
        out.append(evolution_figure(panels, scale, total, m, tag,
                                    figdir / f"{run_dir.name}-fig10-8_10-11-evolution.png"))
    return out


def samples_figure(model, total, m, tag, path):
    """Figs. 10-6 / 10-12: the final grid of one batch, plain and --nice."""
    import matplotlib.pyplot as plt

    plain = model.generate(GRID, seed=FIG_SEED)["images"]
    nice = model.generate(GRID, seed=FIG_SEED, nice=True)["images"]
    keep = model.params["nice_batch"]
    nice_name = f"--nice (best {keep:,} of {keep * model.params['nice_factor']:,} by D)"
    fig, axes = plt.subplots(2, 1, figsize=(8, 9.4), layout="constrained")
    for ax, imgs, name, key in ((axes[0], plain, "plain sampling", "final_plain"),
                                (axes[1], nice, nice_name, "final_nice")):
        ax.imshow(_grid(imgs), cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
        hm = m.get(key)
        extra = (f": classifier labels {100 * _share(hm['histogram']):.1f}% of {hm['n']:,} samples as 1s, "
                 f"score {hm['classifier_score']:.2f}" if hm else "")
        ax.set_title(name + extra, fontsize=8)
    fig.suptitle(f"keras-dcgan samples {length_words(total, m.get('final_plain'))}\n(Figs. 10-6 / 10-12 of "
                 f"{BOOK}); {tag}", fontsize=8)
    return save(fig, path)


def losses_figure(losses, tag, path):
    """Fig. 10-7: G and D loss of every step (and a running mean where there are many)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    w = max(1, len(losses) // 100)
    kernel = np.ones(w) / w
    for col, name, color in ((2, "G loss", "tab:red"), (1, "D loss", "tab:blue")):
        ax.plot(losses[:, 0], losses[:, col], color=color, alpha=0.25 if w > 1 else 1.0, lw=0.6)
        if w > 1:
            ax.plot(losses[w - 1:, 0], np.convolve(losses[:, col], kernel, "valid"), color=color, lw=1.2,
                    label=f"{name} (mean of {w} steps)")
        else:
            ax.lines[-1].set_label(name)
    ax.set_xlabel("iteration (batch of 128)")
    ax.set_ylabel("binary cross-entropy")
    ax.legend(fontsize=7)
    ax.set_title(f"Fig. 10-7 of {BOOK} (there G's loss is the upper curve, D's the lower): loss of every "
                 f"step, {tag}",
                 fontsize=7)
    return save(fig, path)


def evolution_panels(run_dir, total):
    """([(figure, label, step, snapshot path)], scale): the snapshots at the points of Figs. 10-8 to 10-12, scaled
    to a shorter run, where a short run also shows the end of each of its epochs."""
    points, scale = evolution_points(total)
    panels = [(f, lab, s, run_dir / "snapshots" / f"step_{s:06d}.npz") for f, lab, s in points]
    panels = [p for p in panels if p[3].exists()]
    done = read_done(run_dir)
    if scale < 1.0 and done is not None and "steps_per_epoch" in done:  # a short run: its epoch ends too, in order
        per = done["steps_per_epoch"]
        known = {p[2] for p in panels}
        for e in range(1, total // per):
            path = run_dir / "snapshots" / f"step_{e * per:06d}.npz"
            if e * per not in known and path.exists():
                panels.append(("", f"epoch {e}", e * per, path))
        panels.sort(key=lambda p: p[2])
    return panels, scale


def evolution_figure(panels, scale, total, m, tag, path):
    """Figs. 10-8 to 10-11 (and 10-12): one fixed noise batch at the start, 400 iterations, 10 and 20 epochs, end."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.9))
    for ax, (f, lab, s, snapshot) in zip(np.atleast_1d(axes), panels):
        imgs = np.load(snapshot)["images"].astype(np.float32) / 255.0
        ax.imshow(_grid(imgs[:64], max_cols=8), cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
        when = lab if scale == 1.0 or lab in ("start", "end") else f"≙ {lab}"
        ax.set_title((f"Fig. {f}: {when}" if f else f"(this run: {lab})") + f"\nstep {s:,}", fontsize=8)
    note = ("" if scale == 1.0 else
            f"\nThis run has {total:,} steps, not the original's {PAPER_STEPS:,}: the points are scaled by "
            f"{total:,}/{PAPER_STEPS:,} (≙ = at the same fraction of training).")
    fig.suptitle(f"keras-dcgan: the same 64 noise vectors during training, "
                 f"{length_words(total, m.get('final_plain'))}\n(Figs. 10-8 to 10-12 of {BOOK}); {tag}{note}",
                 fontsize=8)
    return save(fig, path)


def summary_figures(results_dir):
    """Share of each digit among the classifier's labels over training, plain and --nice, per run."""
    import matplotlib.pyplot as plt

    out = []
    for s in load_runs(results_dir).values():
        hist = (s.get("metrics") or {}).get("histograms_over_training")
        if s.get("model") != "keras_dcgan" or not hist:
            continue
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
        steps = [h["step"] for h in hist]
        for ax, key in zip(axes, ("plain", "nice")):
            shares = np.array([np.array(h[key]["histogram"]) / h[key]["n"] for h in hist])
            for d in range(10):
                ax.plot(steps, 100 * shares[:, d], marker="o", ms=3, lw=2.2 if d == 1 else 0.9,
                        color="k" if d == 1 else plt.cm.tab10(d), label=str(d))
            ax.axhline(100 * MNIST_TEST_SHARE_OF_ONES, color="k", ls=":", lw=0.8)
            ax.set_xlabel("step")
            ax.set_title(f"{key} sampling ({hist[-1][key]['n']:,} samples per point)", fontsize=8)
        axes[0].set_ylabel("% of samples labelled as digit")
        axes[1].legend(fontsize=6, ncol=2, title="digit (1 in black)", title_fontsize=6)
        fig.suptitle("Mode collapse, measured (the book chapter “VAE, GAN and variants” sees 'more and more 1s', "
                     f"Fig. 10-11): the suite's MNIST "
                     f"classifier labels samples of {s['run']}; dotted: share of 1s in MNIST test", fontsize=8)
        out.append(save(fig, Path(results_dir) / "figures" / f"{s['run']}-class_histograms.png"))
    return out


# ---- report -----------------------------------------------------------------------------------------------
def _hist_cells(h):
    return [f"{100 * c / h['n']:.1f}" for c in h["histogram"]]


REPORT_SOURCE = ("the book chapter “VAE, GAN and variants” (DC-GAN, Fig. 10-11) and keras-dcgan users "
                 "(docs/references.md §3)")
ONES_BAR = "share of 1s > 2 × MNIST's 11.35%"


def report_section(results_dir):
    runs = {k: v for k, v in load_runs(results_dir).items() if v.get("model") == "keras_dcgan"}  # select
    text = ["## keras-dcgan: architecture, samples, mode collapse", "",
            "The DCGAN of the book chapter “VAE, GAN and variants” (its Figs. 10-6 to 10-12), as jacobgil/keras-dcgan "
            "trains it (docs/references.md §3).", ""]
    if not runs:
        cmd = "python -m repro train paper_configs/keras_dcgan_mnist.yaml --profile quick, then evaluate"
        rows = [Row(id=id_, source=REPORT_SOURCE, reported="see docs/references.md §3", reproduced=None, tolerance="—",
                    status="NOT RUN", note=f"no run in results/runs/ ({cmd})", against_paper=id_.endswith(".paper"))
                for id_ in ("keras_dcgan.parameters", "keras_dcgan.mostly_ones.paper")]
        return "\n".join(text + [f"No run yet: `{cmd}`.", ""]), rows
    rows = parameter_rows(next(iter(runs.values())))  # compute
    for profile in ("paper", "quick"):
        cand = sorted((s for s in runs.values() if s["profile"] == profile), key=lambda s: s["run"])
        if not cand and profile == "paper":
            rows.append(Row(id="keras_dcgan.mostly_ones.paper", source=REPORT_SOURCE,
                            reported="mostly 1s without --nice", reproduced=None, tolerance=ONES_BAR, status="NOT RUN",
                            note="no paper-profile run (46,800 steps: 16-22 h at the 1.2-1.7 s/step of float32 under "
                                 "oneDNN measured on a shared 2-core CPU, benchmarks/train_throughput.py; resumable "
                                 "with --resume): python -m repro train paper_configs/keras_dcgan_mnist.yaml --profile "
                                 "paper, then evaluate", against_paper=True))
        rows += [mostly_ones_row(s) for s in cand]
    text += precision_table(runs)  # render
    for name, s in sorted(runs.items()):
        text += run_lines(name, s)
    return "\n".join(text), rows


def parameter_rows(first):
    pc = first["metrics"]["parameters"]
    return [Row(id=f"keras_dcgan.parameters.{who}",
                source="docs/references.md §3 (Keras model.summary of the original)",
                reported=reported, reproduced=pc[who], tolerance="exact",
                status="PASS" if pc[who] == reported else "FAIL", note=f"{who} of run {first['run']}",
                run_names=(first["run"],))
            for who, reported in (("generator", G_PARAMS_REPORTED), ("discriminator", D_PARAMS_REPORTED))]


def mostly_ones(share) -> str:
    """keras-dcgan users: without --nice the samples become mostly 1s; PASS when the classifier labels more than
    twice MNIST's own share of 1s as 1."""
    return "PASS" if share > 2 * MNIST_TEST_SHARE_OF_ONES else "FAIL"


def mostly_ones_row(s):
    rid = f"keras_dcgan.mostly_ones.{s['run']}"
    if "final_plain" not in s["metrics"]:
        return Row(id=rid, source=REPORT_SOURCE, reported="mostly 1s without --nice", reproduced=None,
                   tolerance=ONES_BAR, status="NOT RUN", note=s["metrics"].get("classifier_metrics"),
                   run_names=(s["run"],), against_paper=True)
    h, hn = s["metrics"]["final_plain"], s["metrics"]["final_nice"]
    share = _share(h["histogram"])
    note = (f"{s['profile']} profile, {s['epochs_trained']} epochs; {100 * share:.1f}% of {h['n']:,} plain "
            f"samples labelled 1 (--nice: {100 * _share(hn['histogram']):.1f}% of {hn['n']:,}); most frequent "
            f"digit {int(np.argmax(h['histogram']))}")
    if s["profile"] == "quick":
        note = "quick profile, far shorter than the paper's run: " + note
    return Row(id=rid, source=REPORT_SOURCE, reported="mostly 1s without --nice", reproduced=round(share, 4),
               tolerance=ONES_BAR, status=mostly_ones(share), note=note, run_names=(s["run"],), against_paper=True)


def run_lines(name, s):
    """One run's subsection: its recipe, Parzen estimate, figures and class histograms over training."""
    m, r, pz = s["metrics"], s["recipe"], s.get("parzen")
    text = [f"### {name}", "",
            f"{s['profile']} profile, {r['precision']}, batch {r['batch_size']}, {r['train_examples']:,} training "
            f"images, {s['epochs_trained']} epochs of "
            f"{m.get('step_losses', {}).get('steps', 0) // max(1, s['epochs_trained']):,} "
            f"steps, {s['checkpoint']['checkpoint']} checkpoint; G {m['parameters']['generator']:,} and D "
            f"{m['parameters']['discriminator']:,} parameters"
            + (f"; {s['seconds_per_epoch_median']:.0f} s per epoch (median, busy 2-core CPU)"
               if s.get("seconds_per_epoch_median") else "") + ".", ""]
    if pz:
        text += [f"Parzen estimate (2014 protocol, samples mapped to [0, 1]; **not in the paper**): "
                 f"{pz['ll']:.1f} ± {pz['se']:.1f} nats (σ = {pz['sigma']:.3f}). NB σ is chosen on "
                 "train[50000:51000], which this model trained on (it uses all 60,000); the test set is unseen.", ""]
    text += [f"Figures: `results/figures/{name}-fig10-6_10-12-samples.png`, `{name}-fig10-7-losses.png`, "
             f"`{name}-fig10-8_10-11-evolution.png`, `{name}-class_histograms.png`.", ""]
    if "final_plain" not in m:
        return text + [f"Class histograms: {m.get('classifier_metrics')}.", ""]
    share = _share(m["final_plain"]["histogram"])
    top = int(np.argmax(m["final_plain"]["histogram"]))
    verdict = "yes: 1 is the most frequent label" if top == 1 else f"no: the most frequent label is {top}"
    return text + [
        "Share of each digit (%) among the classifier's labels of generated samples; the classifier "
        f"has {100 * (m.get('classifier_test_accuracy') or float('nan')):.2f}% MNIST test accuracy. "
        "Classifier score = exp(E KL(p(y|x) ‖ p(y))) (max 10); Fréchet distance of the classifier's 10 "
        "logits against the MNIST test set; both depend on n.", "", *histogram_table(s), "",
        f"**Mostly 1s?** {100 * share:.1f}% of the final plain samples are labelled 1 (MNIST: "
        f"{100 * MNIST_TEST_SHARE_OF_ONES:.1f}%); {verdict}. --nice: "
        f"{100 * _share(m['final_nice']['histogram']):.1f}% 1s.", ""]


def histogram_table(s):
    m = s["metrics"]
    head = ["when", "sampling", "n"] + [str(d) for d in range(10)] + ["classifier score", "Fréchet distance"]
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def line(when, label, hh):
        return "| " + " | ".join([when, label, f"{hh['n']:,}"] + _hist_cells(hh) + [
            f"{hh['classifier_score']:.2f}", f"{hh['frechet_distance']:.1f}"]) + " |"
    for h in m.get("histograms_over_training", []):
        table += [line(f"step {h['step']:,} (epoch {h['epoch']:g})", key, h[key]) for key in ("plain", "nice")]
    table += [line(f"**final** ({s['checkpoint']['checkpoint']})", f"**{label}**", m[key])
              for key, label in (("final_plain", "plain"), ("final_nice", "nice"))]
    if m.get("mnist_test_histogram"):
        t = m["mnist_test_histogram"]
        table.append("| " + " | ".join(["MNIST test images", "—", f"{sum(t):,}"]
                                       + [f"{100 * c / sum(t):.1f}" for c in t] + ["—", "0"]) + " |")
    return table


def precision_table(runs):
    """float32 (fidelity default) against the fast path (mixed_bfloat16 + fused upsampling), per seed: does the
    speed path move the class histogram and the Parzen estimate by more than the seed-to-seed spread?"""
    groups = {}
    for s in runs.values():
        r, extra = s["recipe"], s["metrics"].get("recipe_extra", {})
        key = (s["profile"], s["epochs_trained"], r["precision"], extra.get("g_upsampling", "plain"))
        groups.setdefault(key, []).append(s)
    if len({k[2:] for k in groups}) < 2:
        return []
    head = "| profile | precision, upsampling | seed | Parzen (nats) | % 1s plain | % 1s nice | classifier score | " \
           "Fréchet distance | histogram (%, digits 0-9) |"
    lines = ["### float32 against mixed_bfloat16 + fused upsampling (the fast path)", "", head, "|---" * 9 + "|"]
    spread = {}
    for key, items in sorted(groups.items()):
        for s in sorted(items, key=lambda s: s["recipe"]["seed"]):
            m, pz = s["metrics"], s.get("parzen") or {}
            empty = {"n": 1, "histogram": [math.nan] * 10, "classifier_score": math.nan, "frechet_distance": math.nan}
            h = m.get("final_plain", empty)
            lines.append(f"| {key[0]} ({key[1]} epochs) | {key[2]}, {key[3]} | {s['recipe']['seed']} | "
                         f"{pz.get('ll', float('nan')):.1f} ± {pz.get('se', float('nan')):.1f} | "
                         f"{100 * _share(h['histogram']):.1f} | "
                         f"{100 * _share(m.get('final_nice', empty)['histogram']):.1f} | "
                         f"{h['classifier_score']:.2f} | {h['frechet_distance']:.1f} | {' '.join(_hist_cells(h))} |")
            spread.setdefault(key, []).append((pz.get("ll"), _share(h["histogram"]), np.array(h["histogram"]) / h["n"]))
    lines.append("")
    keys = sorted(spread)
    if len(keys) == 2 and all(len(spread[k]) >= 2 for k in keys):
        a, b = (spread[k] for k in keys)
        within = [abs(x[0] - y[0]) for grp in (a, b) for x, y in [(grp[0], grp[1])]]
        between = abs(np.mean([x[0] for x in a]) - np.mean([x[0] for x in b]))
        tv_within = [0.5 * np.abs(grp[0][2] - grp[1][2]).sum() for grp in (a, b)]
        tv_between = 0.5 * np.abs(np.mean([x[2] for x in a], 0) - np.mean([x[2] for x in b], 0)).sum()
        parzen_ok = between <= max(within)
        hist_known = not np.isnan(tv_between)
        lines += [f"Parzen: the two precisions' means differ by {between:.1f} nats; seeds within a precision differ by "
                  f"{within[0]:.1f} and {within[1]:.1f} ({'within' if parzen_ok else 'LARGER than'} the seed noise)."
                  + (f" Class histograms: total-variation distance between the precisions' mean histograms "
                     f"{tv_between:.3f}; between the two seeds of one precision {tv_within[0]:.3f} and "
                     f"{tv_within[1]:.3f} ({'within' if tv_between <= max(tv_within) else 'LARGER than'} the seed "
                     "noise)." if hist_known else " Class histograms: not computed (no cached classifier)."), ""]
    return lines


G_PARAMS_REPORTED, D_PARAMS_REPORTED = 6_763_777, 3_485_441  # docs/references.md §3
