"""Metrics of the InfoGAN experiment, on arrays: discrete mutual information (the book chapter “VAE, GAN and variants”'s
demo), the unsupervised digit error of a categorical code, and what a continuous code does to the ink."""
from __future__ import annotations

import math

import numpy as np


def mutual_info(x_var, y_var, base=10.0) -> float:
    """I(X; Y) of two paired discrete samples from their empirical joint, in log base `base`
    (the book chapter “VAE, GAN and variants”'s `mutual_info` uses base 10)."""
    x_var, y_var = np.asarray(x_var), np.asarray(y_var)
    if x_var.shape != y_var.shape or x_var.ndim != 1 or x_var.size == 0:
        raise ValueError(f"mutual_info needs two 1-D samples of the same non-zero length; got shapes "
                         f"{x_var.shape} and {y_var.shape}.")
    n = x_var.size
    _, xi = np.unique(x_var, return_inverse=True)
    _, yi = np.unique(y_var, return_inverse=True)
    joint = np.zeros((xi.max() + 1, yi.max() + 1))
    np.add.at(joint, (xi, yi), 1.0)
    joint /= n
    px, py = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    nz = joint > 0
    return float(np.sum(joint[nz] * np.log((joint / (px * py))[nz])) / math.log(base))


def unsupervised_error(categories, labels, n_categories=10) -> dict:
    """Classification error of a categorical code used as a classifier: each category is matched to one
    digit by the Hungarian assignment maximising the matched count on the confusion matrix."""
    from scipy.optimize import linear_sum_assignment  # here: scipy.optimize takes a second to import

    categories, labels = np.asarray(categories, int), np.asarray(labels, int)
    n_labels = max(int(labels.max()) + 1, n_categories)
    confusion = np.zeros((n_categories, n_labels), np.int64)
    np.add.at(confusion, (categories, labels), 1)
    rows, cols = linear_sum_assignment(-confusion)
    correct = int(confusion[rows, cols].sum())
    return {"error": 1.0 - correct / len(labels), "digit_of_category": [int(c) for c in cols[np.argsort(rows)]],
            "confusion": confusion.tolist()}


def ink_shape(images) -> dict:
    """Per image, from the intensity-weighted second moments of the ink (images (n, H, W[, 1]) in [0, 1]):
    `angle`: the principal (long) axis against the vertical in degrees, positive when the top leans right;
    `width`: the spread across that axis (sqrt of the small eigenvalue, pixels; rotation-free);
    `ink`: the mean pixel value (grows with stroke thickness)."""
    x = np.asarray(images, np.float64)
    x = x.reshape(x.shape[0], x.shape[1], x.shape[2])
    h, w = x.shape[1:]
    rows, cols = np.mgrid[0:h, 0:w]
    up, right = -rows.astype(np.float64), cols.astype(np.float64)
    mass = x.sum(axis=(1, 2)) + 1e-8
    mu_r = (x * right).sum(axis=(1, 2)) / mass
    mu_u = (x * up).sum(axis=(1, 2)) / mass
    dr, du = right[None] - mu_r[:, None, None], up[None] - mu_u[:, None, None]
    c_rr = (x * dr * dr).sum(axis=(1, 2)) / mass
    c_uu = (x * du * du).sum(axis=(1, 2)) / mass
    c_ru = (x * dr * du).sum(axis=(1, 2)) / mass
    # orientation of the long axis measured from the vertical (up) direction
    theta = 0.5 * np.arctan2(2 * c_ru, c_uu - c_rr)
    half_trace, diff = 0.5 * (c_rr + c_uu), np.sqrt(0.25 * (c_uu - c_rr) ** 2 + c_ru ** 2)
    return {"angle": np.degrees(theta), "width": np.sqrt(np.maximum(half_trace - diff, 0.0)),
            "ink": x.mean(axis=(1, 2))}


PROPERTY_NAMES = {"angle": "rotation/slant", "width": "width", "ink": "stroke thickness"}
# a code "means" a property when one unit of it moves that property by at least half its spread between digits
CLEAR_EFFECT = 0.5


def code_meaning(effects: dict) -> str:
    """Words for a `traversal_effects` result: the dominant property, or that none stands out."""
    name = effects["dominant"]
    size = effects["effects"][name]["standardized"]
    if abs(size) >= CLEAR_EFFECT:
        return PROPERTY_NAMES[name]
    return f"no clear single property (strongest: {PROPERTY_NAMES[name]}, {size:+.2f} sd/unit)"


