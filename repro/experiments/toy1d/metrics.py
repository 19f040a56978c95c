"""Theory checks for the 1-D GAN (Goodfellow et al. 2014, Prop. 1 and Thm. 1; the course documents).

For a fixed G, the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)); at p_g = p_data it is
1/2 and the value function V(G, D*) = C(G) = -log 4 + 2 JSD(p_data || p_g). Densities of G are computed
numerically: G maps a fine grid of z (the uniform prior) to x, and a histogram of those x is p_g.
"""
from __future__ import annotations

import math

import keras
import numpy as np
from scipy import stats

LOG4 = math.log(4.0)


def density_on_grid(samples, x_grid, bins_per_cell=4):
    """Histogram density of `samples` evaluated on `x_grid` (bins `bins_per_cell` grid cells wide)."""
    step = (x_grid[-1] - x_grid[0]) / (len(x_grid) - 1) * bins_per_cell
    edges = np.arange(x_grid[0] - step / 2, x_grid[-1] + step, step)
    hist, edges = np.histogram(samples, bins=edges, density=False)
    dens = hist / (len(samples) * step)
    centres = 0.5 * (edges[1:] + edges[:-1])
    return np.interp(x_grid, centres, dens)


def jsd_on_grid(p, q, x_grid):
    """JSD(p || q) in nats from two densities on an even grid (trapezoid rule)."""
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kp = np.where(p > 0, p * np.log(p / m), 0.0)
        kq = np.where(q > 0, q * np.log(q / m), 0.0)
    return float(0.5 * (np.trapezoid(kp, x_grid) + np.trapezoid(kq, x_grid)))


def jsd_numerical(g_samples, mu, sigma, x_grid):
    """JSD(N(mu, sigma^2) || p_g) with p_g the histogram of `g_samples` (a quantile grid of the prior mapped
    through G) on `x_grid`. Mass of either density outside the grid is counted at its largest possible
    contribution, log(2)/2 per unit of mass (as if the other density were 0 there). Returns
    (jsd, p_data, p_g, p_g mass outside the grid)."""
    g_samples = np.asarray(g_samples, np.float64)
    p_data = stats.norm.pdf(x_grid, mu, sigma)
    p_g = density_on_grid(g_samples, x_grid)
    g_out = float(np.mean((g_samples < x_grid[0]) | (g_samples > x_grid[-1])))
    data_out = float(stats.norm.cdf(x_grid[0], mu, sigma) + stats.norm.sf(x_grid[-1], mu, sigma))
    return jsd_on_grid(p_data, p_g, x_grid) + 0.5 * math.log(2) * (g_out + data_out), p_data, p_g, g_out


def quadrature_d_trainer(x_grid, p_data, p_g, hidden, seed, lr=1e-2, alpha=0.01):
    """A fresh MLP D (tanh hidden layers, sigmoid output) trained by full-batch Adam on the expected loss
    -E_data log D - E_g log(1 - D) computed by quadrature on `x_grid`: no sampling noise, so its loss can
    be compared with the optimum to 1e-3. Returns train(steps) -> D on the grid; every call starts again from
    the same initial weights and a fresh Adam, with the learning rate cosine-decayed from `lr` to
    `alpha` x `lr` over `steps` (as keras' CosineDecay). One network and one compiled loop serve every
    length, so trying several lengths does not retrace."""
    import tensorflow as tf

    dx = float(x_grid[1] - x_grid[0])
    scale = float(np.max(np.abs(x_grid)))
    init = lambda i: keras.initializers.GlorotUniform(seed=seed * 1000 + i)  # noqa: E731  fresh numbers per layer
    d = keras.Sequential([keras.Input((1,))] + [keras.layers.Dense(u, "tanh", kernel_initializer=init(i))
                                                for i, u in enumerate(hidden)]
                         + [keras.layers.Dense(1, kernel_initializer=init(len(hidden)))])
    rate = tf.Variable(lr, dtype=tf.float32, trainable=False)
    opt = keras.optimizers.Adam(lambda: rate)
    xs = tf.constant((x_grid / scale).reshape(-1, 1), tf.float32)
    w_data, w_g = tf.constant(p_data * dx, tf.float32), tf.constant(p_g * dx, tf.float32)
    opt.build(d.trainable_variables)
    initial = [w.numpy() for w in d.weights]

    @tf.function
    def fit(steps):
        for i in tf.range(steps):
            progress = tf.cast(i, tf.float32) / tf.cast(steps, tf.float32)
            rate.assign(lr * ((1 - alpha) * 0.5 * (1 + tf.cos(math.pi * progress)) + alpha))
            with tf.GradientTape() as tape:
                logit = d(xs)[:, 0]
                loss = tf.reduce_sum(w_data * tf.nn.softplus(-logit) + w_g * tf.nn.softplus(logit))
            opt.apply_gradients(zip(tape.gradient(loss, d.trainable_variables), d.trainable_variables))

    def train(steps):
        for w, value in zip(d.weights, initial):
            w.assign(value)
        for v in opt.variables:  # step counter and Adam's moments: all start at zero
            v.assign(tf.zeros_like(v))
        fit(tf.constant(steps, tf.int64))
        logit = keras.ops.convert_to_numpy(d(xs))[:, 0].astype(np.float64)
        return 1.0 / (1.0 + np.exp(-logit))

    return train


