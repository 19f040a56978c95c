"""A GAN on a 1-D Gaussian: the 2014 paper's Fig. 1 made runnable in seconds (the report “Generative Adversarial Nets”).

The report “Generative Adversarial Nets” reproduces Eric Jang's public 1-D tutorial (its captions "Pre-train Decision
Surface: if decider is reasonably accurate to start, we get much faster convergence" and "after 10,000 iters" are the
tutorial's). The tutorial's recipe, the faithful default here:
- data N(mu = -1, sigma = 1); minibatches of M = 200; 10,000 iterations of Algorithm 1 with k = 1;
- G and D: MLPs 1 -> 6 -> 5 -> 1, tanh everywhere, weights N(0, 1), biases 0; G's output times 5;
  D's tanh output clipped to [0.01, 0.99] to be a probability;
- noise: M evenly spaced points on [-5, 5] plus U(0, 0.01) jitter (stratified uniform);
- D pre-trained 1,000 steps to regress the data density p_data(x) (squared error) at x ~ U(-5, 5);
- SGD with momentum 0.6, learning rate 0.001 times 0.95 every 2,500 steps (staircase);
- D maximises mean log D(x) + log(1 - D(G(z))); G maximises mean log D(G(z)) (non-saturating).
`d_output: sigmoid`, `noise: uniform` and `g_loss: minimax` switch to the paper's textbook forms.

Training is one Keras `fit`: the first `pretrain_steps` train_steps pre-train D, the rest are GAN
iterations. The model keeps snapshots of D(x) on a grid and of G(z) on a grid of z at the start and
right after pre-training, as non-trainable weights, so the Fig. 1 panels survive checkpoints and resumes.
"""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from repro.config import ConfigError, Field, positive_ints
from repro.data import Splits
from repro.models.mlp import dense_mlp
from repro.models.precision import gradients, loss_scaled
from repro.models.tracked import TrackedModel

LOG4 = math.log(4.0)
JSD_MONITOR_POINTS = 100_000  # quantiles of the prior mapped through G after every epoch: p_g for history's "jsd"
SNAPSHOTS = ("start", "pretrained")  # the two states kept inside the model; the third (end) is the model itself


