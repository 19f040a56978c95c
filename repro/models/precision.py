"""Loss scaling for train.precision: mixed_float16 (NVIDIA GPUs' fast path).

float16 has a narrow exponent range, so small gradients would round to zero. Under mixed_float16 every player's
optimiser is wrapped in Keras' LossScaleOptimizer (dynamic loss scaling) and each train step's backpropagation
starts from the current loss scale instead of 1; the optimiser divides the scale out again, and skips (and halves
the scale for) a step whose gradients overflowed. Under float32 and mixed_bfloat16 (bfloat16 has float32's
exponent range) both functions change nothing, so those runs and their checkpoints stay as they were."""
from __future__ import annotations

import keras


def loss_scaled(optimizer):
    """`optimizer`, wrapped for dynamic loss scaling when the global policy is mixed_float16."""
    if (keras.mixed_precision.global_policy().name == "mixed_float16"
            and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)):
        return keras.optimizers.LossScaleOptimizer(optimizer, name=f"{optimizer.name}_loss_scaled")
    return optimizer


def gradients(tape, loss, variables, optimizer):
    """The gradients of `loss` recorded on `tape`, for `optimizer.apply_gradients`: scaled by the loss scale when
    `optimizer` is loss-scaled (backpropagation seeded with the scale, which is d(scale * loss)), else plain."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        seed = keras.ops.cast(optimizer.scale_loss(keras.ops.ones_like(loss, dtype="float32")), loss.dtype)
        return tape.gradient(loss, variables, output_gradients=seed)
    return tape.gradient(loss, variables)


def inner(optimizer):
    """The optimiser itself, under a loss-scaling wrapper if there is one (for its own attributes: momentum
    schedules, slots)."""
    return optimizer.inner_optimizer if isinstance(optimizer, keras.optimizers.LossScaleOptimizer) else optimizer
