"""The two-stage TFD generator of Goodfellow et al. (2014), `goodfeli/adversarial` tfd_pretrain/.

Stage 1 (pretrain.yaml) is the 2014 MLP model as it is: G noise -> ReLU 8000 -> sigmoid 8000 -> sigmoid 2304
against a maxout D, for `g_pretrain_epochs` epochs (50). Stage 2 (train.yaml, `add_layers`) puts a new stack
noise -> ReLU 8000 -> sigmoid 100 (init bias -2) under that generator, so the stage-1 G now reads the
stack's sigmoid outputs instead of the noise, and trains it all again (22 epochs) with a new Train object:
a fresh discriminator and fresh SGD state (learning rate back to 0.05, momentum back to 0.5, velocities 0).

Here both stacks exist from the start (so checkpoints always hold the same variables); a saved `stage`
variable routes the noise around the new stack until the switch, which a callback makes at the start
of epoch `g_pretrain_epochs`: it re-initialises D, resets both optimisers and sets stage = 1.
The inherited train_step is unchanged.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from repro.config import ConfigError, Field
from repro.experiments.goodfellow2014.model import AdversarialNets
from repro.models.initializers import LayerSeeds
from repro.models.maxout import Maxout
from repro.models.precision import inner


class StackedGenerator(keras.Model):
    """top(z) in stage 0, top(stack(z)) in stage 1; `stage` is a saved, non-trainable variable."""

    def __init__(self, top, stack, **kwargs):
        super().__init__(**kwargs)
        self.top, self.stack = top, stack
        self.stage = self.add_weight(name="stage", shape=(), initializer="zeros", trainable=False)

    def build(self, input_shape):
        self.stack.build(input_shape)
        self.top.build(input_shape)
        self.built = True

    def call(self, z, training=False):
        return ops.cond(self.stage > 0.5,
                        lambda: self.top(self.stack(z, training=training), training=training),
                        lambda: self.top(z, training=training))


class SecondStage(keras.callbacks.Callback):
    """Makes the switch at the start of epoch `at_epoch`; before every epoch (also after a resume restored
    `stage`) makes the new stack trainable exactly in stage 2, retracing train_step when that changes."""

    def __init__(self, model, at_epoch):
        super().__init__()
        self.gan, self.at_epoch = model, at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        generator = self.gan.generator
        if epoch >= self.at_epoch and float(generator.stage.numpy()) < 0.5:
            self.gan.start_second_stage()
        in_stage_2 = float(generator.stage.numpy()) > 0.5
        if generator.stack.trainable != in_stage_2:
            # frozen, not just unused, in stage 1: the max-norm constraint would otherwise still rescale it
            generator.stack.trainable = in_stage_2
            self.gan.make_train_function(force=True)


class AdversarialNetsTwoStage(AdversarialNets):
    supports_multiworker = False  # not tested under several workers
    PARAMS = {
        **AdversarialNets.PARAMS,
        "g_pretrain_epochs": Field(50, int, lo=1, doc="epochs of stage 1 before the new stack goes under G"),
        "g_stack_hidden": Field([8000, 100], list),
        "g_stack_activations": Field(["relu", "sigmoid"], list),
        "g_stack_init_bias": Field([0.0, -2.0], list),
    }

    @staticmethod
    def check_config(cfg):
        AdversarialNets.check_config(cfg)
        p = cfg["model_params"]
        if not len(p["g_stack_hidden"]) == len(p["g_stack_activations"]) == len(p["g_stack_init_bias"]):
            raise ConfigError("config keys 'model_params.g_stack_hidden', 'g_stack_activations' and "
                              "'g_stack_init_bias' need one value per layer of the new stack; their lengths differ.")
        if p["g_stack_hidden"][-1] != p["noise_dim"]:
            raise ConfigError(f"config key 'model_params.g_stack_hidden' must end in noise_dim ({p['noise_dim']}): "
                              "the new stack's output is what the stage-1 generator reads in place of the noise.")

    def __init__(self, cfg, image_shape=(48, 48, 1), pixel_mean=None, steps_per_epoch=500, **kwargs):
        super().__init__(cfg, image_shape, pixel_mean, steps_per_epoch, **kwargs)
        p = self.params
        seeds = LayerSeeds(self.seed + 50)  # fresh numbers for every layer
        init = lambda: keras.initializers.RandomUniform(-p["g_irange"], p["g_irange"], seed=seeds())  # noqa: E731
        constraint = keras.constraints.MaxNorm(p["max_col_norm"], axis=0) if p["max_col_norm"] else None
        stack = [keras.Input((p["noise_dim"],))]
        for units, act, b in zip(p["g_stack_hidden"], p["g_stack_activations"], p["g_stack_init_bias"]):
            stack.append(layers.Dense(units, activation=act, kernel_initializer=init(), kernel_constraint=constraint,
                                      bias_initializer=keras.initializers.Constant(float(b))))
        self.generator = StackedGenerator(self.generator, keras.Sequential(stack, name="new_stack"), name="generator")
        self.generator.stack.trainable = False  # until stage 2 (SecondStage keeps this in step with `stage`)

    def build_all(self):
        self.generator.build((None, self.params["noise_dim"]))
        self.discriminator.build((None, int(np.prod(self.image_shape))))
        self.d_optimizer.build(self.discriminator.trainable_variables)
        # slots for the new stack from the start (it is frozen until stage 2), so checkpoints never change shape
        self.g_optimizer.build(self.generator.top.trainable_variables + self.generator.stack.weights)
        self.built = True

    def fit(self, *args, callbacks=None, **kwargs):
        callbacks = [SecondStage(self, self.params["g_pretrain_epochs"]), *(callbacks or [])]
        return super().fit(*args, callbacks=callbacks, **kwargs)

    def extra_metrics(self, splits, data_dir=None) -> dict:
        stage = 1 + int(self.generator.stage.numpy() > 0.5)
        return {**super().extra_metrics(splits, data_dir), "generator_stage": stage}

    def start_second_stage(self):
        """What train.yaml's new Train object amounts to: a fresh D and fresh SGD state; stage-1 G kept."""
        for layer in self.discriminator.layers:
            dense = layer.dense if isinstance(layer, Maxout) else layer
            if isinstance(dense, layers.Dense):
                dense.kernel.assign(dense.kernel_initializer(dense.kernel.shape))
                dense.bias.assign(np.zeros(dense.bias.shape, np.float32))
        for opt in (inner(self.d_optimizer), inner(self.g_optimizer)):
            opt.iterations.assign(0)  # the lr and momentum schedules restart with it
            for m in opt.momentums:
                m.assign(ops.zeros_like(m))
        self.generator.stage.assign(1.0)
