"""PixelRNN's Row LSTM: each output pixel sees only the pixels before it (and a wrong mask or a non-causal
input-to-state convolution is caught), the sampler's row-by-row states give exactly the full network's
conditionals, and a smoke run trains and is scored like the PixelCNN."""
import json

import numpy as np
import pytest
import tensorflow as tf
from test_pixelcnn import SIDE, sees_only_earlier_pixels

from repro.config import load_config
from repro.experiments.pixelcnn.row_lstm import RowLSTM, RowLSTMNetwork


def dependence(net, seed=0):
    """|d logit_i / d x_j| for an 8 x 8 image, i and j in raster order, as test_pixelcnn's, in one backward pass:
    copy k of the image in a batch of 64 contributes only its output k (the network mixes nothing across a batch)."""
    image = (np.random.default_rng(seed).random((1, SIDE, SIDE, 1)) < 0.5).astype(np.float32)
    x = tf.constant(np.repeat(image, SIDE * SIDE, axis=0))
    with tf.GradientTape() as tape:
        tape.watch(x)
        picked = tf.linalg.trace(tf.reshape(net(x), (SIDE * SIDE, SIDE * SIDE)))
    return np.abs(tape.gradient(picked, x).numpy().reshape(SIDE * SIDE, SIDE * SIDE))


def small_net(**kw):
    return RowLSTMNetwork(h=4, lstm_layers=2, first_kernel=7, state_kernel=3, output_layers=2, seed=3, **kw)


def test_every_output_pixel_sees_only_earlier_pixels():
    jac = dependence(small_net())
    assert sees_only_earlier_pixels(jac)
    below = jac[np.tril_indices(SIDE * SIDE, -1)]
    assert (below > 0).mean() > 0.5  # and it does use them (through the states of the rows above)
    # the pixel just above-right of a pixel is within its reach (the state-to-state convolution of the row above)
    i, j = 3 * SIDE + 2, 2 * SIDE + 3
    assert jac[i, j] > 0


@pytest.mark.parametrize("wrong", [{"first_mask": "B"}, {"first_mask": "none"}, {"input_mask": "none"}])
def test_the_same_check_fails_for_a_wrong_network(wrong):
    assert not sees_only_earlier_pixels(dependence(small_net(**wrong)))


@pytest.fixture(scope="module")
def tiny_model(configs):
    cfg = load_config(configs / "row_lstm_binarized_mnist.yaml", "smoke",
                      {"model_params": {"hidden": 4, "lstm_layers": 2}})
    model = RowLSTM(cfg, image_shape=(SIDE, SIDE, 1))
    model.compile()
    model.build_all()
    return model


def test_the_samplers_kept_states_give_the_full_networks_conditionals(tiny_model):
    # the sampler runs one row per pixel on the states it kept of the finished rows; a full pass on the finished
    # images must give the same probabilities, pixel by pixel
    s = tiny_model.generate(5, seed=4)
    assert set(np.unique(s["images"])) <= {0.0, 1.0}
    full = tf.sigmoid(tiny_model.net(tf.constant(s["images"]))).numpy()
    np.testing.assert_allclose(s["probabilities"], full, atol=1e-5)
    tiny_model._samples = {}  # drawn again (not the kept result): the same seed gives the same images
    np.testing.assert_array_equal(tiny_model.generate(5, seed=4)["images"], s["images"])


def test_smoke_training_and_evaluation(configs, mnist_dir, tmp_path):
    from repro.evaluate import evaluate_run
    from repro.train import train

    cfg = load_config(configs / "row_lstm_binarized_mnist.yaml", "smoke",
                      {"model_params": {"hidden": 4, "lstm_layers": 2}})
    run_dir = train(cfg, tmp_path / "run", data_dir=mnist_dir, verbose=0)
    assert json.loads((run_dir / "done.json").read_text())["epochs"] == 1
    summary = evaluate_run(run_dir, data_dir=mnist_dir, results_dir=tmp_path / "results")
    nll = summary["metrics"]["test_nll"]
    assert 0 < nll["nll"] < 784 * np.log(2) * 1.5 and nll["n"] == 64
    assert summary["metrics"]["reported_nll"] == 80.54 and summary["parzen"]["n_samples"] == 4
