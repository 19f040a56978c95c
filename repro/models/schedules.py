"""The 2014 code's schedules, as functions of the optimiser's step counter.

Being functions of `optimizer.iterations` (a saved variable), they change inside a
compiled train_step and resume exactly where a killed run stopped.
"""
import math

import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable("repro")
class DividedEveryStep(keras.optimizers.schedules.LearningRateSchedule):
    """pylearn2 ExponentialDecay: lr divided by `factor` after every minibatch, never below `floor`."""

    def __init__(self, initial, factor, floor):
        self.initial, self.factor, self.floor = initial, factor, floor
        # log(factor) in float64 here: 1.000004 itself is not representable in float32 to 3 digits of its 4e-6
        self._log_factor = math.log(factor)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        return ops.maximum(self.initial * ops.exp(-step * self._log_factor), self.floor)

    def get_config(self):
        return {"initial": self.initial, "factor": self.factor, "floor": self.floor}


class LinearMomentum:
    """pylearn2 MomentumAdjustor: linear from `initial` at epoch `start` to `final` at epoch `saturate`."""

    def __init__(self, initial, final, start, saturate, steps_per_epoch):
        self.initial, self.final = initial, final
        self.start, self.saturate, self.steps_per_epoch = start, saturate, steps_per_epoch

    def __call__(self, step):
        epoch = ops.cast(step // self.steps_per_epoch, "float32") + 1.0  # epochs are counted from 1
        frac = ops.clip((epoch - self.start) / max(self.saturate - self.start, 1), 0.0, 1.0)
        return self.initial + (self.final - self.initial) * frac


class ScheduledMomentumSGD(keras.optimizers.SGD):
    """Classical momentum SGD whose momentum is a schedule of the step, not a Python constant.

    Keras' SGD reads `self.momentum` as a float at trace time, so a callback that changes it
    never reaches a compiled train_step.
    """

    def __init__(self, learning_rate, momentum_schedule, **kwargs):
        super().__init__(learning_rate=learning_rate, momentum=momentum_schedule.initial, **kwargs)
        self.momentum_schedule = momentum_schedule

    def current_momentum(self):
        return self.momentum_schedule(self.iterations)

    def update_step(self, gradient, variable, learning_rate):
        m = self.momentums[self._get_variable_index(variable)]
        momentum = ops.cast(self.momentum_schedule(self.iterations), variable.dtype)
        # Keras' SGD update (m = momentum * m - lr * g; w += m) in TensorFlow's fused kernel: one pass over
        # w, m and g instead of five separate elementwise ops and their temporaries. The update is memory-bound
        # (3.7 M parameters in the 2014 MNIST model, more than the L2 cache), so passes are what it costs.
        # `variable` is a tf.Variable here (the per-device copy under tf.distribute), `m.handle` its slot's.
        tf.raw_ops.ResourceApplyKerasMomentum(
            var=variable.handle, accum=m.handle, lr=ops.cast(learning_rate, variable.dtype),
            grad=ops.cast(gradient, variable.dtype), momentum=momentum, use_locking=False, use_nesterov=False)
