"""Model registry: the `model:` key of a config names one of these classes (each experiment's folder holds its model)."""
from repro.experiments.seed_models.autoencoder import Autoencoder
from repro.experiments.seed_models.cgan import ConditionalGAN
from repro.experiments.keras_dcgan.model import KerasDCGAN
from repro.experiments.goodfellow2014.model import AdversarialNets
from repro.experiments.goodfellow2014.model_conv import AdversarialNetsConv
from repro.experiments.goodfellow2014.model_tfd import AdversarialNetsTwoStage
from repro.experiments.infogan.model import InfoGAN
from repro.experiments.toy1d.model import Toy1DGAN
from repro.experiments.seed_models.vae import VariationalAutoencoder
from repro.experiments.seed_models.wgan import WassersteinGAN

REGISTRY = {
    "goodfellow2014": AdversarialNets,
    "goodfellow2014_conv": AdversarialNetsConv,
    "goodfellow2014_tfd_2stage": AdversarialNetsTwoStage,
    "keras_dcgan": KerasDCGAN,
    "infogan": InfoGAN,
    "toy1d": Toy1DGAN,
    "vae": VariationalAutoencoder,
    "autoencoder": Autoencoder,
    "cgan": ConditionalGAN,
    "wgan": WassersteinGAN,
}
