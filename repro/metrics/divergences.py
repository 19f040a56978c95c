"""KL and JS divergences of discrete distributions, and the book chapter “VAE, GAN and variants”'s five KL-vs-JS
examples.

The book chapter “VAE, GAN and variants” (§ "GAN theory") defines, for two lists of probabilities p and q,
    KL(p, q) = sum_i p_i ln(p_i / q_i)   (terms with p_i = 0 skipped; a zero in q is an error)
    JS(p, q) = (KL(p, m) + KL(q, m)) / 2, m = (p + q) / 2
and its `exp(a, b)` normalises two lists of weights in float32 before printing KL and JS.
The seed prints the results cut (not rounded) to 3 decimals.
"""
from __future__ import annotations

import math

import numpy as np

# the book chapter “VAE, GAN and variants”'s five calls exp(a, b): experiment 1, experiment 2 (two calls),
# experiment 3 (two calls)
SEED002_EXAMPLES = (
    ([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]),
    ([1, 2, 3, 4, 5], [1e-12, 4, 3, 2, 1]),
    ([1, 2, 3, 4, 5], [5, 4, 3, 2, 1e-12]),
    ([1e-12, 2, 3, 4, 5], [5, 4, 3, 2, 1]),
    ([1, 2, 3, 4, 1e-12], [5, 4, 3, 2, 1]),
)
# what the seed's text prints after each call (KL, JS); the second line reads "2.0 0.01" in the seed,
# which is garbled (docs/references.md §6): the formula gives 2.0655 and 0.0985 there
SEED002_PRINTED = (("0.521", "0.119"), ("2.0", "0.01"), ("9.662", "0.193"), ("0.742", "0.193"), ("0.383", "0.098"))
SEED002_GARBLED = {1}  # 0-based index of the garbled line
# docs/references.md §6: the formula's values to 4 decimals
REFERENCE_4DP = ((0.5216, 0.1197), (2.0655, 0.0985), (9.6630, 0.1940), (0.7428, 0.1940), (0.3832, 0.0985))


def kl_divergence(p, q) -> float:
    """KL(p || q) in nats. Terms with p_i = 0 contribute nothing; q_i = 0 where p_i > 0 makes it infinite,
    which we refuse with a clear error, as the seed does."""
    p, q = np.asarray(p), np.asarray(q)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape; got {p.shape} and {q.shape}.")
    if np.any(p < 0) or np.any(q < 0):
        raise ValueError("p and q must be probabilities (no negative entries).")
    if np.any((q == 0) & (p > 0)):
        raise ValueError("q has a zero where p does not: KL(p || q) is infinite. Smooth q (e.g. add 1e-12) first.")
    # each term as the seed computes it: a float32 probability times a double-precision log of the float32 ratio
    return float(sum(float(pi) * math.log(pi / qi) for pi, qi in zip(p, q) if pi != 0))


def js_divergence(p, q) -> float:
    """Jensen-Shannon divergence in nats: the mean KL of p and q to their midpoint; at most ln 2."""
    p, q = np.asarray(p), np.asarray(q)
    m = (p + q) * p.dtype.type(0.5)  # in the inputs' precision (float32 in the seed)
    return 0.5 * (kl_divergence(p, m) + kl_divergence(q, m))


def normalise_float32(weights):
    """The seed's normalisation: a float32 array divided by its float32 sum."""
    a = np.asarray(weights, dtype=np.float32)
    if a.ndim != 1 or len(a) == 0 or np.any(a < 0) or a.sum() <= 0:
        raise ValueError(f"weights must be a non-empty 1-D list of non-negative numbers with a positive sum; "
                         f"got {weights!r}.")
    return a / a.sum()


def kl_js_example(a, b):
    """The book chapter “VAE, GAN and variants”'s exp(a, b): (p, q, KL(p||q), JS(p, q)) after float32 normalisation."""
    p, q = normalise_float32(a), normalise_float32(b)
    return p, q, kl_divergence(p, q), js_divergence(p, q)


def truncate(x: float, decimals: int) -> str:
    """x cut (towards zero) to `decimals` decimals, as the seed's printed values are."""
    f = 10 ** decimals
    return f"{math.trunc(x * f) / f:.{decimals}f}"


