"""Report sections for the course documents' MNIST models: VAE and autoencoder; conditional GAN and WGAN.

Numbers come from results/runs/*.json (written by `python -m repro evaluate`); nothing here trains.
"""
from __future__ import annotations

import math

from repro.results import load_runs, row

TRAIN = "python -m repro train paper_configs/{}.yaml --profile quick, then python -m repro evaluate runs/{}-quick"


def _latest(runs, experiment):
    """The run of `experiment` to report: the longest profile present (paper > quick > smoke)."""
    cand = [s for s in runs.values() if s["experiment"] == experiment and s["profile"] != "smoke"]
    order = {"paper": 0, "quick": 1, "default": 2}
    return min(cand, key=lambda s: (order.get(s["profile"], 3), s["run"])) if cand else None


def reported_run(experiment):
    """fn(results_dir) -> the name of the run the report's rows of `experiment` come from (None: none evaluated)."""
    def find(results_dir):
        s = _latest(load_runs(results_dir), experiment)
        return s["run"] if s else None
    return find


def label_accuracy(summary):
    """(share of samples the classifier labels as requested, its binomial standard error)."""
    m = summary.get("metrics") or {}
    if m.get("requested_label_accuracy") is None:
        return None
    acc, n = m["requested_label_accuracy"], m["samples"]["n"]
    return acc, math.sqrt(acc * (1 - acc) / n)


def classifier_score(summary):
    """The classifier score of the final samples; no standard error is recorded (verify then asks for the
    recorded digits)."""
    m = (summary.get("metrics") or {}).get("samples") or {}
    return (m["classifier_score"], None) if m.get("classifier_score") is not None else None


def _where(s):
    spe = s.get("seconds_per_epoch_median")
    return (f"{s['run']}: {s['profile']} profile, {s['epochs_trained']} epochs"
            + (f" ({spe:.0f} s/epoch median on the shared 2-core CPU)" if spe else "")
            + f", {s['checkpoint']['checkpoint']} checkpoint")


def _evidence(s):
    """What a claim's evidence is, in the results-at-a-glance table: seed, length and profile of the run."""
    return f"seed {(s.get('recipe') or {}).get('seed', '?')}, {s.get('epochs_trained', '?')} epochs ({s.get('profile')} profile)"


def _fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def _parzen(s):
    p = s.get("parzen")
    return f"{p['ll']:.1f} ± {p['se']:.1f} (σ = {p['sigma']:.3f})" if p else "—"


