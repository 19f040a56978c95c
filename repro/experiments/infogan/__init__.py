"""InfoGAN (Chen et al. 2016; Figs. 10-13 to 10-15 of the book chapter “VAE, GAN and variants”) on MNIST:
model.py, metrics.py (mutual information, unsupervised digit error, what a continuous code does), figures.py,
report.py."""
from repro.experiments.infogan import figures, report
from repro.experiments.infogan.model import RECIPES, InfoGAN
from repro.models.base import own_metrics
from repro.registry import Check, Claim, Evaluator, Experiment, QuickMetric, RunFigures, register

register(Experiment(
    "infogan",
    models={"infogan": InfoGAN},
    run_figures={"infogan": RunFigures(figures.infogan_figures, need_data=False)},
    summary_figures=(figures.infogan_summary_figures,),
    evaluators=(Evaluator("metrics", own_metrics, models=("infogan",)),),
    history_columns=("d_loss", "g_loss", "d_real", "d_fake"),
    report_sections=(report.infogan_section,),
    quick_metrics={"infogan_mnist": [QuickMetric("categorical-code error (fraction of test digits)",
                                                 "metrics.categorical_error.error", "lower")]},
    claims=(
        Claim("Chen et al. 2016 (InfoGAN)", "the mutual-information bound reaches H(c) = ln 10 (nats)",
              ("infogan.protocol.paper.mi_every_run",), figure="figures/infogan_mnist-mi_curve.png",
              section="InfoGAN"),
        Claim("Chen et al. 2016 (InfoGAN)", "the categorical code classifies MNIST digits with ≈ 5% error "
              "(paper's recipe, best of the runs)", ("infogan.protocol.paper.best_of_n",),
              section="InfoGAN"),  # its figure: the best run's, named by the row
        Claim("Chen et al. 2016 (InfoGAN)", "the same with the released code's recipe (best of the runs)",
              ("infogan.protocol.code.best_of_n",), figure="figures/infogan_mnist-merge_failure_confusion.png",
              section="InfoGAN"),
        Claim("book chapter “VAE, GAN and variants”", "its mutual-information worked examples",
              ("book_chapter.mutual_info.*",), reported="0.653, 0.796", runs="computed by the report",
              section="InfoGAN"),
    ),
    # the error needs the discriminator body and Q head (one network, `discriminator`) beside G
    checks=tuple(Check(f"infogan-{recipe}-recipe-best", f"Chen et al. 2016, §5: the categorical code classifies "
                       f"MNIST test digits with about 5% error; best full run of the {recipe} recipe",
                       report.best_protocol_run(recipe), f"infogan.protocol.{recipe}.best_of_n",
                       number=report.categorical_error, unit="error",
                       # D with its Q head is 6.7 M weights, 13 MB even in float16: more than results/ can carry
                       export="none ships: the error is measured by the discriminator's Q head (6.7 M weights, "
                              "13 MB even in float16), too large for the results folder; where the run folder "
                              "is, `python -m repro evaluate runs/{run}` measures it again",
                       measures=("metrics",), needs=("generator", "discriminator"))
                 for recipe in RECIPES),
))
