"""A GAN on a 1-D Gaussian (the report “Generative Adversarial Nets”; Goodfellow et al. 2014, Fig. 1, Prop. 1, Thm. 1):
model.py, metrics.py (the theory's checks: D*, C(G), JSD), figures.py and report.py."""
from repro.experiments.toy1d import figures, report
from repro.experiments.toy1d.model import Toy1DGAN
from repro.models.base import own_metrics
from repro.registry import Claim, Evaluator, Experiment, QuickMetric, register

register(Experiment(
    "toy1d",
    models={"toy1d": Toy1DGAN},
    summary_figures=(figures.toy1d_summary_figures,),
    evaluators=(Evaluator("metrics", own_metrics, models=("toy1d",)),),
    history_columns=("d_loss", "g_loss", "d_real", "d_fake"),
    report_sections=(report.toy1d_section,),
    quick_metrics={"toy1d_gaussian": [
        QuickMetric("JSD(p_data, p_g) after training", "metrics.jsd_data_g_end", "lower"),
        QuickMetric("abs(mean of G − μ)", "abs_mean_error", "lower", value=report.abs_mean_error),
    ]},
    claims=(
        Claim("Goodfellow et al. 2014", "Prop. 1: for a fixed G the best D is p_data / (p_data + p_g)",
              ("toy1d.*.fixed_g.*",), reported="D* and the optimal loss", runs="every quick run, G fixed",
              figure="figures/toy1d_gaussian-quick-fixed_g.png",
              section="Toy GAN on a 1-D Gaussian"),
        Claim("Goodfellow et al. 2014", "Thm. 1: at the equilibrium p_g = p_data, D = ½, V = −log 4 — the tutorial's "
              "small G (Fig. 1 setting)", ("toy1d.toy1d_gaussian-quick.end.*",), reported="D = ½, V = −1.386, JSD = 0",
              runs="the quick run",
              figure="figures/toy1d_gaussian-quick-fig1.png", section="Toy GAN on a 1-D Gaussian"),
        Claim("Goodfellow et al. 2014", "Thm. 1, with a G family that contains p_data (a named variant)",
              ("toy1d.toy1d_gaussian_matched-*.end.*",), reported="D = ½, V = −1.386, JSD = 0", runs="its quick runs",
              figure="figures/toy1d_gaussian_matched-quick-fig1.png", section="Toy GAN on a 1-D Gaussian"),
    ),
))
