"""Model registry: the `model:` key of a config names one of these classes."""
from repro.models.dcgan import KerasDCGAN
from repro.models.goodfellow2014 import AdversarialNets

REGISTRY = {
    "goodfellow2014": AdversarialNets,
    "keras_dcgan": KerasDCGAN,
}
