"""A dataset's train / validation / test arrays (the splits every loader returns) and pixel scaling."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Splits:
    train: np.ndarray          # (N, H, W, C) float32, in the config's pixel range
    valid: np.ndarray
    test: np.ndarray
    train_labels: np.ndarray | None
    valid_labels: np.ndarray | None
    test_labels: np.ndarray | None
    image_shape: tuple
    name: str

    def flat(self, which):
        a = getattr(self, which)
        return a.reshape(len(a), -1)


def _scale(x_uint8, pixel_range):
    x = x_uint8.astype(np.float32) / 255.0
    return x * 2.0 - 1.0 if pixel_range == "symmetric" else x
