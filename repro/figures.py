"""Figures, regenerated from run folders (samples) and results/runs/*.json (curves)."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from repro.experiments.keras_dcgan import experiment as keras_dcgan  # noqa: E402

FIG_SEED = 7


def tile(images, rows, cols, pad=2, fill=1.0):
    """(rows*cols, H, W, 1) in [0,1] to one grey image with `pad` pixel gutters."""
    h, w = images.shape[1:3]
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), fill, np.float32)
    for i, im in enumerate(images[: rows * cols]):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = im[..., 0]
    return out


def nearest_training_example(samples_flat, train_flat, batch=2000):
    """Index of the nearest training image (squared Euclidean in pixel space) for each sample."""
    t = tf.constant(train_flat)
    sq = tf.reduce_sum(tf.square(t), axis=1)
    idx = []
    for i in range(0, len(samples_flat), batch):
        s = tf.constant(samples_flat[i:i + batch])
        idx.append(tf.argmin(sq[None, :] - 2.0 * tf.matmul(s, t, transpose_b=True), axis=1).numpy())
    return np.concatenate(idx)


def save(fig, path):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    fig.savefig(tmp, dpi=150, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(path)
    return path


def fig2_samples_with_neighbours(model, splits, path, title, rows=6, cols=5):
    """Paper Fig. 2: random samples; the rightmost column is the nearest training example of its left neighbour."""
    samples = model.generate(rows * cols, seed=FIG_SEED)["images"]
    train = splits.flat("train")
    nn = nearest_training_example(samples.reshape(len(samples), -1), train)
    grid = []
    for r in range(rows):
        row = samples[r * cols:(r + 1) * cols]
        neighbour = train[nn[(r + 1) * cols - 1]].reshape(1, *samples.shape[1:])
        grid.append(np.concatenate([row, neighbour], axis=0))
    img = tile(np.concatenate(grid), rows, cols + 1)
    fig, ax = plt.subplots(figsize=(0.9 * (cols + 1), 0.9 * rows))
    ax.imshow(img, cmap="gray", vmin=0, vmax=1)
    h = samples.shape[1] + 2
    ax.add_patch(plt.Rectangle((cols * h + 0.5, 0.5), h, rows * h, fill=False, edgecolor="gold", linewidth=2))
    ax.set_axis_off()
    ax.set_title(title, fontsize=8)
    return save(fig, path)


def fig3_interpolation(model, path, title, rows=6, steps=12):
    """Paper Fig. 3: digits from linear interpolation alpha z1 + (1 - alpha) z0 between random points in z."""
    rng = np.random.default_rng(FIG_SEED)
    z0, z1 = model.noise_numpy(rows, rng), model.noise_numpy(rows, rng)
    alphas = np.linspace(0.0, 1.0, steps, dtype=np.float32)
    z = (alphas[None, :, None] * z1[:, None, :] + (1 - alphas[None, :, None]) * z0[:, None, :]).reshape(rows * steps, -1)
    images = model.decode_numpy(z)
    fig, ax = plt.subplots(figsize=(0.8 * steps, 0.8 * rows))
    ax.imshow(tile(images, rows, steps), cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    ax.set_title(title, fontsize=8)
    return save(fig, path)


def parzen_curves(results_dir, experiment, reported, path):
    """Validation Parzen estimate after each epoch for every run of `experiment` in results/runs/."""
    runs = sorted(Path(results_dir, "runs").glob(f"{experiment}-*.json"))
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for p in runs:
        s = json.loads(p.read_text())
        pts = [(h["epoch"] + 1, h["val_parzen"]) for h in s["history"] if h.get("val_parzen") is not None]
        if not pts:
            continue
        e, v = zip(*pts)
        r = s["recipe"]
        ax.plot(e, v, label=f"{s['run']} ({r['update']}, {r['precision']}); test {s['parzen']['ll']:.0f}")
    ax.axhline(reported, color="k", ls="--", lw=1, label=f"paper (test): {reported}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation Parzen LL (nats)")
    ax.set_ylim(bottom=max(ax.get_ylim()[0], -100))
    ax.legend(fontsize=6)
    ax.set_title(f"{experiment}: Parzen estimate on 1,000 validation images during training", fontsize=8)
    return save(fig, path)


def goodfellow2014_figures(run_dir, summary, results_dir, data_dir=None):
    from repro.train import load_run

    figdir = Path(results_dir) / "figures"
    cfg, model, splits, info = load_run(run_dir, summary["checkpoint"]["checkpoint"], data_dir)
    tag = f"{run_dir.name}, {info['checkpoint']} checkpoint (epoch {info['epoch']})"
    return [
        fig2_samples_with_neighbours(
            model, splits, figdir / f"{run_dir.name}-fig2.png",
            f"Fig. 2 (Goodfellow et al. 2014), {tag}:\nrandom samples; framed column = nearest training example "
            "of its left neighbour"),
        fig3_interpolation(model, figdir / f"{run_dir.name}-fig3.png",
                           f"Fig. 3 (Goodfellow et al. 2014), {tag}: linear interpolation in z"),
    ]


def goodfellow2014_summary_figures(results_dir):
    p = parzen_curves(results_dir, "goodfellow2014_mnist", 225,
                      Path(results_dir) / "figures" / "goodfellow2014_mnist-parzen_curve.png")
    return [p] if p else []


# model key -> fn(run_dir, summary, results_dir, data_dir) -> [paths]: figures that need the trained run
from repro.experiments.goodfellow2014.datasets_figures import dataset_samples_figure, with_other_datasets  # noqa: E402  TFD / CIFAR-10 runs

RUN_FIGURES = {"goodfellow2014": with_other_datasets(goodfellow2014_figures),
               "goodfellow2014_conv": dataset_samples_figure, "goodfellow2014_tfd_2stage": dataset_samples_figure}
RUN_FIGURES["keras_dcgan"] = keras_dcgan.run_figures
# fn(results_dir) -> [paths]: figures drawn from results/runs/*.json alone (they survive without run folders)
SUMMARY_FIGURES = [goodfellow2014_summary_figures]
SUMMARY_FIGURES.append(keras_dcgan.summary_figures)

from repro.experiments.seed_models import figures as _seed_models  # noqa: E402  (issue 5: VAE, autoencoder, cGAN, WGAN)

RUN_FIGURES.update(vae=_seed_models.vae_figures, autoencoder=_seed_models.autoencoder_figures,
                   cgan=_seed_models.cgan_figures, wgan=_seed_models.wgan_figures)
SUMMARY_FIGURES.append(_seed_models.wgan_curves)


def _toy1d_summary_figures(results_dir):  # late import: figures_toy1d imports `save` from this module
    from repro.experiments.toy1d.figures import toy1d_summary_figures

    return toy1d_summary_figures(results_dir)


SUMMARY_FIGURES.append(_toy1d_summary_figures)

from repro.experiments.infogan.figures import infogan_figures, infogan_summary_figures  # noqa: E402
RUN_FIGURES["infogan"] = infogan_figures
SUMMARY_FIGURES.append(infogan_summary_figures)


def make_all_figures(runs_root="runs", results_dir="results", data_dir=None):
    """Every figure of every evaluated run folder under `runs_root`, then the summary figures."""
    out = []
    for run in sorted(Path(runs_root).glob("*/eval.json")):
        summary = json.loads(run.read_text())
        maker = RUN_FIGURES.get(summary["model"])
        if maker:
            out += maker(run.parent, summary, results_dir, data_dir)
    for fn in SUMMARY_FIGURES:
        out += fn(results_dir)
    return out
