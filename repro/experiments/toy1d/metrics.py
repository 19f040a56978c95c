"""Theory checks for the 1-D GAN (Goodfellow et al. 2014, Prop. 1 and Thm. 1; seeds 002-004).

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


def train_optimal_d(sample_real, sample_fake, steps, hidden, batch, seed):
    """A fresh MLP D (tanh hidden layers, sigmoid output) trained with Adam on BCE until (near) convergence;
    returns a numpy function x -> D(x). Fresh samples every step, so it cannot overfit a finite set."""
    import tensorflow as tf

    init = lambda i: keras.initializers.GlorotUniform(seed=seed * 1000 + i)  # noqa: E731  fresh numbers per layer
    d = keras.Sequential([keras.Input((1,))] + [keras.layers.Dense(u, "tanh", kernel_initializer=init(i))
                                                for i, u in enumerate(hidden)]
                         + [keras.layers.Dense(1, kernel_initializer=init(len(hidden)))])
    lr = keras.optimizers.schedules.CosineDecay(1e-2, steps, alpha=0.01)
    opt = keras.optimizers.Adam(lr)
    rng = np.random.default_rng(seed)
    reals = sample_real(steps * batch, rng).astype(np.float32).reshape(steps, batch, 1)
    fakes = sample_fake(steps * batch, rng).astype(np.float32).reshape(steps, batch, 1)

    @tf.function
    def step(xr, xf):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.softplus(-d(xr))) + tf.reduce_mean(tf.nn.softplus(d(xf)))
        grads = tape.gradient(loss, d.trainable_variables)
        opt.apply_gradients(zip(grads, d.trainable_variables))
        return loss

    for i in range(steps):
        step(reals[i], fakes[i])
    return lambda x: 1.0 / (1.0 + np.exp(-keras.ops.convert_to_numpy(d(np.reshape(x, (-1, 1)).astype(np.float32)))[:, 0]))


def fixed_g_check(g_of_z, z_range, mu, sigma, x_grid, support, steps, hidden, batch, seed, n_density=1_000_000,
                  n_value=200_000):
    """Train a fresh D against a fixed G; compare with D* = p_data / (p_data + p_g) over `support`."""
    z_fine = np.linspace(-z_range, z_range, n_density)
    p_g = density_on_grid(g_of_z(z_fine), x_grid)
    p_data = stats.norm.pdf(x_grid, mu, sigma)
    d_star = p_data / (p_data + p_g)
    d_fn = train_optimal_d(lambda n, rng: rng.normal(mu, sigma, n),
                           lambda n, rng: g_of_z(rng.uniform(-z_range, z_range, n)), steps, hidden, batch, seed)
    d_hat = d_fn(x_grid)
    err = np.abs(d_hat - d_star)[support]
    # V(G, D) of the trained D on fresh samples, against its maximum over all D: C(G) = -log 4 + 2 JSD
    rng = np.random.default_rng(seed + 1)
    eps = 1e-7
    value = float(np.mean(np.log(np.clip(d_fn(rng.normal(mu, sigma, n_value)), eps, 1)))
                  + np.mean(np.log(np.clip(1 - d_fn(g_of_z(rng.uniform(-z_range, z_range, n_value))), eps, 1))))
    jsd = jsd_on_grid(p_data, p_g, x_grid)
    x_max = x_grid[support][err.argmax()]
    near = np.abs(x_grid - x_max) <= 0.05
    return {"d_star_jump_near_max": float(d_star[near].max() - d_star[near].min()),"max_abs_error": float(err.max()), "mean_abs_error": float(err.mean()),
            "x_at_max_error": float(x_grid[support][err.argmax()]), "jsd": jsd, "c_of_g": -LOG4 + 2 * jsd,
            "value_trained_d": value,
            "curves": {"d_trained": d_hat, "d_star": d_star, "p_g": p_g}}


def theory_checks(model, splits, n_value=100_000, curve_points=250):
    """Numbers and compact curves for results/runs/*.json: the end state against the theory, and the
    fixed-G check for G at the start and at the end of training."""
    p = model.params
    mu, sigma, zr = p["mu"], p["sigma"], p["z_range"]
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

    def g_end(z):
        return model.generate_from_z(z)

    def g_start(z):  # G before training, from the snapshot of G on the z grid
        return np.interp(z, model.z_grid, curves["start"][1])

    checks = {}
    for name, g in (("start", g_start), ("end", g_end)):
        checks[name] = fixed_g_check(g, zr, mu, sigma, x, support, p["theory_d_steps"], p["theory_d_hidden"],
                                     p["theory_batch"], model.seed + 7)
    jsd_end = checks["end"]["jsd"]
    keep = np.linspace(0, len(x) - 1, curve_points).round().astype(int)

    def compact(a):
        return [round(float(v), 5) for v in np.asarray(a)[keep]]

    p_data = stats.norm.pdf(x, mu, sigma)
    steps_done = int(keras.ops.convert_to_numpy(model.step))
    out = {
        "mu": mu, "sigma": sigma, "pretrain_steps": p["pretrain_steps"],
        "steps_per_epoch": model.cfg["train"]["steps_per_epoch"],
        "gan_iterations": max(0, steps_done - p["pretrain_steps"]),
        "support": [mu - 2 * sigma, mu + 2 * sigma],
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
            **{f"fixed_g_{k}_{c}": compact(v["curves"][c]) for k, v in checks.items() for c in ("d_trained", "d_star")},
        },
    }
    return out