def vae_autoencoder_section(results_dir):
    runs = load_runs(results_dir)
    vae2, vae20, ae = (_latest(runs, e) for e in ("vae_mnist", "vae_latent20_mnist", "autoencoder_mnist"))
    rows = []
    text = ["## VAE and autoencoder", "",
            "The VAE of Kingma & Welling (2014) as the book chapter “VAE, GAN and variants” and the course notes "
            "“19. Generative Models” derive it; the plain autoencoder of Lecture 8 “Generative Models”.", "",
            "`vae_mnist` has a 2-D latent (the manifold figures); `vae_latent20_mnist` the same recipe with a 20-d "
            "latent (the numbers); `autoencoder_mnist` is the 20-d VAE without the KL term and the noisy code. "
            "Bernoulli decoder on grey-level pixels in [0, 1] (not binarised), so the bounds are in nats of that "
            "Bernoulli likelihood and not comparable with binarised-MNIST tables. ELBO with the KL in closed form; "
            "IW = importance-weighted estimate log 1/k Σ p(x|z_i)p(z_i)/q(z_i|x) (Burda et al. 2016), a tighter "
            "lower bound. Classifier metrics (the suite's MNIST classifier) on 10,000 decoder means at z ~ N(0, I).",
            "", "| run | latent | test ELBO (nats) | IW estimate (nats) | E log p(x\\|z) | KL | Parzen | "
            "classifier score | Fréchet distance |", "|---|---|---|---|---|---|---|---|---|"]
    for s in (vae2, vae20):
        if s is None:
            continue
        b, m = s["metrics"]["test_bounds"], s["metrics"]["prior_samples"]
        text.append(f"| {s['run']} | {s['metrics']['latent_dim']} | {b['elbo']:.2f} ± {b['elbo_se']:.2f} | "
                    f"{b['iw_ll']:.2f} ± {b['iw_ll_se']:.2f} (k = {b['k']}) | {b['reconstruction']:.2f} | "
                    f"{b['kl']:.2f} | {_parzen(s)} | {m['classifier_score']:.2f} | {m['frechet_distance']:.2f} |")
        gap = b["iw_ll"] - b["elbo"]
        rows.append(row(f"vae.iw_above_elbo.{s['run']}", "Burda et al. 2016, Thm. 1: ELBO = L_1 ≤ L_k ≤ log p(x)",
                        "IW estimate ≥ ELBO", round(b["iw_ll"], 2), f"IW − ELBO ≥ 0 (ELBO {b['elbo']:.2f})",
                        "PASS" if gap >= 0 else "FAIL",
                        f"{_where(s)}; IW (k = {b['k']}) − ELBO = {gap:+.2f} nats on {b['n_test']} test images",
                        runs=_evidence(s)))
    if ae is not None:
        m = ae["metrics"]
        for key, what in (("prior_samples", "z ~ N(0, I)"), ("fitted_gaussian_samples",
                                                             "z ~ Gaussian fitted to the training codes"),
                          ("test_reconstructions", "reconstructions of test digits")):
            q = m[key]
            text.append(f"| {ae['run']} ({what}) | {m['latent_dim']} | — | — | "
                        f"{-m['test_reconstruction_nats']:.2f} | — | — | {q['classifier_score']:.2f} | "
                        f"{q['frechet_distance']:.2f} |")
    for name, s in (("vae_mnist", vae2), ("vae_latent20_mnist", vae20), ("autoencoder_mnist", ae)):
        if s is None:
            text.append(f"\n{name}: NOT RUN ({TRAIN.format(name, name)}).")
    if ae is not None and vae20 is not None:
        a, v = ae["metrics"]["prior_samples"], vae20["metrics"]["prior_samples"]
        st = ae["metrics"]["train_code_stats"]
        ok = v["frechet_distance"] < a["frechet_distance"] and v["classifier_score"] > a["classifier_score"]
        rows.append(row("ae_vs_vae.prior_samples", "the course notes “19. Generative Models” (autoencoders): sampling an AE's latent from a normal "
                        "distribution 'will probably produce rubbish'; the VAE's prior is what its codes are fitted to",
                        "VAE better than AE at z ~ N(0, I)",
                        f"FD {v['frechet_distance']:.1f} vs {a['frechet_distance']:.1f}; "
                        f"score {v['classifier_score']:.2f} vs {a['classifier_score']:.2f}",
                        "VAE: lower Fréchet distance and higher classifier score", "PASS" if ok else "FAIL",
                        f"{_where(vae20)} vs {_where(ae)}; 10,000 samples each, both 20-d latents"))
        fit = ae["metrics"]["fitted_gaussian_samples"]
        text += ["", "**Why the autoencoder's latent space cannot be sampled from N(0, I)** (measured above). Nothing "
                 "in the autoencoder's loss says where its codes should lie: they sit wherever reconstruction put "
                 f"them. In `{ae['run']}` the training codes have mean norm {st['mean_norm']:.2f}, per-dimension "
                 f"standard deviations from {st['std_min']:.2f} to {st['std_max']:.2f} and a median norm of "
                 f"{st['median_code_norm']:.2f}, against {st['prior_median_norm']:.2f} for N(0, I) draws; the "
                 "decoder was never trained on most of the points a standard normal produces, and its outputs there "
                 f"are not digits the classifier recognises with confidence (classifier score {a['classifier_score']:.2f}, "
                 f"Fréchet distance {a['frechet_distance']:.1f}). The VAE's KL term pulls every posterior q(z|x) "
                 "towards N(0, I) and its noisy code forces the decoder to work on whole neighbourhoods of "
                 "the codes, so the prior covers the region the decoder knows: its N(0, I) samples score "
                 f"{v['classifier_score']:.2f} (Fréchet distance {v['frechet_distance']:.1f}). Sampling the "
                 "autoencoder from a Gaussian fitted to its own training codes instead gives score "
                 f"{fit['classifier_score']:.2f} (Fréchet distance {fit['frechet_distance']:.1f}): the mismatch "
                 "of the prior, not the decoder, is what makes N(0, I) samples poor."]
    else:
        rows.append(row("ae_vs_vae.prior_samples", "the course notes “19. Generative Models” (autoencoders)", "VAE better than AE at z ~ N(0, I)",
                        None, "—", "NOT RUN", "needs both runs: " + TRAIN.format("autoencoder_mnist", "autoencoder_mnist")
                        + "; and the same for vae_latent20_mnist"))
    v2, v20, a = (s["run"] if s else f"{e}-quick" for s, e in ((vae2, "vae_mnist"), (vae20, "vae_latent20_mnist"),
                                                                 (ae, "autoencoder_mnist")))
    text += ["", f"Runs: {'; '.join(_where(s) for s in (vae2, vae20, ae) if s)}.", "",
             f"Figures (results/figures/): `{v2}-samples.png` (the book chapter “VAE, GAN and variants” fig. 10-2), `{v2}-manifold.png` (fig. 10-4: "
             f"the decoded latent plane), `{v2}-latent_codes.png` (test digits in the latent plane, by label), "
             f"`{v20}-samples.png`, `{v20}-latent_codes.png`, `{a}-reconstructions.png`, `{a}-latent_codes.png` "
             f"(codes with N(0, I) draws, PCA), `{a}-prior_samples.png`.", ""]
    return "\n".join(text), rows


