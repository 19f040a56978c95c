"""Lecture 8 “Generative Models”'s sampling demo: a Lehmer generator, uniforms from it, and other distributions from
those.

Lecture 8 “Generative Models” ("Sampling Problem") gives the multiplicative congruential generator
    X(n+1) = 16807 X(n) mod (2^31 - 1)
(Lehmer / Park-Miller "minimal standard"; from X0 = 1, X10000 = 1043618065), motivates sampling by a
load test whose customer counts are Poisson, and sampling by change of variables. Here:
- `lehmer_sequence` and `lehmer_uniforms` (U = X / m, in (0, 1): X is never 0);
- `poisson_by_inversion`: the smallest k with F(k) >= u, F the Poisson CDF (inverse-CDF sampling);
- `exponential_by_inversion` (x = -ln(1 - u) / rate) and `box_muller` (two uniforms -> two normals);
- `poisson_chi_square` and `ks_check`: goodness of fit against scipy.stats, PASS when p > P_THRESHOLD.
The seed gives no Poisson rate for its load test: POISSON_RATES are ours (customers per period).
"""
from __future__ import annotations

import math

import numpy as np

LEHMER_A = 16807
LEHMER_M = 2 ** 31 - 1
LEHMER_X10000 = 1043618065  # Park & Miller (1988): the 10,000th value from X0 = 1 (docs/references.md §6)
P_THRESHOLD = 0.01          # a goodness-of-fit test passes when its p-value exceeds this
POISSON_RATES = (4.0, 25.0)  # Lecture 8 “Generative Models” names no rate: a small and a large customer rate
N_DRAWS = 10000


def lehmer_sequence(n, x0=1):
    """X(1), ..., X(n) of X(k+1) = 16807 X(k) mod (2^31 - 1), as int64."""
    if not (isinstance(x0, (int, np.integer)) and 0 < x0 < LEHMER_M):
        raise ValueError(f"the Lehmer seed x0 must be an integer in [1, 2^31 - 2]; got {x0!r} (0 would stay 0).")
    out = np.empty(int(n), dtype=np.int64)
    x = int(x0)
    for i in range(int(n)):
        x = (LEHMER_A * x) % LEHMER_M
        out[i] = x
    return out


def lehmer_uniforms(n, x0=1):
    """n uniforms on (0, 1): X(k) / (2^31 - 1) for k = 1..n (never exactly 0 or 1)."""
    return lehmer_sequence(n, x0).astype(np.float64) / LEHMER_M


def poisson_by_inversion(u, rate):
    """Poisson(rate) counts by inversion: for each u, the smallest k with P(K <= k) >= u.

    The CDF is accumulated term by term (p_k = p_(k-1) rate / k), the textbook algorithm; the loop
    runs to the largest count needed by any u."""
    if not rate > 0:
        raise ValueError(f"the Poisson rate must be positive; got {rate!r}.")
    u = np.asarray(u, dtype=np.float64)
    if np.any((u <= 0) | (u >= 1)):
        raise ValueError("inversion needs uniforms strictly inside (0, 1).")
    counts = np.zeros(u.shape, dtype=np.int64)
    pk = math.exp(-rate)
    cdf = pk
    k = 0
    undecided = u > cdf
    while undecided.any():
        k += 1
        pk *= rate / k
        cdf += pk
        counts[undecided] = k
        undecided &= u > cdf
        if k > rate + 50 * math.sqrt(rate) + 100:  # rounding left the CDF just below some u: that u is in the tail
            break
    return counts


def exponential_by_inversion(u, rate=1.0):
    """Exponential(rate) by change of variables: x = -ln(1 - u) / rate."""
    return -np.log1p(-np.asarray(u, dtype=np.float64)) / rate


def box_muller(u1, u2):
    """Two independent N(0, 1) arrays from two uniform arrays on (0, 1): r = sqrt(-2 ln u1), angle 2 pi u2."""
    u1, u2 = np.asarray(u1, dtype=np.float64), np.asarray(u2, dtype=np.float64)
    r = np.sqrt(-2.0 * np.log(u1))
    return r * np.cos(2 * np.pi * u2), r * np.sin(2 * np.pi * u2)


def poisson_chi_square(counts, rate, min_expected=5.0):
    """Pearson chi-square of observed counts against scipy.stats.poisson(rate).pmf.

    Cells k = 0, 1, ... are merged from both ends until every expected count is at least `min_expected`;
    the upper cell holds the whole tail P(K >= k). The rate is known, so degrees of freedom = cells - 1."""
    from scipy import stats  # here, not at the top: scipy.stats takes seconds to import in every process

    counts = np.asarray(counts)
    n = len(counts)
    kmax = int(max(counts.max(), stats.poisson.ppf(1 - 1e-12, rate)))
    ks = np.arange(kmax + 1)
    expected = n * stats.poisson.pmf(ks, rate)
    expected[-1] = n * stats.poisson.sf(kmax - 1, rate)  # the last cell is the tail k >= kmax
    observed = np.bincount(np.minimum(counts, kmax), minlength=kmax + 1).astype(float)
    lo = 0
    while expected[: lo + 1].sum() < min_expected:
        lo += 1
    hi = kmax
    while expected[hi:].sum() < min_expected:
        hi -= 1
    edges = list(range(lo + 1, hi))  # cells: [0..lo], lo+1, ..., hi-1, [hi..]
    obs = [observed[: lo + 1].sum()] + [observed[k] for k in edges] + [observed[hi:].sum()]
    exp = [expected[: lo + 1].sum()] + [expected[k] for k in edges] + [expected[hi:].sum()]
    exp = np.array(exp) * (n / np.sum(exp))  # the cells cover every k, so this only removes rounding
    stat, p = stats.chisquare(np.array(obs), exp)
    return {"statistic": float(stat), "p_value": float(p), "cells": len(obs), "dof": len(obs) - 1}


def ks_check(x, cdf):
    """One-sample Kolmogorov-Smirnov test of x against a scipy distribution name or callable CDF."""
    from scipy import stats

    r = stats.kstest(x, cdf)
    return {"statistic": float(r.statistic), "p_value": float(r.pvalue), "n": int(len(x))}


def run_sampling_demo(n=N_DRAWS, x0=1, rates=POISSON_RATES):
    """Everything the report shows for Lecture 8 “Generative Models”: X10000, uniforms, Poisson counts, exponentials,
    normals."""
    xs = lehmer_sequence(max(10000, 4 * n), x0)
    u = xs.astype(np.float64) / LEHMER_M
    out = {"x10000": int(lehmer_sequence(10000, 1)[-1]), "n": n, "x0": x0, "threshold": P_THRESHOLD}
    # consecutive, non-overlapping stretches of the stream for each use, so no uniform is reused
    out["uniform"] = ks_check(u[:n], "uniform")
    out["poisson"] = {}
    for rate in rates:
        counts = poisson_by_inversion(u[:n], rate)
        out["poisson"][f"{rate:g}"] = {**poisson_chi_square(counts, rate), "mean": float(counts.mean()),
                                "var": float(counts.var())}
    out["exponential"] = ks_check(exponential_by_inversion(u[n:2 * n]), "expon")
    z1, z2 = box_muller(u[2 * n:3 * n:2], u[2 * n + 1:3 * n:2])
    out["normal"] = ks_check(np.concatenate([z1, z2]), "norm")
    return out
