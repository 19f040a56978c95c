"""Model registry: the `model:` key of a config names one of these classes."""
from repro.models.autoencoder import Autoencoder
from repro.models.cgan import ConditionalGAN
from repro.models.dcgan import KerasDCGAN
from repro.models.goodfellow2014 import AdversarialNets
from repro.models.goodfellow2014_conv import AdversarialNetsConv
from repro.models.goodfellow2014_tfd import AdversarialNetsTwoStage
from repro.models.infogan import InfoGAN
from repro.models.toy1d import Toy1DGAN
from repro.models.vae import VariationalAutoencoder
from repro.models.wgan import WassersteinGAN

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