def _spearman(a, b):
    from scipy.stats import spearmanr

    r = spearmanr(a, b)
    return float(r.statistic), float(r.pvalue)


def wgan_paper_rows(wgan, results_dir, score_bar=8.0):
    """The paper-profile run's final samples against the bars fixed in paper_configs/wgan_mnist.yaml."""
    from repro.quick_bands import load_bands

    m = wgan["metrics"]["samples"]
    band = (load_bands(results_dir).get("experiments") or {}).get("wgan_mnist", {})
    quick_fd = band.get("metrics.samples.frechet_distance", {}).get("values") or []
    if quick_fd:
        limit = min(quick_fd)
        improves = row("wgan.paper_length_improves", "a run of the paper's length gives better samples "
                       "than the quick profile", f"< {limit:.1f}", round(m["frechet_distance"], 2),
                       f"below the lowest of {len(quick_fd)} quick runs", "PASS" if m["frechet_distance"] < limit
                       else "FAIL", f"{_where(wgan)}; Fréchet distance of {m['n']:,} samples (classifier features); "
                       f"quick band {', '.join(f'{v:.1f}' for v in quick_fd)} (results/quick_bands.json)")
    else:
        improves = row("wgan.paper_length_improves", "our bar", "—", round(m["frechet_distance"], 2), "—",
                       "NOT RUN", "no quick band for wgan_mnist in results/quick_bands.json to compare with")
    digits = row("wgan.samples_are_digits", "our bar (the WGAN paper gives no MNIST number)",
                 f"≥ {score_bar}", round(m["classifier_score"], 3), f"classifier score ≥ {score_bar}",
                 "PASS" if m["classifier_score"] >= score_bar else "FAIL",
                 f"{_where(wgan)}; {m['n']:,} samples, the suite's MNIST classifier", runs=_evidence(wgan))
    return [improves, digits]


