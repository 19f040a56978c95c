"""No two layers of any model start from the same random numbers (one seeded initializer reused for several
layers gives every layer the same draw: the 2014 G had W1 == W2[:100] before this was fixed)."""
import itertools
from pathlib import Path

import numpy as np
import pytest

from repro.config import load_config
from repro.registry import MODELS

SHAPES = {"mnist": (28, 28, 1), "tfd": (48, 48, 1), "cifar10": (32, 32, 3)}
CONFIGS = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "paper_configs").glob("*.yaml"))


def random_weights(model):
    """name -> flat values of every initial weight tensor drawn at random (constants such as zero biases or
    BatchNorm's ones are left out: they are equal by design)."""
    out = {}
    for v in model.weights:
        a = np.asarray(v.numpy(), np.float64).ravel()
        if a.size > 1 and np.unique(a).size > a.size // 2:
            out[v.path] = a
    return out


@pytest.mark.parametrize("name", CONFIGS)
def test_no_two_layers_share_their_initial_values(configs, name):
    cfg = load_config(configs / f"{name}.yaml", "smoke")
    cls = MODELS[cfg["model"]]
    kwargs = {"image_shape": SHAPES[cfg["data"]["dataset"]]} if cfg["data"]["dataset"] in SHAPES else {}
    model = cls(cfg, **kwargs)
    model.compile()
    model.build_all()
    weights = random_weights(model)
    assert len(weights) >= 2, f"{name}: fewer than two randomly initialised tensors found"
    for (na, a), (nb, b) in itertools.combinations(weights.items(), 2):
        # the same seed gives the same stream: one tensor's values are the other's first values, in order
        n = min(a.size, b.size, 10_000)
        same = np.mean(a[:n] == b[:n])
        assert same < 0.01, f"{name}: {na} and {nb} start with the same random numbers ({same:.0%} of the first {n})"
        if n >= 50:  # the same stream under another scale (Glorot limits differ by shape): correlation 1
            corr = abs(np.corrcoef(a[:n], b[:n])[0, 1])
            assert corr < 0.5, f"{name}: {na} and {nb} start with the same random numbers, rescaled (corr {corr:.2f})"
