"""Goodfellow et al. 2014, Generative Adversarial Nets: the maxout GAN on MNIST (Table 1, Figs. 2-3),
its two-stage G on TFD and its fully connected and convolutional CIFAR-10 models (Table 1 TFD column, Fig. 2 b-d).

model.py, model_conv.py, model_tfd.py: the models; figures.py, report.py: MNIST's figures and Table 1;
longrun.py: the long runs and the seed study; datasets_figures.py, datasets_report.py: TFD
and CIFAR-10.
"""
from repro.experiments.goodfellow2014 import datasets_figures, datasets_report, figures, longrun, report
from repro.experiments.goodfellow2014.model import AdversarialNets
from repro.experiments.goodfellow2014.model_conv import AdversarialNetsConv
from repro.experiments.goodfellow2014.model_tfd import AdversarialNetsTwoStage
from repro.models.base import own_metrics
from repro.registry import Check, Claim, Evaluator, Experiment, QuickMetric, RunFigures, register

TABLE1 = "Goodfellow et al. 2014, Table 1: Parzen log-likelihood of MNIST test digits"

register(Experiment(
    "goodfellow2014",
    models={"goodfellow2014": AdversarialNets, "goodfellow2014_conv": AdversarialNetsConv,
            "goodfellow2014_tfd_2stage": AdversarialNetsTwoStage},
    run_figures={"goodfellow2014": RunFigures(datasets_figures.with_other_datasets(figures.run_figures)),
                 "goodfellow2014_conv": RunFigures(datasets_figures.dataset_samples_figure),
                 "goodfellow2014_tfd_2stage": RunFigures(datasets_figures.dataset_samples_figure)},
    summary_figures=(longrun.longrun_figure,),
    evaluators=(Evaluator("metrics", own_metrics,
                          models=("goodfellow2014", "goodfellow2014_conv", "goodfellow2014_tfd_2stage")),),
    history_columns=("d_loss", "g_loss", "d_real", "d_fake", "momentum", "lr"),
    recipe_params=("update", "k"),  # the report tells the update rule's variants apart by these
    generator_datasets=("mnist",),
    report_sections=(report.goodfellow2014_section, longrun.section, datasets_report.datasets_section),
    quick_metrics={"goodfellow2014_mnist": [QuickMetric("test Parzen log-likelihood (nats)", "parzen.ll", "higher")]},
    claims=(
        Claim("Goodfellow et al. 2014", "Table 1, MNIST: Parzen log-likelihood of adversarial nets (nats), the "
              "recipe's seeds at a common length", ("goodfellow2014.table1.mnist.seeds",),
              figure="figures/goodfellow2014_mnist-longrun.png", section="The long run and the seed study"),
        Claim("Goodfellow et al. 2014", "Table 1, MNIST: the same, one seed trained long",
              ("goodfellow2014.table1.mnist.long.*",), figure="figures/goodfellow2014_mnist-long-seed0-fig2.png",
              section="The long run and the seed study"),
        Claim("Goodfellow et al. 2014", "Table 1, TFD: Parzen log-likelihood (nats)", ("goodfellow2014.table1.tfd*",),
              runs="TFD is not public: needs your own copy", section="Goodfellow et al. 2014 — TFD"),
        Claim("Theis et al. 2016", "Parzen estimate of the true data (MNIST test, same protocol)",
              ("theis2016.parzen.true_data",), runs="10,000 training images as samples",
              section="Goodfellow et al. 2014 — Table 1"),
        Claim("Theis et al. 2016", "Parzen estimate of k-means centroids beats the true data",
              ("theis2016.parzen.kmeans",), runs="10,000 centroids of the training set",
              section="Goodfellow et al. 2014 — Table 1"),
    ),
    checks=(
        Check("table1-long", f"{TABLE1}, the long run of the released recipe", longrun.long_run,
              "goodfellow2014.table1.mnist.long.{run}"),
        Check("table1-best-seed", f"{TABLE1}, the best seed of the row at the common length",
              longrun.best_seed_run, "goodfellow2014.table1.mnist.{run}"),
    ),
))
