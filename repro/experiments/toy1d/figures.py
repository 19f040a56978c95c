"""Figures of the 1-D GAN, drawn from results/runs/toy1d*.json alone (the curves are stored there).

Style of Goodfellow et al. 2014, Fig. 1: data density (black, dotted), generator density p_g (green),
discriminator D(x) (blue, dashed)."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from repro.experiments.toy1d.report import D_STAR_LOSS_TOL, JSD_TOL  # noqa: E402
from repro.plotting import save  # noqa: E402
from repro.results import load_runs  # noqa: E402

STATES = (("start", "(a) at the start"), ("pretrained", "(b) after pre-training D"),
          ("end", "(c) after {n:,} iterations"))


def _panel(ax, c, state, title, support):
    x = np.array(c["x"])
    ax.plot(x, c["p_data"], "k:", lw=2, label="$p_{data}$")
    ax.plot(x, c[f"p_g_{state}"], "g-", lw=1.5, label="$p_g$ (histogram of G(z))")
    ax.plot(x, c[f"d_{state}"], "b--", lw=1.5, label="D(x)")
    ax.axhline(0.5, color="0.6", lw=0.6)
    ax.axvspan(*support, color="0.93", zorder=-1)
    ax.set_ylim(0, 1.05)
    ax.set_title(title, fontsize=8)
    ax.tick_params(labelsize=7)


def fig1_panels(summary, path):
    """Fig. 1 (2014 paper) / the report “Generative Adversarial Nets”: start, after D pre-training, after training; and
    the loss curve."""
    m = summary["metrics"]
    c = m["curves"]
    steps = m["steps_per_epoch"]
    pre_epochs = m["pretrain_steps"] // steps
    n_iter = m["gan_iterations"]
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.2))
    for ax, (state, title) in zip(axes[:3], STATES):
        _panel(ax, c, state, title.format(n=n_iter), m["support"])
    axes[0].legend(fontsize=6, loc="upper right")
    axes[2].text(0.02, 0.97, f"max |D − ½| on the shaded μ ± 2σ: {m['d_end_max_abs_dev_from_half']:.3f}\n"
                             f"V(G, D) = {m['value_function']:.3f} (−log 4 = {-math.log(4):.3f})",
                 transform=axes[2].transAxes, fontsize=6, va="top")
    h = summary["history"]
    it = [(e["epoch"] + 1 - pre_epochs) * steps for e in h]
    ax = axes[3]
    ax.plot(it, [e["d_loss"] for e in h], label="D: −V = −(log D(x) + log(1 − D(G(z))))")
    ax.plot(it, [e["g_loss"] for e in h], label="G: −log D(G(z))")
    ax.axhline(math.log(4), color="b", ls=":", lw=0.8, label="log 4 (equilibrium of −V)")
    ax.axhline(math.log(2), color="orange", ls=":", lw=0.8, label="log 2 (G's loss at D = ½)")
    ax.axvspan(min(it[0], 0) - steps, 0, color="0.9", label="D pre-training (losses monitored only)")
    ax.set_xlabel("GAN iteration", fontsize=7)
    ax.set_title(f"(d) training loss (mean over each {steps} iterations)", fontsize=8)
    ax.set_ylim(0, max(3.0, min(6.0, max(e["d_loss"] for e in h))))
    ax.legend(fontsize=5.5)
    ax.tick_params(labelsize=7)
    fig.suptitle(f"Goodfellow et al. 2014, Fig. 1 / the report “Generative Adversarial Nets” "
                 f"(toy GAN on N({m['mu']:g}, {m['sigma']:g}²)), run {summary['run']}", fontsize=9)
    return save(fig, path)


def _support_span(ax, x, mask, **kw):
    """Shade the runs of x where mask is 1 (the fixed-G check's support)."""
    inside = np.asarray(mask) > 0.5
    edges = np.flatnonzero(np.diff(np.concatenate([[0], inside.astype(int), [0]])))
    for a, b in zip(edges[::2], edges[1::2]):
        ax.axvspan(x[a], x[b - 1], **kw)


def fixed_g_title(title, f):
    """The title of one fixed-G panel: JSD, where p_g is empty, D's error against D* and its loss gap."""
    gap, uncovered = f.get("loss_gap"), f.get("data_mass_where_p_g_is_zero")
    return (f"{title}, JSD = {f['jsd']:.4f}"
            + (f"; {100 * uncovered:.1f}% of p_data where p_g = 0" if uncovered is not None else "")
            + f"\nmax |D − D*| on the shaded support {f['max_abs_error']:.3f} (mean {f['mean_abs_error']:.3f})"
            + (f"\nloss of D − optimum there: {gap:.2g} nats" if gap is not None else "")
            + (f" (D: {f['d_steps']:,} Adam steps, {'converged' if f['d_converged'] else 'NOT converged'})"
               if "d_converged" in f else ""))


def fixed_g_figure(summary, path, jsd_tol=None, loss_tol=None):
    """Prop. 1 (2014 paper): for a fixed G, a D trained to convergence against D* = p_data / (p_data + p_g),
    with the excess loss density (where D falls short of D*: gaps and piles of p_g), and JSD over training."""
    m = summary["metrics"]
    c = m["curves"]
    x = np.array(c["x"])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.0))
    for ax, state, title in zip(axes, ("start", "end"), ("G at the start (untrained)", "G after training")):
        f = m["fixed_g"][state]
        if f"fixed_g_{state}_support" in c:
            _support_span(ax, x, c[f"fixed_g_{state}_support"], color="0.93", zorder=-1)
        ax.plot(x, c["p_data"], "k:", lw=2, label="$p_{data}$")
        ax.plot(x, np.minimum(c[f"p_g_{state}"], 1.05), "g-", lw=1, label="$p_g$ (numerical, clipped at 1.05)")
        ax.plot(x, c[f"fixed_g_{state}_d_star"], "r-", lw=2.5, alpha=0.5, label="D* = $p_{data}/(p_{data}+p_g)$")
        ax.plot(x, c[f"fixed_g_{state}_d_trained"], "b--", lw=1.5, label="D trained to convergence")
        if f"fixed_g_{state}_excess" in c:
            ex = np.array(c[f"fixed_g_{state}_excess"])
            ax2 = ax.twinx()
            ax2.fill_between(x, 0, ex, color="m", alpha=0.3, lw=0, label="excess loss density of D")
            ax2.set_ylim(0, max(ex.max() * 3, 1e-4))
            ax2.tick_params(labelsize=6, colors="m")
            ax2.legend(fontsize=6, loc="upper left")
        ax.set_ylim(0, 1.05)
        ax.set_title(fixed_g_title(title, f), fontsize=7)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=6, loc="upper right")
    ax = axes[2]
    pre = m["pretrain_steps"] // m["steps_per_epoch"]
    pts = [((h["epoch"] + 1 - pre) * m["steps_per_epoch"], h["jsd"]) for h in summary["history"]
           if h.get("jsd") is not None and h["epoch"] + 1 > pre]
    if pts:
        it, j = zip(*pts)
        ax.semilogy(it, np.maximum(j, 1e-6), "g-", lw=1,
                    label=f"JSD(p_data ‖ p_g) after each {m['steps_per_epoch']} iterations")
    if jsd_tol is not None:
        ax.axhline(jsd_tol, color="k", ls="--", lw=0.8, label=f"tolerance {jsd_tol:g}")
    ax.set_xlabel("GAN iteration", fontsize=7)
    ax.set_title("(JSD during training: does p_g approach p_data?)", fontsize=8)
    ax.legend(fontsize=6)
    ax.tick_params(labelsize=7)
    fig.suptitle(f"Goodfellow et al. 2014, Prop. 1 and Thm. 1: the optimal discriminator for a fixed G (shaded: "
                 f"p_data + p_g ≥ 1% of its peak), run {summary['run']}", fontsize=9, y=1.06)
    return save(fig, path)


def toy1d_summary_figures(results_dir):
    out = []
    for s in load_runs(results_dir).values():
        if s.get("model") != "toy1d" or "curves" not in (s.get("metrics") or {}):
            continue
        figdir = Path(results_dir) / "figures"
        out.append(fig1_panels(s, figdir / f"{s['run']}-fig1.png"))
        out.append(fixed_g_figure(s, figdir / f"{s['run']}-fixed_g.png", JSD_TOL, D_STAR_LOSS_TOL))
    return out
