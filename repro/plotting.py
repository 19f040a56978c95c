"""Plotting helpers every experiment's figures share: a fixed seed for the samples shown, image grids,
nearest training examples, a colour-blind-safe palette, seeds drawn as a mean line with a min-max band, and
saving a figure without leaving a half-written file."""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from PIL import Image, PngImagePlugin  # noqa: E402

FIG_SEED = 7  # every figure draws the samples it shows from this seed
# Okabe & Ito (2008), "Color Universal Design": eight colours told apart with every common colour-vision
# deficiency; black first, then orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple
OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")


def tile(images, rows, cols, pad=2, fill=1.0):
    """(rows*cols, H, W, 1) in [0,1] to one grey image with `pad` pixel gutters."""
    h, w = images.shape[1:3]
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad), fill, np.float32)
    for i, im in enumerate(images[: rows * cols]):
        r, c = divmod(i, cols)
        out[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = im[..., 0]
    return out


def full_grid_shape(n, max_cols=16):
    """(rows, cols) with rows * cols == n and cols <= max_cols as large as possible: a grid with no ragged
    last row (128 -> 8 x 16, 64 -> 4 x 16, 100 -> 10 x 10)."""
    cols = max(c for c in range(1, min(n, max_cols) + 1) if n % c == 0)
    return n // cols, cols


def seed_band(curves):
    """Mean, min and max over seeds at the x values every seed has a finite y at.

    curves: [(x, y), ...], one per seed. Returns (x, mean, lo, hi) as arrays (empty if no x is common to all):
    the band never mixes seeds of different lengths, so its mean does not jump where a seed ends."""
    common = None
    for x, y in curves:
        x, y = np.asarray(x, float), np.asarray(y, float)
        have = set(x[np.isfinite(y)].tolist())
        common = have if common is None else common & have
    xs = np.array(sorted(common or ()), float)
    if not len(xs):
        return xs, xs, xs, xs
    ys = []
    for x, y in curves:
        x, y = np.asarray(x, float), np.asarray(y, float)
        keep = np.isfinite(y)
        at = dict(zip(x[keep].tolist(), y[keep].tolist()))
        ys.append([at[v] for v in xs.tolist()])
    ys = np.array(ys)
    return xs, ys.mean(axis=0), ys.min(axis=0), ys.max(axis=0)


def draw_seeds(ax, curves, color, label, lw=1.4, **line_kw):
    """One seed: its line. Several: their mean as a line and their min-max as a band, labelled with n."""
    if len(curves) == 1:
        return ax.plot(*curves[0], color=color, lw=lw, label=label, **line_kw)[0]
    x, mean, lo, hi = seed_band(curves)
    step = line_kw.get("drawstyle", "").removeprefix("steps-") or None  # a step line gets a step band
    ax.fill_between(x, lo, hi, color=color, alpha=0.25, lw=0, step=step, zorder=line_kw.get("zorder"))
    return ax.plot(x, mean, color=color, lw=lw, label=f"{label}: mean of {len(curves)} seeds, min–max shaded",
                   **line_kw)[0]


def nearest_training_example(samples_flat, train_flat, batch=2000):
    """Index of the nearest training image (squared Euclidean in pixel space) for each sample."""
    t = tf.constant(train_flat)
    sq = tf.reduce_sum(tf.square(t), axis=1)
    idx = []
    for i in range(0, len(samples_flat), batch):
        s = tf.constant(samples_flat[i:i + batch])
        idx.append(tf.argmin(sq[None, :] - 2.0 * tf.matmul(s, t, transpose_b=True), axis=1).numpy())
    return np.concatenate(idx)


def figure_text(fig):
    """Every piece of text drawn in a figure (titles, labels, legends, annotations), one per line."""
    texts = (t.get_text().strip() for t in fig.findobj(matplotlib.text.Text))
    return "\n".join(dict.fromkeys(t for t in texts if t))


def save(fig, path):
    """Writes the figure as a PNG with its text in the file's Description field (so the words a figure shows can be
    checked without reading pixels), through a temporary file: no half-written figure is left behind."""
    text = figure_text(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=150, bbox_inches="tight")
    plt.close(fig)
    buffer.seek(0)
    write_palette_png(Image.open(buffer), path, text)
    return Path(path)


def write_palette_png(image, path, description):
    """Writes `image` as a 256-colour palette PNG: about half the bytes of matplotlib's RGBA for the same figure
    (flat colours and grey images; a figure with more colours, e.g. anti-aliased curves, keeps the 256 most used
    and moves the rest to the nearest, invisible at this size). Atomic: a temporary file, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngImagePlugin.PngInfo()
    info.add_text("Description", description)
    palette = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    palette.save(tmp, pnginfo=info, optimize=True)
    tmp.replace(path)
