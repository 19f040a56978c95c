"""InfoGAN (Chen et al. 2016; seed 002, Figs. 10-13 to 10-15) on MNIST: model.py, metrics.py (mutual
information, unsupervised digit error, what a continuous code does), figures.py, report.py."""
from repro.experiments.infogan import figures, report
from repro.experiments.infogan.model import InfoGAN
from repro.experiments.infogan.model import RECIPES
from repro.registry import Check, Experiment, RunFigures, register

register(Experiment(
    "infogan",
    models={"infogan": InfoGAN},
    run_figures={"infogan": RunFigures(figures.infogan_figures, need_data=False)},
    summary_figures=(figures.infogan_summary_figures,),
    report_sections=(report.infogan_section,),
    # the error needs the discriminator body and Q head (one network, `discriminator`) beside G
    checks=tuple(Check(f"infogan-{recipe}-recipe-best", f"Chen et al. 2016, §5: the categorical code classifies "
                       f"MNIST test digits with about 5% error; best full run of the {recipe} recipe",
                       report.best_protocol_run(recipe), f"infogan.protocol.{recipe}.best_of_n",
                       number=report.categorical_error, unit="error",
                       export="no command writes it yet: export-generator keeps only models scored by the Parzen "
                              "protocol, and InfoGAN's needs a float16 check of its own",
                       measures=("metrics",), needs=("generator", "discriminator"))
                 for recipe in RECIPES),
))