def traversal_effects(images, values) -> dict:
    """What moving one code does. `images` (draws, steps, H, W, 1): row d holds one latent draw with the code
    set to each of `values`. For every property of `ink_shape`: the mean per-draw least-squares slope
    (units per unit of code) and that slope over the spread of the property between draws at the middle value
    (`standardized`); `dominant` is the property with the largest |standardized| slope."""
    images = np.asarray(images)
    draws, steps = images.shape[:2]
    values = np.asarray(values, np.float64)
    props = ink_shape(images.reshape(draws * steps, *images.shape[2:]))
    vc = values - values.mean()
    out = {}
    for name, p in props.items():
        p = p.reshape(draws, steps)
        slopes = (p - p.mean(1, keepdims=True)) @ vc / (vc @ vc)
        spread = float(np.std(p[:, steps // 2])) + 1e-8
        out[name] = {"slope": float(slopes.mean()), "slope_se": float(slopes.std() / math.sqrt(draws)),
                     "standardized": float(slopes.mean() / spread),
                     "mean_at_values": [float(v) for v in p.mean(0)]}
    dominant = max(out, key=lambda k: abs(out[k]["standardized"]))
    result = {"values": [float(v) for v in values], "draws": int(draws), "effects": out, "dominant": dominant}
    result["meaning"] = code_meaning(result)
    return result


# The seed screen's success criterion, fixed before any screen was run: every digit is the
# majority of exactly one category, and every category is at least 70% one digit.
SCREEN_MIN_PURITY = 0.70


def screen_categories(categories, labels, n_categories=10, min_purity=SCREEN_MIN_PURITY) -> dict:
    """Whether a categorical code has split the digits one-to-one. Per category (Q's argmax on labelled
    images): its dominant digit, its purity (share of its images that are that digit) and its size; `passed`
    when the dominant digits are all distinct and cover every digit, and no category's purity is below
    `min_purity`. A category Q never chooses has purity 0 and fails the screen. Also the Hungarian error."""
    categories, labels = np.asarray(categories, int), np.asarray(labels, int)
    hungarian = unsupervised_error(categories, labels, n_categories)
    confusion = np.asarray(hungarian["confusion"])
    sizes = confusion.sum(axis=1)
    dominant = confusion.argmax(axis=1)
    purity = np.where(sizes > 0, confusion.max(axis=1) / np.maximum(sizes, 1), 0.0)
    n_digits = confusion.shape[1]
    distinct = len(set(dominant[sizes > 0].tolist())) == n_digits == n_categories and bool(np.all(sizes > 0))
    pure = bool(np.all(purity >= min_purity))
    counts = np.bincount(dominant[sizes > 0], minlength=n_digits)
    return {"dominant_digit": [int(d) if n else None for d, n in zip(dominant, sizes)],
            "purity": [float(x) for x in purity], "size": [int(n) for n in sizes],
            "missing_digits": [int(d) for d in np.flatnonzero(counts == 0)],
            "shared_digits": [int(d) for d in np.flatnonzero(counts > 1)],
            "distinct": distinct, "min_purity": float(purity.min()), "purity_threshold": float(min_purity),
            "passed": distinct and pure, "error": hungarian["error"],
            "digit_of_category": hungarian["digit_of_category"], "confusion": hungarian["confusion"]}


def merged_digits(confusion, min_share=0.25) -> list[tuple[int, int]]:
    """Pairs of digits that each make up at least `min_share` of one category's images (e.g. a 4/9 merge);
    `confusion` is (categories, digits) counts."""
    confusion = np.asarray(confusion, np.float64)
    shares = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1.0)
    pairs = set()
    for row in shares:
        big = [int(d) for d in np.flatnonzero(row >= min_share)]
        pairs.update((a, b) for i, a in enumerate(big) for b in big[i + 1:])
    return sorted(pairs)


def success_rate(successes: int, trials: int, confidence=0.95) -> dict:
    """A binomial proportion with its exact (Clopper-Pearson) and Wilson score intervals (scipy.stats)."""
    from scipy.stats import binomtest

    if trials < 1:
        raise ValueError("success_rate needs at least one trial.")
    test = binomtest(int(successes), int(trials))
    exact, wilson = test.proportion_ci(confidence, "exact"), test.proportion_ci(confidence, "wilson")
    return {"successes": int(successes), "trials": int(trials), "rate": successes / trials, "confidence": confidence,
            "clopper_pearson": [float(exact.low), float(exact.high)], "wilson": [float(wilson.low), float(wilson.high)]}
