"""Losses shared by the GANs that train from logits."""
from keras import ops


def bce_from_logits(logits, target):
    """Mean binary cross-entropy against a constant target 0 or 1 (softplus form, stable)."""
    logits = ops.cast(logits, "float32")
    return ops.mean(ops.softplus(-logits) if target == 1 else ops.softplus(logits))
