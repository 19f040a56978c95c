"""Autoregressive models of binarized MNIST: PixelCNN (van den Oord et al. 2016), with an exact likelihood, so
that the 2014 Parzen protocol can be set beside the true log-likelihood of the same model."""
from repro.experiments.pixelcnn import evaluation, figures, report
from repro.experiments.pixelcnn.model import PixelCNN
from repro.registry import Check, Claim, Evaluator, Experiment, QuickMetric, RunFigures, register

register(Experiment(
    "pixelcnn",
    models={"pixelcnn": PixelCNN},
    run_figures={"pixelcnn": RunFigures(figures.pixelcnn_figures)},
    report_sections=(report.pixelcnn_section,),
    evaluators=(Evaluator("metrics", evaluation.pixelcnn_metrics, models=("pixelcnn",)),),
    quick_metrics={"pixelcnn_binarized_mnist": [QuickMetric("exact test NLL (nats)", "metrics.test_nll.nll", "lower")]},
    claims=(Claim("van den Oord et al. 2016", "PixelCNN, binarized MNIST: exact test negative log-likelihood (nats)",
                  ("pixelcnn.test_nll.paper",), figure="figures/pixelcnn_binarized_mnist-quick-samples.png",
                  section="PixelCNN"),),
    # the exact test NLL, re-scored from the shipped model file in minutes (no sampling: the likelihood alone)
    checks=tuple(Check(f"pixelcnn-{profile}", f"{report.SOURCE}: the exact test NLL of the {profile} profile's model",
                       report.evaluated_run(profile), f"pixelcnn.test_nll.{profile}", number=report.test_nll,
                       measures=("likelihood",)) for profile in ("paper", "quick")),
))
