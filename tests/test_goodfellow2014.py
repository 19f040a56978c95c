import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from repro.config import load_config
from repro.experiments.goodfellow2014.model import AdversarialNets
from repro.models.schedules import DividedEveryStep, LinearMomentum, ScheduledMomentumSGD


def make(configs, **params):
    cfg = load_config(configs / "goodfellow2014_mnist.yaml", "smoke", {"model_params": params} if params else None)
    mean = np.full(784, 0.13, np.float32)
    model = AdversarialNets(cfg, pixel_mean=mean, steps_per_epoch=500)
    model.compile()
    model.build_all()
    return model


def test_architecture_matches_the_public_code(configs):
    m = make(configs)
    g = (100 * 1200 + 1200) + (1200 * 1200 + 1200) + (1200 * 784 + 784)
    d = (784 * 240 * 5 + 240 * 5) + (240 * 240 * 5 + 240 * 5) + (240 + 1)
    assert m.generator.count_params() == g
    assert m.discriminator.count_params() == d
    # sigmoid output bias = logit of the pixel mean; hidden weights uniform within their irange
    out = m.generator.layers[-2]
    np.testing.assert_allclose(out.bias.numpy(), math.log(0.13 / 0.87), rtol=1e-5)
    assert np.abs(m.generator.layers[0].kernel.numpy()).max() <= 0.05
    assert np.abs(m.discriminator.layers[1].dense.kernel.numpy()).max() <= 0.005
    z = m.noise(2000).numpy()
    assert z.min() >= -math.sqrt(3) and z.max() <= math.sqrt(3) and z.std() == pytest.approx(1.0, abs=0.05)


def test_dropout_keeps_0p8_of_pixels_and_fresh_masks_each_pass(configs):
    m = make(configs)
    drop_in = m.discriminator.layers[0]
    assert drop_in.rate == pytest.approx(0.2) and m.discriminator.layers[2].rate == pytest.approx(0.5)
    x = tf.ones((4, 784))
    kept = (drop_in(x, training=True).numpy() != 0).mean()
    assert kept == pytest.approx(0.8, abs=0.05)
    a, b = m.discriminator(x, training=True), m.discriminator(x, training=True)
    assert not np.allclose(a, b)
    np.testing.assert_allclose(m.discriminator(x, training=False), m.discriminator(x, training=False))


def test_learning_rate_divided_every_step_with_floor():
    s = DividedEveryStep(0.1, 1.000004, 1e-6)
    for step in (0, 1, 1000, 125000):
        assert float(s(step)) == pytest.approx(0.1 / 1.000004 ** step, rel=1e-5)
    assert float(s(10 ** 8)) == pytest.approx(1e-6)


def test_momentum_changes_inside_a_compiled_step():
    sched = LinearMomentum(0.5, 0.7, start=1, saturate=3, steps_per_epoch=1)
    opt = ScheduledMomentumSGD(0.1, sched)
    v = keras.Variable(0.0)
    opt.build([v])

    @tf.function
    def step():
        opt.apply_gradients([(tf.constant(1.0), v)])
        return opt.momentums[0].value, opt.current_momentum()

    expected_m = 0.0
    for momentum in (0.5, 0.6, 0.7, 0.7):
        m, _ = step()
        expected_m = momentum * expected_m - 0.1
        assert float(m) == pytest.approx(expected_m, rel=1e-6)


def test_maxout_gradient_is_pylearn2s(configs):
    """Without ties it is TensorFlow's Max gradient; with ties every tied piece gets the whole gradient, as
    Theano's maximum chain (pylearn2's maxout) gives it — TensorFlow's own Max would split it."""
    from repro.models.maxout import max_over_pieces

    h = tf.random.stateless_normal((7, 3, 5), seed=(3, 4))
    dy = tf.random.stateless_normal((7, 3), seed=(5, 6))
    with tf.GradientTape(persistent=True) as t:
        t.watch(h)
        ours, ref = max_over_pieces(h), tf.reduce_max(h, axis=-1)
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_allclose(t.gradient(ours, h, dy), t.gradient(ref, h, dy))
    tied = tf.constant([[[1.0, 3.0, 3.0, 0.0, 2.0]]])
    with tf.GradientTape() as t:
        t.watch(tied)
        y = max_over_pieces(tied)
    np.testing.assert_array_equal(t.gradient(y, tied, tf.constant([[2.0]])), [[[0.0, 2.0, 2.0, 0.0, 0.0]]])


def test_momentum_update_over_several_steps_matches_keras_sgd():
    """The fused update is Keras' SGD with momentum, step for step (momentum fixed here)."""
    w0 = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    ours, ref = keras.Variable(w0), keras.Variable(w0)
    opt = ScheduledMomentumSGD(0.05, LinearMomentum(0.6, 0.6, start=1, saturate=2, steps_per_epoch=1))
    keras_sgd = keras.optimizers.SGD(0.05, momentum=0.6)
    opt.build([ours])
    keras_sgd.build([ref])
    for i in range(4):
        g = tf.constant(np.random.default_rng(i + 1).standard_normal((4, 3)).astype(np.float32))
        opt.apply_gradients([(g, ours)])
        keras_sgd.apply_gradients([(g, ref)])
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-6, atol=1e-7)
    assert not np.allclose(ours.numpy(), w0)


def _manual_sgd(variables, grads, lr):
    return [v.numpy() - lr * g.numpy() for v, g in zip(variables, grads)]


@pytest.mark.parametrize("update", ["simultaneous", "alternating"])
def test_update_order(configs, update):
    """Simultaneous: G's gradient goes through the D of before the step. Alternating: through the updated D."""
    m = make(configs, update=update, d_input_keep=1.0, d_hidden_keep=1.0)
    real = tf.random.stateless_uniform((100, 784), seed=(1, 2))
    state = m.noise_seed.state.numpy()
    z_d = m.noise(100)
    z_g = m.noise(100) if update == "alternating" else z_d
    m.noise_seed.state.assign(state)

    d_vars, g_vars = m.discriminator.trainable_variables, m.generator.trainable_variables
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    with tf.GradientTape() as t:
        fake = m.generator(z_d, training=True)
        d_loss = 0.5 * (bce(tf.ones((100, 1)), m.discriminator(real)) + bce(tf.zeros((100, 1)), m.discriminator(fake)))
    d_expected = _manual_sgd(d_vars, t.gradient(d_loss, d_vars), 0.1)
    if update == "alternating":
        saved = [v.numpy() for v in d_vars]
        for v, new in zip(d_vars, d_expected):
            v.assign(new)
    with tf.GradientTape() as t:
        g_loss = bce(tf.ones((100, 1)), m.discriminator(m.generator(z_g, training=True)))
    g_expected = _manual_sgd(g_vars, t.gradient(g_loss, g_vars), 0.1)
    if update == "alternating":
        for v, old in zip(d_vars, saved):
            v.assign(old)

    m.train_step(real)
    for v, e in zip(d_vars + g_vars, d_expected + g_expected):
        np.testing.assert_allclose(v.numpy(), e, atol=2e-6)


def test_alternating_k_takes_k_discriminator_steps(configs):
    m = make(configs, update="alternating", k=2)
    m.train_step(tf.random.uniform((200, 784)))
    assert int(m.d_optimizer.iterations) == 2 and int(m.g_optimizer.iterations) == 1
