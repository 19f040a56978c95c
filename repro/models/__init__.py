"""Model registry: the `model:` key of a config names one of these classes."""
from repro.models.goodfellow2014 import AdversarialNets
from repro.models.infogan import InfoGAN

REGISTRY = {
    "goodfellow2014": AdversarialNets,
    "infogan": InfoGAN,
}
