"""Autoregressive models of binarized MNIST: PixelCNN and PixelRNN's Row LSTM (van den Oord et al. 2016), with an
exact likelihood, so that the 2014 Parzen protocol can be set beside the true log-likelihood of the same model."""
from repro.experiments.pixelcnn import evaluation, figures, report
from repro.experiments.pixelcnn.model import PixelCNN
from repro.experiments.pixelcnn.row_lstm import RowLSTM
from repro.registry import Check, Claim, Evaluator, Experiment, QuickMetric, RunFigures, register

EXACT_NLL = [QuickMetric("exact test NLL (nats)", "metrics.test_nll.nll", "lower")]

register(Experiment(
    "pixelcnn",
    models={"pixelcnn": PixelCNN, "row_lstm": RowLSTM},
    run_figures={m: RunFigures(figures.pixelcnn_figures) for m in ("pixelcnn", "row_lstm")},
    report_sections=(report.pixelcnn_section,),
    evaluators=(Evaluator("metrics", evaluation.pixelcnn_metrics, models=("pixelcnn", "row_lstm")),),
    quick_metrics={m.experiment: EXACT_NLL for m in report.MODELS},
    claims=tuple(Claim("van den Oord et al. 2016", f"{m.name}, binarized MNIST: exact test negative log-likelihood "
                       "(nats)", (f"{m.rows}.test_nll.paper",),
                       section="PixelCNN") for m in report.MODELS),
    # the exact test NLL, re-scored from the shipped model file in minutes (no sampling: the likelihood alone)
    checks=tuple(Check(f"{m.rows}-{profile}", f"{report.SOURCE}: the exact test NLL of the {m.name}'s {profile} "
                       "profile", report.evaluated_run(m.experiment, profile), f"{m.rows}.test_nll.{profile}",
                       number=report.test_nll, measures=("likelihood",))
                 for m in report.MODELS for profile in ("paper", "quick")),
))
