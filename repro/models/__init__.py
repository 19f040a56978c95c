"""Model registry: the `model:` key of a config names one of these classes."""
from repro.models.goodfellow2014 import AdversarialNets
from repro.models.toy1d import Toy1DGAN

REGISTRY = {
    "goodfellow2014": AdversarialNets,
    "toy1d": Toy1DGAN,
}
