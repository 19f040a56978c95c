"""InfoGAN (Chen et al. 2016; seed 002, Figs. 10-13 to 10-15) on MNIST: model.py, metrics.py (mutual
information, unsupervised digit error, what a continuous code does), figures.py, report.py."""
from repro.experiments.infogan import figures, report
from repro.experiments.infogan.model import InfoGAN
from repro.registry import Experiment, RunFigures, register

register(Experiment(
    "infogan",
    models={"infogan": InfoGAN},
    run_figures={"infogan": RunFigures(figures.infogan_figures, need_data=False)},
    summary_figures=(figures.infogan_summary_figures,),
    report_sections=(report.infogan_section,),
))
