"""Every experiment of the suite, one package per paper or family. Each registers its models, figures and
report sections in repro.registry when imported; the engines (train, evaluate, figures, report) and the CLI
import this package, which imports them all.

The order of the imports below is the order of REPORT.md's sections and verification.json's rows.
"""
# isort: skip_file
from repro.experiments import goodfellow2014  # noqa: F401  Goodfellow et al. 2014 (MNIST, TFD, CIFAR-10)
from repro.experiments import keras_dcgan  # noqa: F401  the book chapter “VAE, GAN and variants”'s DC-GAN
from repro.experiments import infogan  # noqa: F401  Chen et al. 2016
from repro.experiments import demos  # noqa: F401  The course documents' numeric demos
from repro.experiments import toy1d  # noqa: F401  the 1-D GAN of the report “Generative Adversarial Nets”
from repro.experiments import seed_models  # noqa: F401  VAE, autoencoder, cGAN, WGAN
from repro.experiments import pixelcnn  # noqa: F401  van den Oord et al. 2016 (binarized MNIST)
from repro.experiments import memorisation  # noqa: F401  nearest-neighbour check over every MNIST run (last)
