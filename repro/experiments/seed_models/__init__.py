"""the course documents' other MNIST models: the VAE (Kingma & Welling 2014; the book chapter “VAE, GAN and variants”
and the course notes “19. Generative Models”), the autoencoder (Lecture 8 “Generative Models”), the conditional GAN
(Mirza & Osindero 2014; Lecture 9 “Generative Adversarial Networks” and the course notes “19. Generative Models”) and
the WGAN with weight clipping (Arjovsky et al. 2017; the course notes “19. Generative Models”). One file per model;
figures.py and report.py for all four."""
from repro.experiments.seed_models import evaluation, figures, report
from repro.experiments.seed_models.autoencoder import Autoencoder
from repro.experiments.seed_models.cgan import ConditionalGAN
from repro.experiments.seed_models.vae import VariationalAutoencoder
from repro.experiments.seed_models.wgan import WassersteinGAN
from repro.models.base import own_metrics
from repro.registry import Check, Claim, Evaluator, Experiment, QuickMetric, RunFigures, register

PARZEN = QuickMetric("test Parzen log-likelihood (nats)", "parzen.ll", "higher")

register(Experiment(
    "seed_models",
    models={"vae": VariationalAutoencoder, "autoencoder": Autoencoder, "cgan": ConditionalGAN,
            "wgan": WassersteinGAN},
    run_figures={"vae": RunFigures(figures.vae_figures), "autoencoder": RunFigures(figures.autoencoder_figures),
                 "cgan": RunFigures(figures.cgan_figures), "wgan": RunFigures(figures.wgan_figures)},
    summary_figures=(figures.wgan_curves, figures.cgan_curves),
    evaluators=(Evaluator("metrics", own_metrics, models=("vae", "autoencoder", "cgan", "wgan")),
                Evaluator("metrics", evaluation.sample_monitor, models=("cgan", "wgan"))),
    generator_datasets=("mnist",),
    report_sections=(report.vae_autoencoder_section, report.cgan_wgan_section),
    quick_metrics={
        "vae_mnist": [QuickMetric("test ELBO (nats)", "metrics.test_bounds.elbo", "higher"), PARZEN],
        "vae_latent20_mnist": [QuickMetric("test ELBO (nats)", "metrics.test_bounds.elbo", "higher"), PARZEN],
        "autoencoder_mnist": [QuickMetric("test reconstruction (nats)", "metrics.test_reconstruction_nats", "lower")],
        "cgan_mnist": [QuickMetric("requested-label accuracy", "metrics.requested_label_accuracy", "higher"), PARZEN],
        "wgan_mnist": [PARZEN, QuickMetric("Fréchet distance of 10,000 samples (classifier features)",
                                           "metrics.samples.frechet_distance", "lower")],
    },
    claims=(
        Claim("Burda et al. 2016", "the importance-weighted bound of a VAE is at least its ELBO",
              ("vae.iw_above_elbo.*",), section="VAE"),
        Claim("course notes “19. Generative Models”", "an autoencoder's latent, sampled from N(0, I), gives worse "
              "samples than a VAE's", ("ae_vs_vae.prior_samples",), section="VAE",
              figure="figures/autoencoder_mnist-quick-prior_samples.png"),
        Claim("Mirza & Osindero 2014", "a conditional GAN draws the digit it is asked for (our bar: ≥ 90%)",
              ("cgan.requested_label_accuracy",), figure="figures/cgan_mnist-paper-rows_by_label.png",
              section="Conditional GAN"),
        Claim("Arjovsky et al. 2017", "the critic's estimate tracks sample quality during training",
              ("wgan.estimate_tracks_quality",), figure="figures/wgan_mnist-paper-wasserstein_vs_quality.png",
              section="Conditional GAN"),
        Claim("Arjovsky et al. 2017", "after the paper's length, samples are clear digits (our bar: classifier "
              "score ≥ 8; the paper gives no MNIST number)", ("wgan.samples_are_digits",),
              figure="figures/wgan_mnist-paper-samples.png", section="Conditional GAN"),
    ),
    checks=(
        Check("cgan-label-accuracy", "Mirza & Osindero 2014, Fig. 2: each generated row shows the requested digit "
              "(share the suite's MNIST classifier labels as requested)", report.reported_run("cgan_mnist"),
              "cgan.requested_label_accuracy", number=report.label_accuracy, unit="share", measures=("metrics",)),
        Check("wgan-samples-are-digits", "Arjovsky et al. 2017 (weight clipping) on MNIST: the samples are digits "
              "(classifier score of 10,000 samples)", report.reported_run("wgan_mnist"), "wgan.samples_are_digits",
              number=report.classifier_score, unit="score", measures=("metrics",)),
    ),
))
