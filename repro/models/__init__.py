"""Model registry: the `model:` key of a config names one of these classes."""
from repro.models.autoencoder import Autoencoder
from repro.models.cgan import ConditionalGAN
from repro.models.goodfellow2014 import AdversarialNets
from repro.models.vae import VariationalAutoencoder
from repro.models.wgan import WassersteinGAN

REGISTRY = {
    "goodfellow2014": AdversarialNets,
    "vae": VariationalAutoencoder,
    "autoencoder": Autoencoder,
    "cgan": ConditionalGAN,
    "wgan": WassersteinGAN,
}
