"""Wasserstein GAN with weight clipping (Arjovsky, Chintala & Bottou 2017; the course notes “19. Generative Models”),
Algorithm 1.

The critic f has no sigmoid: it scores images, and by the Kantorovich-Rubinstein duality
    W(p_data, p_g) = sup_{||f||_L <= 1} E_data f(x) - E_g f(x),
which the critic approximates up to a constant by keeping its weights in a compact box [-c, c]
(clipped after every critic update; the course notes “19. Generative Models”: "simple, brute-force clipping"). Each
generator step follows n_critic critic steps, each on a fresh real minibatch and fresh noise; both use RMSProp.
Critic loss: E f(G(z)) - E f(x); generator loss: -E f(G(z)). (The code clamps before each critic
step and adds 100-step critic bursts early on and every 500 generator steps; Algorithm 1 has neither,
and neither is done here.) The logged `wasserstein` is the
critic's estimate E f(x) - E f(G(z)) (the paper's Figs. 3-4 plot it against sample quality).

`SampleMonitor` (monitor.py) keeps samples of every epoch; evaluation scores them (classifier score and Frechet
distance of the suite's MNIST classifier), so the estimate and sample quality can be drawn side by side.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from repro.config import EVAL_SEED, Field, positive_ints, require_pixel_range
from repro.experiments.seed_models.monitor import monitor_callbacks
from repro.models.mlp import dense_mlp
from repro.models.precision import gradients, loss_scaled
from repro.models.tracked import TrackedModel


def relu_mlp(input_dim, hidden, out_units, out_activation, name, seed):
    return dense_mlp(hidden, out_units, seed=seed, name=name, activation="relu", out_activation=out_activation,
                     input_dim=input_dim)


class WassersteinGAN(TrackedModel):
    PARAMS = {
        "noise_dim": Field(100, int, lo=1),
        "g_hidden": positive_ints([512, 512, 512]),
        "critic_hidden": positive_ints([512, 512, 512]),
        "g_output": Field("linear", str, choices=("linear", "tanh")),
        "clip": Field(0.01, float, lo=0.0, doc="c: critic weights are clipped to [-c, c]"),
        "n_critic": Field(5, int, lo=1),
        "learning_rate": Field(5e-5, float, lo=0.0),
        "rmsprop_rho": Field(0.99, float, lo=0.0, hi=1.0),
        "rmsprop_epsilon": Field(1e-8, float, lo=0.0),
        "monitor_samples": Field(2000, int, lo=100, doc="samples kept per epoch for the classifier metrics"),
        "keep_samples_every": Field(1, int, lo=0, doc="epochs between kept samples (0: never)"),
    }
    FORMER_PARAMS = {"monitor_every": "keep_samples_every"}
    output_range = (-1.0, 1.0)
    history_keys = tracked = ("wasserstein", "critic_loss", "g_loss")

    @staticmethod
    def check_config(cfg):
        require_pixel_range(cfg, "symmetric", "the WGAN", "its samples are read as images in [-1, 1] (tanh or "
                                                          "linear output), so real images must be too.")

    @staticmethod
    def batches_per_step(cfg):
        """One train_step = n_critic critic minibatches (each fresh real data) + one generator step."""
        return cfg["model_params"]["n_critic"]

    def __init__(self, cfg, image_shape=(28, 28, 1), pixel_mean=None, steps_per_epoch=None, **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        p = self.params
        self.dim = int(np.prod(image_shape))
        self.generator = relu_mlp(p["noise_dim"], p["g_hidden"], self.dim, p["g_output"], "generator",
                                  self.seed)
        self.critic = relu_mlp(self.dim, p["critic_hidden"], 1, None, "critic", self.seed + 1)  # no sigmoid

        def rmsprop(name):
            return keras.optimizers.RMSprop(p["learning_rate"], rho=p["rmsprop_rho"], epsilon=p["rmsprop_epsilon"],
                                            name=name)

        self.critic_optimizer = loss_scaled(rmsprop("critic_optimizer"))
        self.g_optimizer = loss_scaled(rmsprop("g_optimizer"))
        self.noise_seed = keras.random.SeedGenerator(self.seed + 100)

    def training_callbacks(self, run_dir):
        return monitor_callbacks(self.params, run_dir)

    def noise(self, n):
        return keras.random.normal((n, self.params["noise_dim"]), seed=self.noise_seed)

    def clip_critic_weights(self):
        c = self.params["clip"]
        for v in self.critic.trainable_variables:
            v.assign(ops.clip(v, -c, c))

    def critic_step(self, real):
        fake = self.generator(self.noise(ops.shape(real)[0]), training=True)
        with tf.GradientTape() as tape:
            estimate = ops.mean(self.critic(real, training=True)) - ops.mean(self.critic(fake, training=True))
            loss = -estimate
        variables = self.critic.trainable_variables
        self.critic_optimizer.apply_gradients(zip(gradients(tape, loss, variables, self.critic_optimizer), variables))
        self.clip_critic_weights()
        return estimate

    def train_step(self, real):
        real = ops.reshape(real, (-1, self.dim))
        for minibatch in ops.split(real, self.params["n_critic"], axis=0):
            estimate = self.critic_step(minibatch)
        with tf.GradientTape() as tape:
            g_loss = -ops.mean(self.critic(self.generator(self.noise(ops.shape(minibatch)[0]), training=True),
                                           training=True))
        variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(gradients(tape, g_loss, variables, self.g_optimizer), variables))
        return self.track(wasserstein=estimate, critic_loss=-estimate, g_loss=g_loss)

    def build_all(self):
        self.critic_optimizer.build(self.critic.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self.built = True

    def noise_numpy(self, n, rng: np.random.Generator):
        return rng.standard_normal((n, self.params["noise_dim"])).astype(np.float32)

    def decode(self, z):
        return ops.reshape(self.generator(z, training=False), (-1, *self.image_shape))

    def extra_metrics(self, splits, data_dir=None) -> dict:
        from repro.metrics.classifier import sample_metrics

        images = self.generate(self.cfg["eval"]["classifier_samples"], seed=EVAL_SEED)["images"]
        critic_weights = np.concatenate([v.numpy().ravel() for v in self.critic.trainable_variables])
        return {"samples": sample_metrics(images, data_dir), "clip": self.params["clip"],
                "critic_max_abs_weight": float(np.abs(critic_weights).max()),
                "generator_steps_per_epoch": self.steps_for(self.cfg, len(splits.train))[0],
                "monitor_samples": self.params["monitor_samples"]}
