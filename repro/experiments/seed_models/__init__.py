"""The seeds' other MNIST models (issue 5): the VAE (Kingma & Welling 2014; seeds 002, 003), the autoencoder
(seed 000), the conditional GAN (Mirza & Osindero 2014; seeds 001, 003) and the WGAN with weight clipping
(Arjovsky et al. 2017; seed 003). One file per model; figures.py and report.py for all four."""
from repro.experiments.seed_models import figures, report
from repro.experiments.seed_models.autoencoder import Autoencoder
from repro.experiments.seed_models.cgan import ConditionalGAN
from repro.experiments.seed_models.vae import VariationalAutoencoder
from repro.experiments.seed_models.wgan import WassersteinGAN
from repro.registry import Check, Experiment, RunFigures, register

register(Experiment(
    "seed_models",
    models={"vae": VariationalAutoencoder, "autoencoder": Autoencoder, "cgan": ConditionalGAN,
            "wgan": WassersteinGAN},
    run_figures={"vae": RunFigures(figures.vae_figures), "autoencoder": RunFigures(figures.autoencoder_figures),
                 "cgan": RunFigures(figures.cgan_figures), "wgan": RunFigures(figures.wgan_figures)},
    summary_figures=(figures.wgan_curves, figures.cgan_curves),
    report_sections=(report.vae_autoencoder_section, report.cgan_wgan_section),
    checks=(
        Check("cgan-label-accuracy", "Mirza & Osindero 2014, Fig. 2: each generated row shows the requested digit "
              "(share the suite's MNIST classifier labels as requested)", report.reported_run("cgan_mnist"),
              "cgan.requested_label_accuracy", number=report.label_accuracy, unit="share", measures=("metrics",)),
        Check("wgan-samples-are-digits", "Arjovsky et al. 2017 (weight clipping) on MNIST: the samples are digits "
              "(classifier score of 10,000 samples)", report.reported_run("wgan_mnist"), "wgan.samples_are_digits",
              number=report.classifier_score, unit="score", measures=("metrics",)),
    ),
))