def _intervals(x_grid, mask):
    """The runs of `mask` as [[x_first, x_last], ...]."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return [[float(x_grid[a]), float(x_grid[b - 1])] for a, b in zip(edges[::2], edges[1::2])]


def fixed_g_check(g_samples, mu, sigma, x_grid, steps, hidden, seed, support_fraction=0.01, max_steps=None,
                  converged_change=1e-4):
    """Prop. 1 for a fixed G (given by `g_samples`, a quantile grid of the prior through G): a fresh D trained
    to convergence against D* = p_data / (p_data + p_g), on the support where p_data + p_g is at least
    `support_fraction` of its peak. D's loss there, L_S(D) = -int_S p_data log D + p_g log(1 - D), is set
    against the optimum L_S(D*) (= log 4 - 2 JSD when S holds all the mass).

    "Trained to convergence" is a rule, not a step count: D is trained for `steps`, then afresh for
    twice as many, and so on, until doubling the training changes its loss on the support by less than
    `converged_change` nats (so the loss has stopped falling, whatever its distance to the optimum), or the
    next length would pass `max_steps` (then `d_converged` is False and the report says so). Every length
    tried and its loss gap are returned, so the row can show how the loss settled."""
    jsd, p_data, p_g, g_out = jsd_numerical(g_samples, mu, sigma, x_grid)
    total = p_data + p_g
    support = total >= support_fraction * total.max()
    with np.errstate(divide="ignore", invalid="ignore"):
        d_star = np.where(total > 0, p_data / total, 0.5)
    dx = float(x_grid[1] - x_grid[0])
    eps = 1e-12

    def loss_on_support(d):
        return float(-np.sum((p_data * np.log(np.clip(d, eps, 1))
                              + p_g * np.log(np.clip(1 - d, eps, 1)))[support]) * dx)

    loss_opt = loss_on_support(d_star)
    max_steps = max_steps or steps
    tried, converged = [], False
    train_d = quadrature_d_trainer(x_grid, p_data, p_g, hidden, seed)
    while True:
        d_hat = train_d(steps)
        loss_d = loss_on_support(d_hat)
        tried.append({"steps": steps, "loss_gap": loss_d - loss_opt})
        if len(tried) > 1 and abs(tried[-2]["loss_gap"] - tried[-1]["loss_gap"]) < converged_change:
            converged = True
            break
        if 2 * steps > max_steps:
            break
        steps *= 2
    err = np.abs(d_hat - d_star)[support]
    xs = x_grid[support]
    x_max = xs[err.argmax()]
    near = np.abs(x_grid - x_max) <= 0.05
    # where D falls short: the pointwise excess loss (p_data + p_g) KL(D* || D), for the figure
    with np.errstate(divide="ignore", invalid="ignore"):
        excess = np.where(support, p_data * np.log(np.clip(d_star, eps, 1) / np.clip(d_hat, eps, 1))
                          + p_g * np.log(np.clip(1 - d_star, eps, 1) / np.clip(1 - d_hat, eps, 1)), 0.0)
    return {"d_star_jump_near_max": float(d_star[near].max() - d_star[near].min()),
            "max_abs_error": float(err.max()), "mean_abs_error": float(err.mean()), "x_at_max_error": float(x_max),
            "support": [float(xs.min()), float(xs.max())], "support_intervals": _intervals(x_grid, support),
            "support_fraction": support_fraction,
            "support_mass_data": float(np.sum(p_data[support]) * dx),
            "support_mass_g": float(np.sum(p_g[support]) * dx),
            "jsd": jsd, "c_of_g": -LOG4 + 2 * jsd, "p_g_mass_outside_grid": g_out,
            # the share of p_data that G never reaches (p_g = 0 there): a gap no training of D can close
            "data_mass_where_p_g_is_zero": float(np.sum(p_data[p_g <= 0]) * dx),
            "loss_trained_d": loss_d, "loss_optimal_d": loss_opt, "loss_gap": loss_d - loss_opt,
            "log4_minus_2jsd": LOG4 - 2 * jsd, "d_steps": steps, "d_steps_tried": tried,
            "d_converged": converged, "d_converged_change": converged_change, "d_max_steps": max_steps,
            "curves": {"d_trained": d_hat, "d_star": d_star, "p_g": p_g, "excess": excess,
                       "support": support.astype(float)}}


def theory_checks(model, splits, n_value=100_000, curve_points=250, n_density=1_000_000, support_fraction=0.01):
    """Numbers and compact curves for results/runs/*.json: the end state against the theory, and the
    fixed-G check for G at the start and at the end of training."""
    p = model.params
    mu, sigma = p["mu"], p["sigma"]
    x = model.x_grid.astype(np.float64)
    support = (x >= mu - 2 * sigma) & (x <= mu + 2 * sigma)
    curves = model.curves()
    d_end = curves["end"][0]
    dev = np.abs(d_end[support] - 0.5)

    real = splits.test[:n_value, 0]
    fake = model.generate(n_value, seed=2015)["samples"]
    d_real = keras.ops.convert_to_numpy(model.d_prob(real))
    d_fake = keras.ops.convert_to_numpy(model.d_prob(fake))
    value = float(np.mean(np.log(d_real)) + np.mean(np.log(1.0 - d_fake)))

    z_fine = model.prior_quantiles(n_density)
    g_of = {"start": np.interp(z_fine, model.z_grid, curves["start"][1]),  # G before training, from its snapshot
            "end": model.generate_from_z(z_fine)}
    checks = {name: fixed_g_check(g_of[name], mu, sigma, x, p["theory_d_steps"], p["theory_d_hidden"],
                                  model.seed + 7, support_fraction, p["theory_d_max_steps"])
              for name in ("start", "end")}
    jsd_end = checks["end"]["jsd"]
    keep = np.linspace(0, len(x) - 1, curve_points).round().astype(int)

    def compact(a):
        return [round(float(v), 5) for v in np.asarray(a)[keep]]

    p_data = stats.norm.pdf(x, mu, sigma)
    steps_done = int(model.step.numpy())
    out = {
        "mu": mu, "sigma": sigma, "pretrain_steps": p["pretrain_steps"],
        "steps_per_epoch": model.cfg["train"]["steps_per_epoch"],
        "gan_iterations": max(0, steps_done - p["pretrain_steps"]),
        "support": [mu - 2 * sigma, mu + 2 * sigma],
        "theory_d_hidden": list(p["theory_d_hidden"]), "support_fraction": support_fraction,
        "d_end_max_abs_dev_from_half": float(dev.max()),
        "d_end_mean_abs_dev_from_half": float(dev.mean()),
        "value_function": value,
        "minus_log4": -LOG4,
        "value_minus_minus_log4": value + LOG4,
        "jsd_data_g_end": jsd_end,
        "c_of_g_end": -LOG4 + 2 * jsd_end,  # the value the best D would reach against the final G
        "g_mean": float(fake.mean()), "g_std": float(fake.std()),
        "fixed_g": {k: {kk: vv for kk, vv in v.items() if kk != "curves"} for k, v in checks.items()},
        "n_value_samples": n_value,
        "curves": {
            "x": compact(x), "p_data": compact(p_data),
            **{f"d_{s}": compact(curves[s][0]) for s in curves},
            **{f"p_g_{s}": compact(density_on_grid(curves[s][1], x) if s != "end" else checks["end"]["curves"]["p_g"])
               for s in curves},
            **{f"fixed_g_{k}_{c}": compact(v["curves"][c]) for k, v in checks.items()
               for c in ("d_trained", "d_star", "excess", "support")},
        },
    }
    return out