class Toy1DGAN(TrackedModel):
    PARAMS = {
        "mu": Field(-1.0, float, doc="mean of the data distribution"),
        "sigma": Field(1.0, float, lo=1e-6, doc="standard deviation of the data distribution"),
        "hidden": positive_ints([6, 5], doc="hidden units of both MLPs"),
        "init_stddev": Field(1.0, float, lo=0.0, doc="weights ~ N(0, init_stddev^2); biases 0"),
        "g_scale": Field(5.0, float, lo=0.0, doc="G's tanh output is multiplied by this; the x grid spans it"),
        "g_output": Field("scaled_tanh", str, choices=("scaled_tanh", "linear"),
                          doc="G's last layer: g_scale tanh(.) (tutorial) or linear (unbounded)"),
        "d_output": Field("clipped_tanh", str, choices=("clipped_tanh", "sigmoid")),
        "d_clip": Field(0.01, float, lo=0.0, hi=0.49, doc="clipped_tanh: D in [d_clip, 1 - d_clip]"),
        "noise": Field("stratified", str, choices=("stratified", "uniform", "normal")),
        "z_range": Field(5.0, float, lo=0.0, doc="stratified/uniform noise on [-z_range, z_range]"),
        "g_loss": Field("non_saturating", str, choices=("non_saturating", "minimax")),
        "optimizer": Field("sgd", str, choices=("sgd", "adam"), doc="GAN players' optimiser (pre-training: SGD)"),
        "learning_rate": Field(0.001, float, lo=0.0),
        "momentum": Field(0.6, float, lo=0.0, hi=1.0, doc="sgd"),
        "beta_1": Field(0.5, float, lo=0.0, hi=1.0, doc="adam"),
        "lr_decay_rate": Field(0.95, float, lo=0.0, hi=1.0),
        "lr_decay_steps": Field(2500, int, lo=1, doc="optimizer steps between learning-rate decays"),
        "pretrain_steps": Field(1000, int, lo=0, doc="first train_steps: D regresses p_data at x ~ U(-range, range)"),
        "pretrain_range": Field(5.0, float, lo=0.0),
        "grid_points": Field(1000, int, lo=10, doc="x grid for D(x) and the density plots"),
        "z_grid_points": Field(10000, int, lo=10, doc="z grid mapped through G for p_g"),
        "theory_d_steps": Field(3000, int, lo=1, doc="fixed-G check: full-batch Adam steps of the first (shortest) "
                                                     "training of a fresh D; doubled until its loss settles"),
        "theory_d_max_steps": Field(96000, int, lo=1, doc="fixed-G check: the longest training tried; if the loss "
                                                          "has not settled by then, the row says not converged"),
        "theory_d_hidden": positive_ints([32, 32], doc="fixed-G check: the fresh D's hidden units"),
    }
    FORMER_PARAMS = {"theory_batch": None}  # never used: the fixed-G D trains on quadrature
    parzen = False
    history_keys = ("jsd",)
    tracked = ("d_loss", "g_loss", "d_real", "d_fake", "value", "pretrain_mse")

    @staticmethod
    def check_config(cfg):
        p = cfg["model_params"]
        if cfg["data"]["dataset"] != "gaussian1d":
            raise ConfigError(f"model 'toy1d' trains on data.dataset: gaussian1d (N(mu, sigma) in 1-D), not "
                              f"{cfg['data']['dataset']!r}.")
        t = cfg["train"]
        total = t["epochs"] * (t["steps_per_epoch"] or 0)
        if not t["steps_per_epoch"]:
            raise ConfigError("model 'toy1d' counts iterations: set train.steps_per_epoch (e.g. 100).")
        draws = t["train_examples"] or 200_000
        if t["steps_per_epoch"] > draws // t["batch_size"]:
            raise ConfigError(f"train.steps_per_epoch ({t['steps_per_epoch']}) exceeds one pass over the "
                              f"{draws:,} training draws in batches of {t['batch_size']} ({draws // t['batch_size']} "
                              "steps), and an epoch is never longer than a pass: raise train.train_examples.")
        if p["pretrain_steps"] % t["steps_per_epoch"]:
            raise ConfigError(f"config key 'model_params.pretrain_steps' ({p['pretrain_steps']}) must be a multiple "
                              f"of train.steps_per_epoch ({t['steps_per_epoch']}), so that no epoch of history.csv "
                              "mixes pre-training and GAN steps.")
        if total <= p["pretrain_steps"]:
            raise ConfigError(f"train.epochs x train.steps_per_epoch = {total} leaves no GAN iteration after "
                              f"{p['pretrain_steps']} pre-training steps; raise train.epochs.")

    # ---- data: N(mu, sigma) draws instead of MNIST ------------------------------------------------------------
    @classmethod
    def load_splits(cls, cfg, data_dir=None):
        p = cfg["model_params"]
        rng = np.random.default_rng(cfg["seed"])
        n = cfg["train"]["train_examples"] or 200_000

        def draw(k):
            return (p["mu"] + p["sigma"] * rng.standard_normal((k, 1))).astype(np.float32)

        return Splits(draw(n), draw(10_000), draw(100_000), None, None, None, (1,), "gaussian1d")

    # ---- networks ---------------------------------------------------------------------------------------------
    def __init__(self, cfg, image_shape=(1,), pixel_mean=None, steps_per_epoch=None, **kwargs):
        super().__init__(cfg, image_shape, **kwargs)
        p = self.params

        def mlp(name, seed, output):
            return dense_mlp(p["hidden"], 1, seed=seed, name=name, activation="tanh", out_activation=output,
                             input_dim=1, out_dtype=None, initializer=keras.initializers.RandomNormal, mean=0.0,
                             stddev=p["init_stddev"])

        # G: tanh output scaled to [-g_scale, g_scale] or linear; D: tanh (clipped later) or a logit for the sigmoid
        self.generator = mlp("generator", self.seed, "tanh" if p["g_output"] == "scaled_tanh" else None)
        self.discriminator = mlp("discriminator", self.seed + 1, "tanh" if p["d_output"] == "clipped_tanh" else None)

        def optimizer(name, kind):
            lr = keras.optimizers.schedules.ExponentialDecay(p["learning_rate"], p["lr_decay_steps"],
                                                             p["lr_decay_rate"], staircase=True)
            if kind == "adam":
                return keras.optimizers.Adam(lr, beta_1=p["beta_1"], name=name)
            return keras.optimizers.SGD(lr, momentum=p["momentum"], name=name)

        self.pretrain_optimizer = loss_scaled(optimizer("pretrain", "sgd"))
        self.d_optimizer = loss_scaled(optimizer("d", p["optimizer"]))
        self.g_optimizer = loss_scaled(optimizer("g", p["optimizer"]))
        self.noise_seed = keras.random.SeedGenerator(self.seed + 100)
        self.step = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="step")
        self.x_grid = np.linspace(min(p["mu"] - 4 * p["sigma"], -p["g_scale"]),
                                  max(p["mu"] + 4 * p["sigma"], p["g_scale"]), p["grid_points"]).astype(np.float32)
        self.z_grid = self.prior_quantiles(p["z_grid_points"]).astype(np.float32)
        self.snap_d = self.add_weight(shape=(len(SNAPSHOTS), p["grid_points"]), initializer="zeros", trainable=False,
                                      name="snapshot_d")
        self.snap_g = self.add_weight(shape=(len(SNAPSHOTS), p["z_grid_points"]), initializer="zeros",
                                      trainable=False, name="snapshot_g")

    def d_prob(self, x):
        """D(x) as a probability."""
        out = self.discriminator(ops.reshape(x, (-1, 1)), training=True)[:, 0]
        if self.params["d_output"] == "sigmoid":
            return ops.sigmoid(out)
        c = self.params["d_clip"]
        return ops.clip(out, c, 1.0 - c)

    def g(self, z):
        out = self.generator(ops.reshape(z, (-1, 1)), training=True)[:, 0]
        return self.params["g_scale"] * out if self.params["g_output"] == "scaled_tanh" else out

    def prior_quantiles(self, n):
        """n points z_i = F^-1((i + 1/2) / n) of the noise prior: G of them is a deterministic sample of p_g."""
        u = (np.arange(n) + 0.5) / n
        if self.params["noise"] == "normal":
            from scipy import stats

            return stats.norm.ppf(u)
        r = self.params["z_range"]
        return -r + 2 * r * u

    def noise(self, n):
        r = self.params["z_range"]
        if self.params["noise"] == "normal":
            return keras.random.normal((n,), seed=self.noise_seed)
        if self.params["noise"] == "stratified":
            # the tutorial's prior: an even grid over [-r, r] with a little jitter (low-variance uniform)
            return ops.linspace(-r, r, n) + 0.01 * keras.random.uniform((n,), seed=self.noise_seed)
        return keras.random.uniform((n,), -r, r, seed=self.noise_seed)

    def noise_numpy(self, n, rng: np.random.Generator):
        if self.params["noise"] == "normal":
            return rng.standard_normal((n, 1)).astype(np.float32)
        r = self.params["z_range"]
        return rng.uniform(-r, r, (n, 1)).astype(np.float32)

    def decode(self, z):
        return ops.reshape(self.g(z), (-1, 1))

    # ---- one iteration ----------------------------------------------------------------------------------------
    def losses_on(self, x, z):
        d_real, d_fake = self.d_prob(x), self.d_prob(self.g(z))
        value = ops.mean(ops.log(d_real)) + ops.mean(ops.log(1.0 - d_fake))
        g_loss = (-ops.mean(ops.log(d_fake)) if self.params["g_loss"] == "non_saturating"
                  else ops.mean(ops.log(1.0 - d_fake)))
        return -value, g_loss, d_real, d_fake

    def pretrain_mse(self, n):
        p = self.params
        x = keras.random.uniform((n,), -p["pretrain_range"], p["pretrain_range"], seed=self.noise_seed)
        pdf = ops.exp(-0.5 * ops.square((x - p["mu"]) / p["sigma"])) / (p["sigma"] * math.sqrt(2 * math.pi))
        return ops.mean(ops.square(self.discriminator(ops.reshape(x, (-1, 1)), training=True)[:, 0] - pdf))

    def pretrain_step(self, x):
        with tf.GradientTape() as tape:
            mse = self.pretrain_mse(ops.shape(x)[0])
        d_vars = self.discriminator.trainable_variables
        self.pretrain_optimizer.apply_gradients(zip(gradients(tape, mse, d_vars, self.pretrain_optimizer), d_vars))
        d_loss, g_loss, d_real, d_fake = self.losses_on(x, self.noise(ops.shape(x)[0]))  # monitored, not trained
        return mse, d_loss, g_loss, d_real, d_fake

    def gan_step(self, x):
        n = ops.shape(x)[0]
        with tf.GradientTape() as tape:  # Algorithm 1, k = 1: one D-step ...
            d_loss, _, d_real, d_fake = self.losses_on(x, self.noise(n))
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(gradients(tape, d_loss, d_vars, self.d_optimizer), d_vars))
        with tf.GradientTape() as tape:  # ... then one G-step on fresh noise
            _, g_loss, _, _ = self.losses_on(x, self.noise(n))
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(gradients(tape, g_loss, g_vars, self.g_optimizer), g_vars))
        return self.pretrain_mse(n), d_loss, g_loss, d_real, d_fake

    def take_snapshot(self, i):
        self.snap_d.assign(tf.tensor_scatter_nd_update(self.snap_d, [[i]], self.d_prob(self.x_grid)[None]))
        self.snap_g.assign(tf.tensor_scatter_nd_update(self.snap_g, [[i]], self.g(self.z_grid)[None]))
        return tf.constant(0)

    def train_step(self, x):
        x = ops.reshape(ops.cast(x, "float32"), (-1,))
        pre = self.params["pretrain_steps"]
        tf.cond(tf.equal(self.step.value, 0), lambda: self.take_snapshot(0), lambda: tf.constant(0))
        tf.cond(tf.equal(self.step.value, pre), lambda: self.take_snapshot(1), lambda: tf.constant(0))
        mse, d_loss, g_loss, d_real, d_fake = tf.cond(self.step.value < pre, lambda: self.pretrain_step(x),
                                                      lambda: self.gan_step(x))
        self.step.assign_add(1)
        return self.track(pretrain_mse=mse, d_loss=d_loss, g_loss=g_loss, d_real=ops.mean(d_real),
                          d_fake=ops.mean(d_fake), value=-d_loss)

    def compile(self, **kwargs):
        # one compiled loop per epoch: the networks are tiny, so Python's per-step overhead would dominate
        kwargs.setdefault("steps_per_execution", self.cfg["train"]["steps_per_epoch"])
        super().compile(**kwargs)

    def build_all(self):
        self.generator.build((None, 1))
        self.discriminator.build((None, 1))
        for opt, net in ((self.pretrain_optimizer, self.discriminator), (self.d_optimizer, self.discriminator),
                         (self.g_optimizer, self.generator)):
            opt.build(net.trainable_variables)
        self.built = True

    def training_callbacks(self, run_dir):
        return [JSDMonitor()]

    # ---- sampling and evaluation ------------------------------------------------------------------------------
    def generate(self, n, seed=0, batch_size=100_000):
        """1-D samples: {"samples": (n,) float32 x = G(z), "z": the noise}. There are no images; the MNIST
        Parzen command refuses these files with a message naming the missing 'images' key."""
        z = self.noise_numpy(n, np.random.default_rng(seed))
        return {"samples": self.generate_from_z(z, batch_size).astype(np.float32), "z": z[:, 0]}

    def generate_from_z(self, z, batch_size=100_000):
        z = np.asarray(z, np.float32).reshape(-1)
        return np.concatenate([keras.ops.convert_to_numpy(self.g(z[i:i + batch_size]))
                               for i in range(0, len(z), batch_size)]).astype(np.float64)

    def curves(self):
        """D(x) on x_grid and G(z) on z_grid for the snapshots and the current state: {state: (d, g)}."""
        out = {name: (keras.ops.convert_to_numpy(self.snap_d[i]), keras.ops.convert_to_numpy(self.snap_g[i]))
               for i, name in enumerate(SNAPSHOTS)}
        out["end"] = (keras.ops.convert_to_numpy(self.d_prob(self.x_grid)),
                      keras.ops.convert_to_numpy(self.g(self.z_grid)))
        return out

    def extra_metrics(self, splits, data_dir=None) -> dict:
        from repro.experiments.toy1d.metrics import theory_checks

        return theory_checks(self, splits)


class JSDMonitor(keras.callbacks.Callback):
    """history.csv column "jsd": JSD(p_data || p_g) after every epoch (numerical, as the theory checks compute
    it), so the report can show whether a setting approaches p_g = p_data or stalls."""

    def on_train_begin(self, logs=None):
        self.z = self.model.prior_quantiles(JSD_MONITOR_POINTS)

    def on_epoch_end(self, epoch, logs=None):
        from repro.experiments.toy1d.metrics import jsd_numerical

        m = self.model
        if logs is not None:
            logs["jsd"] = jsd_numerical(m.generate_from_z(self.z), m.params["mu"], m.params["sigma"],
                                        m.x_grid.astype(np.float64))[0]
