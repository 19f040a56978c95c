"""The convolutional CIFAR-10 GAN of Goodfellow et al. (2014), as `goodfeli/adversarial` cifar10_convolutional.yaml.

G: noise (Gaussian, 100-d) -> ReLU 8000 -> sigmoid 8000 -> viewed as 10x10x80 -> "Deconv": a transposed
convolution to 3 channels, 5x5 kernel, output stride 3, no padding (3 * (10 - 1) + 5 = 32), with one bias
per output pixel and channel (tied_b: 0), linear output.
D: three convolutional maxout layers (pylearn2 MaxoutConvC01B: zero padding, convolution to
channels x pieces filters, max over each group of `pieces` consecutive filters, then cuda-convnet max
pooling, whose windows may run past the border: out = ceil((in - pool) / stride) + 1), then a maxout
layer of 500 units x 5 pieces and a sigmoid unit. With 32x32 inputs the maps are 33 -> 16, 15 -> 7, 9 -> 5.
Dropout as the fully connected models (input keep 0.8, 0.5 on every later layer's input).

Everything else (losses, simultaneous/alternating updates, the lr and momentum schedules) is the
2014 MLP model's: this class only builds other networks. The networks take and give flat vectors so the
inherited train_step, build_all and decode work unchanged.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from repro.config import ConfigError, Field
from repro.experiments.goodfellow2014.model import AdversarialNets, check_generator_and_updates, scheduled_sgd
from repro.models.initializers import LayerSeeds
from repro.models.maxout import Maxout
from repro.models.precision import loss_scaled
from repro.models.replica import ReplicaDropout
from repro.models.tracked import TrackedModel


def ceil_pool_size(size, pool, stride):
    """cuda-convnet's max-pool output size: windows start every `stride` until one reaches the border."""
    return -(-(size - pool) // stride) + 1


@keras.saving.register_keras_serializable("repro")
class MaxoutConv2D(layers.Layer):
    """pylearn2 MaxoutConvC01B (tied biases, max pooling) in NHWC."""

    def __init__(self, channels, pieces, kernel, pad, pool, pool_stride, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.channels, self.pieces, self.kernel, self.pad = channels, pieces, kernel, pad
        self.pool, self.pool_stride = pool, pool_stride
        self.conv = layers.Conv2D(channels * pieces, kernel, padding="valid", kernel_initializer=kernel_initializer,
                                  dtype=self.dtype_policy)

    def build(self, input_shape):
        n, h, w, c = input_shape
        self.conv.build((n, h + 2 * self.pad, w + 2 * self.pad, c))

    def call(self, x):
        p = self.pad
        x = ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]])
        z = self.conv(x)
        h, w = z.shape[1], z.shape[2]
        # filters c*pieces ... c*pieces + pieces - 1 make output channel c (pylearn2's z[i::num_pieces])
        z = ops.max(ops.reshape(z, (-1, h, w, self.channels, self.pieces)), axis=-1)
        # windows past the border see only real values: pad with -inf, then pool without padding
        extra_h = (ceil_pool_size(h, self.pool, self.pool_stride) - 1) * self.pool_stride + self.pool - h
        extra_w = (ceil_pool_size(w, self.pool, self.pool_stride) - 1) * self.pool_stride + self.pool - w
        z = ops.pad(z, [[0, 0], [0, extra_h], [0, extra_w], [0, 0]], constant_values=float("-inf"))
        return ops.max_pool(z, self.pool, self.pool_stride, padding="valid")

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        conv = h + 2 * self.pad - self.kernel + 1, w + 2 * self.pad - self.kernel + 1
        return (n, ceil_pool_size(conv[0], self.pool, self.pool_stride),
                ceil_pool_size(conv[1], self.pool, self.pool_stride), self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "pieces": self.pieces, "kernel": self.kernel,
                "pad": self.pad, "pool": self.pool, "pool_stride": self.pool_stride}


@keras.saving.register_keras_serializable("repro")
class UntiedBias(layers.Layer):
    """One bias per output position and channel (pylearn2 tied_b: 0), initialised to 0."""

    def build(self, input_shape):
        self.bias = self.add_weight(shape=tuple(input_shape[1:]), initializer="zeros", name="bias")

    def call(self, x):
        return x + ops.cast(self.bias, x.dtype)


SHARED = ("noise_dim", "noise", "g_hidden", "g_activations", "g_irange", "d_input_keep", "d_hidden_keep", "update",
          "k", "learning_rate", "lr_decay_factor", "lr_floor", "momentum_initial", "momentum_final", "momentum_start",
          "momentum_saturate")


