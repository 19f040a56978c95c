"""A GAN on a 1-D Gaussian (seed 004; Goodfellow et al. 2014, Fig. 1, Prop. 1, Thm. 1): model.py, metrics.py
(the theory's checks: D*, C(G), JSD), figures.py and report.py."""
from repro.experiments.toy1d import figures, report
from repro.experiments.toy1d.model import Toy1DGAN
from repro.registry import Experiment, register

register(Experiment(
    "toy1d",
    models={"toy1d": Toy1DGAN},
    summary_figures=(figures.toy1d_summary_figures,),
    report_sections=(report.toy1d_section,),
))