def cgan_wgan_section(results_dir):
    runs = load_runs(results_dir)
    cgan, wgan = _latest(runs, "cgan_mnist"), _latest(runs, "wgan_mnist")
    rows, text = [], ["## Conditional GAN and WGAN with weight clipping", "",
                      "The conditional GAN (Mirza & Osindero 2014) of Lecture 9 “Generative Adversarial Networks” and "
                      "the course notes “19. Generative Models”; the WGAN (Arjovsky et al. 2017) of the same notes.", ""]
    bar = 0.90
    if cgan is not None:
        m = cgan["metrics"]
        acc = m["requested_label_accuracy"]
        per = ", ".join(f"{d}: {100 * a:.0f}%" for d, a in enumerate(m["requested_label_accuracy_per_digit"]))
        text += [f"**{_where(cgan)}**, label input: {m['label_input']}. The suite's classifier "
                 f"assigns the requested label to {100 * acc:.1f}% of 10,000 samples (labels 0–9 balanced; per digit "
                 f"{per}); classifier score {m['samples']['classifier_score']:.2f}, Fréchet distance "
                 f"{m['samples']['frechet_distance']:.2f}, Parzen {_parzen(cgan)}. Figure: "
                 f"`results/figures/{cgan['run']}-rows_by_label.png`."]
        q = [r for r in m.get("monitor", []) if r.get("requested_label_accuracy") is not None]
        if q:
            acc_q = [r["requested_label_accuracy"] for r in q]
            best = max(q, key=lambda r: r["requested_label_accuracy"])
            first = next((r["epoch"] for r in q if r["requested_label_accuracy"] >= bar), None)
            tail = acc_q[-10:]
            text += ["", f"Per epoch ({m['monitor_samples']} label-balanced samples from fixed noise, the same "
                     f"classifier): {100 * acc_q[0]:.1f}% after epoch {q[0]['epoch']}, "
                     + (f"first ≥ {100 * bar:.0f}% after epoch {first}, " if first else
                        f"never ≥ {100 * bar:.0f}%, ")
                     + f"highest {100 * best['requested_label_accuracy']:.1f}% (epoch {best['epoch']}), last "
                     f"{len(tail)} monitored epochs {100 * min(tail):.1f}–{100 * max(tail):.1f}%. Figure: "
                     f"`results/figures/{cgan['run']}-label_accuracy_vs_epoch.png`."]
        text += ["", "Run length: Mirza & Osindero (2014, §4.1) trained their MNIST model with SGD (minibatch 100, lr "
                 "0.1 decayed by 1.00004 per step to 1e-6, momentum 0.5 → 0.7, dropout 0.5) and stopped at the best "
                 "validation log-likelihood; they give no epoch count. The paper profile here is the common MLP "
                 "cGAN's default length (PyTorch-GAN `cgan.py`: 200 epochs) with the config's Adam recipe; the bar "
                 "(≥ 90% on 10,000 samples at the last epoch) was fixed before that run.", ""]
        rows.append(row("cgan.requested_label_accuracy", "Lecture 9 “Generative Adversarial Networks” and the course notes “19. Generative Models” (Mirza & Osindero 2014 fig. 2): each row "
                        "shows the requested digit (a figure, no number)", f"≥ {bar:.2f} (our bar)", round(acc, 4),
                        f"≥ {bar:.2f}", "PASS" if acc >= bar else "FAIL",
                        f"{_where(cgan)}; 10,000 samples, classifier argmax vs requested label", runs=_evidence(cgan)))
    else:
        rows.append(row("cgan.requested_label_accuracy", "Lecture 9 “Generative Adversarial Networks” and the course notes “19. Generative Models”", f"≥ {bar:.2f} (our bar)", None, "—",
                        "NOT RUN", TRAIN.format("cgan_mnist", "cgan_mnist")))
    if wgan is not None:
        m = wgan["metrics"]
        h = [r for r in wgan["history"] if r.get("wasserstein") is not None]
        q = m.get("monitor", [])  # per-epoch sample quality (SampleMonitor epochs count from 1, history from 0)
        estimate = {int(r["epoch"]) + 1: r["wasserstein"] for r in h}
        q = [dict(r, wasserstein=estimate[r["epoch"]]) for r in q if r["epoch"] in estimate]
        first, last = h[0], h[-1]
        text += [f"**{_where(wgan)}**; {m['generator_steps_per_epoch']} generator steps per epoch, "
                 f"each after 5 critic steps. The critic's Wasserstein estimate went from {first['wasserstein']:.4f} "
                 f"(epoch 1) to {last['wasserstein']:.4f} (epoch {int(last['epoch']) + 1}); final samples: classifier "
                 f"score {m['samples']['classifier_score']:.2f}, Fréchet distance {m['samples']['frechet_distance']:.2f} "
                 f"(10,000 samples), Parzen {_parzen(wgan)}. Largest |critic weight| after training: "
                 f"{m['critic_max_abs_weight']:.4g} (c = {m['clip']})."
                 + (f" Per epoch on {m['monitor_samples']} samples: Fréchet distance {q[0]['frechet_distance']:.1f} → "
                    f"{q[-1]['frechet_distance']:.1f}, classifier score {q[0]['classifier_score']:.2f} → "
                    f"{q[-1]['classifier_score']:.2f}." if q else "")
                 + " The estimate is unreliable over the first epochs, while the critic catches up (the WGAN code's "
                 "100-step critic bursts early on, not in Algorithm 1 and not done here, exist for this); whether it "
                 "then follows sample quality is the Spearman row below. The generator's output is linear, as in the "
                 "code, so samples sit on a grey background until it learns the pixel range."
                 + (" This is a quick run (a smoke test of the code): the paper profile is 300 epochs."
                    if wgan["profile"] == "quick" else ""),
                 f"Figures: `results/figures/{wgan['run']}-wasserstein_vs_quality.png`, "
                 f"`results/figures/{wgan['run']}-samples.png`.", ""]
        ok = m["critic_max_abs_weight"] <= m["clip"] * (1 + 1e-6)
        rows.append(row("wgan.weights_clipped", "Arjovsky et al. 2017, Algorithm 1: w ← clip(w, −c, c)", f"≤ {m['clip']}",
                        m["critic_max_abs_weight"], f"≤ c = {m['clip']}", "PASS" if ok else "FAIL", _where(wgan)))
        if len(q) >= 4:
            rho, p = _spearman([r["wasserstein"] for r in q], [r["frechet_distance"] for r in q])
            rows.append(row("wgan.estimate_tracks_quality", "Arjovsky et al. 2017 §4.2, figs. 3-4: the critic's "
                            "estimate correlates with sample quality", "positive correlation",
                            f"Spearman ρ = {rho:.2f} (p = {p:.2g})", "ρ > 0, p < 0.05",
                            "PASS" if rho > 0 and p < 0.05 else "FAIL",
                            f"{_where(wgan)}; epoch means of the estimate vs Fréchet distance of "
                            f"{m['monitor_samples']} samples, {len(q)} epochs", runs=_evidence(wgan)))
        else:
            rows.append(row("wgan.estimate_tracks_quality", "Arjovsky et al. 2017 §4.2", "positive correlation", None,
                            "—", "NOT RUN", "fewer than 4 epochs with classifier metrics; train longer"))
        if wgan["profile"] == "paper":
            rows += wgan_paper_rows(wgan, results_dir)
    else:
        for rid in ("wgan.weights_clipped", "wgan.estimate_tracks_quality"):
            rows.append(row(rid, "Arjovsky et al. 2017", "—", None, "—", "NOT RUN", TRAIN.format("wgan_mnist",
                                                                                              "wgan_mnist")))
    return "\n".join(text), rows
