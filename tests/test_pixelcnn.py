"""PixelCNN: the masks hide every pixel's successors (and a wrong mask is caught), the likelihood is the sum of
the per-pixel terms, sampling's window and compiled loop give the full network's conditionals, a smoke run trains."""
import json

import numpy as np
import pytest
import tensorflow as tf

from repro.config import load_config
from repro.experiments.pixelcnn.model import PixelCNN, build_network, per_image_nll, per_pixel_nll, raster_mask

SIDE = 8


def dependence(net, seed=0):
    """|d logit_i / d x_j| for an 8 x 8 image, i and j in raster order: a (64, 64) matrix."""
    x = tf.constant((np.random.default_rng(seed).random((1, SIDE, SIDE, 1)) < 0.5).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reshape(net(x), [-1])
    return np.abs(tape.jacobian(y, x).numpy().reshape(SIDE * SIDE, SIDE * SIDE))


def sees_only_earlier_pixels(jac):
    """True when output i has exactly zero gradient w.r.t. every input j >= i (raster order)."""
    return not np.any(np.triu(jac) != 0.0)


def small_net(**kw):
    return build_network(h=4, blocks=2, first_kernel=7, kernel=3, output_layers=2, seed=3,
                         image_shape=(SIDE, SIDE, 1), **kw)


def test_mask_hides_every_successor_with_the_real_layers():
    jac = dependence(small_net())
    assert sees_only_earlier_pixels(jac)
    # and the network does use earlier pixels (a network of zeros would pass the check above)
    below = jac[np.tril_indices(SIDE * SIDE, -1)]
    assert (below > 0).mean() > 0.2


@pytest.mark.parametrize("wrong", [{"first_mask": "B"}, {"block_mask": "none"}, {"first_mask": "none"}])
def test_the_same_check_fails_for_a_wrong_mask(wrong):
    assert not sees_only_earlier_pixels(dependence(small_net(**wrong)))


def test_mask_shapes():
    a, b = raster_mask(3, "A", 1, 1)[..., 0, 0], raster_mask(3, "B", 1, 1)[..., 0, 0]
    np.testing.assert_array_equal(a, [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(b, [[1, 1, 1], [1, 1, 0], [0, 0, 0]])


def test_image_nll_is_the_sum_of_pixel_terms():
    rng = np.random.default_rng(1)
    x = (rng.random((5, SIDE, SIDE, 1)) < 0.4).astype(np.float32)
    logits = small_net()(tf.constant(x)).numpy()
    per_pixel = per_pixel_nll(tf.constant(x), tf.constant(logits)).numpy()
    total = per_image_nll(tf.constant(x), tf.constant(logits)).numpy()
    np.testing.assert_allclose(total, per_pixel.reshape(5, -1).sum(axis=1), rtol=1e-6)
    # each term is -log p(x_i | x_<i) of a Bernoulli with p = sigmoid(logit), computed independently in float64
    p = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
    direct = -(x * np.log(p) + (1 - x) * np.log1p(-p)).reshape(5, -1).sum(axis=1)
    np.testing.assert_allclose(total, direct, rtol=1e-5)


@pytest.fixture(scope="module")
def tiny_model(configs):
    cfg = load_config(configs / "pixelcnn_binarized_mnist.yaml", "smoke",
                      {"model_params": {"hidden": 4, "residual_blocks": 2}})
    model = PixelCNN(cfg, image_shape=(SIDE, SIDE, 1))
    model.compile()
    model.build_all()
    return model


def test_sampler_probabilities_are_the_full_networks_conditionals(tiny_model):
    # the sampler runs the network on a window of rows; the full pass on the finished images must agree
    assert tiny_model.reach() < SIDE  # the window is really smaller than the image for the later rows
    s = tiny_model.generate(6, seed=5)
    assert set(np.unique(s["images"])) <= {0.0, 1.0}
    full = tf.sigmoid(tiny_model.net(tf.constant(s["images"]))).numpy()
    np.testing.assert_allclose(s["probabilities"], full, atol=1e-5)


def test_compiled_loop_and_python_loop_draw_the_same_images(tiny_model):
    images, probs = tiny_model.sample_python_loop(4, seed=11 * 1_000_003)
    s = tiny_model.generate(4, seed=11)
    np.testing.assert_array_equal(images, s["images"])
    np.testing.assert_allclose(probs, s["probabilities"], atol=1e-6)


def test_smoke_training_runs(configs, mnist_dir, tmp_path):
    from repro.train import train

    cfg = load_config(configs / "pixelcnn_binarized_mnist.yaml", "smoke",
                      {"model_params": {"hidden": 8, "residual_blocks": 2}})
    run_dir = train(cfg, tmp_path / "run", data_dir=mnist_dir, verbose=0)
    history = (run_dir / "history.csv").read_text().splitlines()
    assert history[0].split(",")[:1] == ["epoch"] and len(history) == 2
    nll = float(dict(zip(history[0].split(","), history[1].split(",")))["nll"])
    assert 0 < nll < 784 * np.log(2) * 1.5  # nats per image, starting near 784 coin flips
    assert json.loads((run_dir / "done.json").read_text())["epochs"] == 1


class SessionEnded(Exception):
    pass


def test_a_killed_evaluation_resumes_from_the_batches_it_kept(tiny_model, tmp_path, monkeypatch):
    # evaluate's 10,000 samples are hours: each finished batch is kept in the store, and a second start (here:
    # a fresh model with the same weights) reads those instead of drawing them again, giving the same images
    fresh = tiny_model.generate(6, seed=7, batch_size=2)
    tiny_model._samples = {}
    tiny_model.sample_store = tmp_path / "samples-in-progress"
    real_loop, calls, killed = PixelCNN._sample_loop, [], []

    def killed_after_two(self, n, seed, stop):
        if len(calls) == 2 and not killed:
            killed.append(True)
            raise SessionEnded  # the session ends after two of the three batches
        calls.append(int(seed))
        return real_loop(self, n, seed, stop)
    try:
        monkeypatch.setattr(PixelCNN, "_sample_loop", killed_after_two)
        with pytest.raises(SessionEnded):
            tiny_model.generate(6, seed=7, batch_size=2)
        assert len(list(tiny_model.sample_store.glob("*.npz"))) == 2 and not list(tiny_model.sample_store.glob("*.tmp"))
        calls.clear()
        resumed = tiny_model.generate(6, seed=7, batch_size=2)
        assert calls == [7 * 1_000_003 + 4]  # only the missing batch is drawn
        np.testing.assert_array_equal(resumed["images"], fresh["images"])
        np.testing.assert_array_equal(resumed["probabilities"], fresh["probabilities"])
        # other weights never reuse them
        w = tiny_model.net.weights[0]
        old = w.numpy()
        w.assign(old + 1.0)
        tiny_model._samples, calls[:] = {}, []
        tiny_model.generate(6, seed=7, batch_size=2)
        w.assign(old)
        assert len(calls) == 3
    finally:
        tiny_model.sample_store, tiny_model._samples = None, {}


def test_the_report_says_when_parzen_ranks_runs_unlike_their_exact_likelihood():
    from repro.experiments.pixelcnn.report import MODELS, parzen_lines, ranking_sentence

    def run(name, nll, a, b):
        return {"run": name, "profile": "quick", "parzen": {"ll": a, "se": 1.0, "sigma": 0.3},
                "metrics": {"test_nll": {"nll": nll}, "n_samples": 100,
                            "parzen_probabilities": {"ll": b, "se": 1.0, "sigma": 0.3}}}
    better, worse = run("better", 95.0, -300.0, -240.0), run("worse", 100.0, -270.0, -250.0)
    said = ranking_sentence([(MODELS[0], better), (MODELS[1], worse)])
    assert "estimate (a) rank the runs differently" in said and "(b)" not in said.split("(best first")[0]
    assert ranking_sentence([(MODELS[0], better), (MODELS[1], run("w", 100.0, -310.0, -250.0))]).startswith(
        "Among the runs scored on 100 samples, both Parzen estimates rank the runs as")
    assert ranking_sentence([(MODELS[0], better)]) == ""
    more = run("more samples", 90.0, -100.0, -30.0)  # scored on 10,000 samples: not ranked against 100
    more["metrics"]["n_samples"] = 10000
    assert "more samples" not in ranking_sentence([(MODELS[0], more), (MODELS[0], better), (MODELS[1], worse)])
    text = "\n".join(parzen_lines([(MODELS[0], better), (MODELS[1], worse)]))
    assert text.count("The 2014 protocol puts a Gaussian") == 1 and "| -95.00 |" in text and "fewer" in text


@pytest.mark.parametrize("kernels", [(3, 1), (5, 5)])
def test_the_row_sampler_gives_the_full_networks_conditionals_for_other_kernels(configs, kernels):
    # each block keeps kernel // 2 rows above (none for 1 x 1, two for 5 x 5); the first layer reads its own rows
    cfg = load_config(configs / "pixelcnn_binarized_mnist.yaml", "smoke",
                      {"model_params": {"hidden": 4, "residual_blocks": 2, "first_kernel": kernels[0],
                                        "kernel": kernels[1]}})
    model = PixelCNN(cfg, image_shape=(SIDE, SIDE, 1))
    s = model.generate(3, seed=2)
    full = tf.sigmoid(model.net(tf.constant(s["images"]))).numpy()
    np.testing.assert_allclose(s["probabilities"], full, atol=1e-5)


def test_the_report_says_when_a_parzen_estimate_lies_above_the_exact_likelihood():
    from repro.experiments.pixelcnn.report import MODELS, above_sentence

    s = {"run": "r", "parzen": {"ll": -120.0}, "metrics": {"test_nll": {"nll": 86.0},
                                                          "parzen_probabilities": {"ll": -30.0}}}
    said = above_sentence([(MODELS[0], s)])
    assert "pixel probabilities (-30.0) lies 56.0 nats above" in said and "0/1 samples" not in said
    s["metrics"]["parzen_probabilities"]["ll"] = -90.0
    assert above_sentence([(MODELS[0], s)]) == ""