class AdversarialNetsConv(AdversarialNets):
    supports_multiworker = False  # not tested under several workers
    PARAMS = {
        **{k: AdversarialNets.PARAMS[k] for k in SHARED},
        "g_conv_shape": Field([10, 10, 80], list, doc="the last G hidden layer viewed as height, width, channels"),
        "g_deconv_kernel": Field(5, int, lo=1),
        "g_deconv_stride": Field(3, int, lo=1),
        "g_deconv_irange": Field(0.05, float, lo=0.0),
        "d_conv_channels": Field([32, 32, 192], list),
        "d_conv_pieces": Field([2, 2, 2], list),
        "d_conv_kernels": Field([8, 8, 5], list),
        "d_conv_pads": Field([4, 3, 3], list),
        "d_pool_shapes": Field([4, 4, 2], list),
        "d_pool_strides": Field([2, 2, 2], list),
        "d_maxout_units": Field([500], list),
        "d_pieces": Field(5, int, lo=1),
        "d_irange": Field(0.005, float, lo=0.0),
    }

    @staticmethod
    def check_config(cfg):
        p = cfg["model_params"]
        check_generator_and_updates(p)
        if len(p["g_conv_shape"]) != 3 or p["g_hidden"][-1] != int(np.prod(p["g_conv_shape"])):
            raise ConfigError(f"config key 'model_params.g_conv_shape' {p['g_conv_shape']} must be [height, width, "
                              f"channels] with height*width*channels = the last g_hidden ({p['g_hidden'][-1]}).")
        conv = ("d_conv_channels", "d_conv_pieces", "d_conv_kernels", "d_conv_pads", "d_pool_shapes", "d_pool_strides")
        if len({len(p[k]) for k in conv}) != 1:
            raise ConfigError(f"config keys {', '.join('model_params.' + k for k in conv)} must all have one value per "
                              "convolutional D layer; their lengths differ.")

    def __init__(self, cfg, image_shape=(32, 32, 3), pixel_mean=None, steps_per_epoch=None, **kwargs):
        TrackedModel.__init__(self, cfg, image_shape, **kwargs)  # not the MLP model's networks
        steps_per_epoch = steps_per_epoch or 500
        p = self.params
        dim = int(np.prod(image_shape))
        h, w, c = p["g_conv_shape"]
        kernel, stride = p["g_deconv_kernel"], p["g_deconv_stride"]
        out_hw = (stride * (h - 1) + kernel, stride * (w - 1) + kernel)
        if (*out_hw, image_shape[2]) != tuple(image_shape):
            raise ConfigError(f"the deconv output {out_hw[0]}x{out_hw[1]}x{image_shape[2]} (stride*(g_conv_shape-1) "
                              f"+ kernel) does not match the images, {tuple(image_shape)}; fix "
                              "model_params.g_conv_shape / g_deconv_kernel / g_deconv_stride.")

        g_seeds, d_seeds = LayerSeeds(self.seed), LayerSeeds(self.seed + 1)  # fresh numbers for every layer
        g_init = lambda: keras.initializers.RandomUniform(-p["g_irange"], p["g_irange"], seed=g_seeds())  # noqa: E731
        g_layers = [keras.Input((p["noise_dim"],))]
        for units, act in zip(p["g_hidden"], p["g_activations"]):
            g_layers.append(layers.Dense(units, activation=act, kernel_initializer=g_init()))
        deconv_init = keras.initializers.RandomUniform(-p["g_deconv_irange"], p["g_deconv_irange"], seed=g_seeds())
        g_layers += [layers.Reshape((h, w, c)),
                     layers.Conv2DTranspose(image_shape[2], kernel, strides=stride, padding="valid", use_bias=False,
                                            kernel_initializer=deconv_init),
                     UntiedBias(),
                     layers.Flatten(),
                     layers.Activation("linear", dtype="float32")]
        self.generator = keras.Sequential(g_layers, name="generator")

        d_init = lambda: keras.initializers.RandomUniform(-p["d_irange"], p["d_irange"], seed=d_seeds())  # noqa: E731
        d_layers = [keras.Input((dim,)), layers.Reshape(tuple(image_shape)),
                    ReplicaDropout(1 - p["d_input_keep"], seed=self.seed + 2)]
        conv_specs = zip(p["d_conv_channels"], p["d_conv_pieces"], p["d_conv_kernels"], p["d_conv_pads"],
                         p["d_pool_shapes"], p["d_pool_strides"])
        for i, (ch, pieces, k, pad, pool, pool_stride) in enumerate(conv_specs):
            d_layers.append(MaxoutConv2D(ch, pieces, k, pad, pool, pool_stride, kernel_initializer=d_init()))
            d_layers.append(ReplicaDropout(1 - p["d_hidden_keep"], seed=self.seed + 3 + i))
        d_layers.append(layers.Flatten())
        for i, units in enumerate(p["d_maxout_units"]):
            d_layers.append(Maxout(units, p["d_pieces"], kernel_initializer=d_init()))
            d_layers.append(ReplicaDropout(1 - p["d_hidden_keep"], seed=self.seed + 20 + i))
        d_layers.append(layers.Dense(1, kernel_initializer=d_init(), dtype="float32"))
        self.discriminator = keras.Sequential(d_layers, name="discriminator")

        # the same optimisers and schedules as the MLP model
        self.d_optimizer = loss_scaled(scheduled_sgd(p, steps_per_epoch, "d"))
        self.g_optimizer = loss_scaled(scheduled_sgd(p, steps_per_epoch, "g"))
        self.parzen = cfg["data"]["gcn_scale"] is None
        self.noise_seed = keras.random.SeedGenerator(self.seed + 100)
