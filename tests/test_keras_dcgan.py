"""keras-dcgan: architecture and parameter counts, the loop's semantics, --nice, the config, and one smoke run
through the CLI (train, evaluate, sample --nice, figures, report) on real MNIST."""
import json

import keras
import numpy as np
import pytest

from repro.config import ConfigError, load_config
from repro.experiments.keras_dcgan.experiment import PAPER_STEPS, evolution_points
from repro.experiments.keras_dcgan.model import D_PARAMS, G_PARAMS, keras_bce
from repro.train import build_model, steps_for


@pytest.fixture(scope="module")
def smoke_cfg(configs):
    return load_config(configs / "keras_dcgan_mnist.yaml", "smoke")


@pytest.fixture()
def model(smoke_cfg):
    keras.utils.set_random_seed(0)
    return build_model(smoke_cfg, None)


def test_parameter_counts_and_layer_stack(model):
    assert model.generator.count_params() == G_PARAMS == 6_763_777
    assert model.discriminator.count_params() == D_PARAMS == 3_485_441
    g = [type(layer).__name__ for layer in model.generator.layers]
    assert g == ["Dense", "Activation", "Dense", "BatchNormalization", "Activation", "Reshape", "UpSampling2D",
                 "Conv2D", "Activation", "UpSampling2D", "Conv2D", "Activation"]
    d = [type(layer).__name__ for layer in model.discriminator.layers]
    assert d == ["Conv2D", "Activation", "MaxPooling2D", "Conv2D", "Activation", "MaxPooling2D", "Flatten", "Dense",
                 "Activation", "Dense", "Activation"]
    assert model.discriminator.layers[3].padding == "valid"
    assert model.discriminator.layers[6].compute_output_shape((None, 5, 5, 128)) == (None, 3200)
    assert tuple(model.generator(np.zeros((2, 100), np.float32)).shape) == (2, 28, 28, 1)


def test_paper_recipe(configs):
    cfg = load_config(configs / "keras_dcgan_mnist.yaml", "paper")
    assert cfg["data"]["train_range"] == [0, 60000] and cfg["data"]["shuffle"] is False
    assert cfg["data"]["pixel_range"] == "symmetric" and cfg["train"]["epochs"] == 100
    assert steps_for(cfg, 60000) == (468, 128)  # 60000 // 128, last partial batch dropped
    opt = build_model(cfg, None).d_optimizer
    assert (float(opt.learning_rate), opt.momentum, opt.nesterov) == (pytest.approx(0.0005), 0.9, True)


def test_config_rejects_unit_pixels(configs):
    with pytest.raises(ConfigError, match="pixel_range"):
        load_config(configs / "keras_dcgan_mnist.yaml", "smoke", {"data": {"pixel_range": "unit"}})


def test_unshuffled_batches_are_the_training_images_in_order(smoke_cfg, mnist_dir):
    from repro.experiments.keras_dcgan.model import KerasDCGAN

    splits = KerasDCGAN.load_splits(smoke_cfg, mnist_dir)
    cfg = {**smoke_cfg, "train": {**smoke_cfg["train"], "epochs": 2}}
    # 2 epochs of 2 steps: a short epoch continues the pass where the previous one stopped
    batches = [b.numpy() for b in KerasDCGAN.make_dataset(cfg, splits, 128, steps_per_epoch=2)]
    assert len(batches) == 4
    per_pass = len(splits.train) // 128  # a pass drops its last partial batch, then starts over in order
    for i, b in enumerate(batches):
        j = i % per_pass
        np.testing.assert_array_equal(b, splits.train[j * 128:(j + 1) * 128])
    assert splits.train.min() == -1.0 and splits.train.max() == 1.0


def test_bce_matches_keras_including_clipping():
    p = np.array([[0.0], [1e-9], [0.3], [0.999], [1.0]], np.float32)
    for target in (0.0, 1.0):
        y = np.full_like(p, target)
        expected = float(keras.ops.mean(keras.losses.binary_crossentropy(y, keras.ops.convert_to_tensor(p))))
        assert float(keras_bce(p, target)) == pytest.approx(expected, rel=1e-5)


def _weights(m):
    return [v.numpy() for v in m.weights]


REAL = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype(np.float32)


def test_g_step_leaves_d_alone(model):
    # D frozen by a zero learning rate (a fresh model: no momentum yet): a change in D would come from G's step
    model.d_optimizer.learning_rate.assign(0.0)
    d0, g0 = _weights(model.discriminator), [v.numpy() for v in model.generator.trainable_variables]
    logs = model.train_step(REAL)
    assert all(np.array_equal(a, b) for a, b in zip(d0, _weights(model.discriminator)))
    assert all(not np.array_equal(a, b.numpy()) for a, b in zip(g0, model.generator.trainable_variables))
    bn = model.generator.layers[3]
    assert not np.array_equal(bn.moving_mean.numpy(), np.zeros(6272))  # G stepped in training mode
    assert np.isfinite(float(logs["d_loss_step"])) and np.isfinite(float(logs["g_loss_step"]))


def test_d_step_leaves_g_alone(model):
    model.g_optimizer.learning_rate.assign(0.0)
    d0, g0 = _weights(model.discriminator), [v.numpy() for v in model.generator.trainable_variables]
    model.train_step(REAL)
    assert all(not np.array_equal(a, b) for a, b in zip(d0, _weights(model.discriminator)))
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(g0, model.generator.trainable_variables))


def test_d_loss_is_one_bce_over_real_and_fake_concatenated(model):
    real = np.random.default_rng(1).uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32)
    model.d_optimizer.learning_rate.assign(0.0)
    model.g_optimizer.learning_rate.assign(0.0)
    model.noise_seed = keras.random.SeedGenerator(7)
    z = keras.random.uniform((8, 100), -1.0, 1.0, seed=keras.random.SeedGenerator(7))
    fake = model.generator(z, training=False)  # g.predict: BatchNorm in inference mode
    p = model.discriminator(np.concatenate([real, np.array(fake)]), training=False)
    expected = keras_bce(p, np.concatenate([np.ones((8, 1)), np.zeros((8, 1))]).astype(np.float32))
    assert float(model.train_step(real)["d_loss_step"]) == pytest.approx(float(expected), rel=1e-4)


def test_nice_keeps_the_best_by_d_per_group(smoke_cfg):
    cfg = {**smoke_cfg, "model_params": {**smoke_cfg["model_params"], "nice_batch": 4, "nice_factor": 20}}
    keras.utils.set_random_seed(0)
    m = build_model(cfg, None)
    out = m.generate(6, seed=3, nice=True)
    assert out["images"].shape == (6, 28, 28, 1) and 0 <= out["images"].min() and out["images"].max() <= 1
    rng = np.random.default_rng(3)
    for group in range(2):
        fakes = np.array(m.decode(m.noise_numpy(80, rng)))
        scores = m.discriminate_numpy(fakes)
        best = np.sort(scores)[::-1][:4]
        got = out["d_scores"][4 * group: 4 * group + 4]
        np.testing.assert_allclose(got, best[: len(got)], rtol=1e-5)
    np.testing.assert_allclose(m.discriminate_numpy(out["images"] * 2 - 1), out["d_scores"], rtol=1e-3, atol=1e-5)


def test_fused_upsampling_is_the_same_function():
    import tensorflow as tf

    from repro.experiments.keras_dcgan.model import build_generator

    keras.utils.set_random_seed(0)
    plain, fused = build_generator(100, "plain"), build_generator(100, "fused")
    assert fused.count_params() == plain.count_params() == G_PARAMS
    fused.set_weights(plain.get_weights())
    z = np.random.default_rng(0).uniform(-1, 1, (32, 100)).astype(np.float32)
    np.testing.assert_allclose(fused(z).numpy(), plain(z).numpy(), atol=1e-5)
    with tf.GradientTape(persistent=True) as tape:
        lp, lf = tf.reduce_sum(plain(z, training=True) ** 2), tf.reduce_sum(fused(z, training=True) ** 2)
    for gp, gf in zip(tape.gradient(lp, plain.trainable_variables), tape.gradient(lf, fused.trainable_variables)):
        # pre-BN bias: ~0 + noise
        np.testing.assert_allclose(gf.numpy(), gp.numpy(), atol=1e-3 * np.abs(gp.numpy()).max() + 1e-4)


def test_evolution_points_scale_with_run_length():
    pts, scale = evolution_points(PAPER_STEPS)
    assert [s for _, _, s in pts] == [0, 400, 4680, 9360, 46800] and scale == 1.0
    pts, scale = evolution_points(300)
    assert [s for _, _, s in pts] == [0, 3, 30, 60, 300] and scale == pytest.approx(300 / 46800)


def test_smoke_run_end_to_end(configs, mnist_dir, tmp_path, monkeypatch):
    from repro.cli import main

    monkeypatch.chdir(tmp_path)
    run = tmp_path / "runs" / "dcgan-smoke"
    # --nice keeps the best 16 of 64 fakes, not 128 of 2,560: the same code, and 20 times fewer fakes to draw
    assert main(["train", str(configs / "keras_dcgan_mnist.yaml"), "--profile", "smoke", "--run-dir", str(run),
                 "--set", "model_params.nice_batch=16", "--set", "model_params.nice_factor=4"]) == 0
    assert (run / "snapshots" / "step_000000.npz").exists() and (run / "snapshots" / "step_000006.npz").exists()
    assert sorted(p.name for p in (run / "monitor_samples").iterdir()) == [
        "step_000000.npz", "step_000003.npz", "step_000006.npz"]
    assert main(["evaluate", str(run), "--results", "results"]) == 0
    s = json.loads((tmp_path / "results" / "runs" / "dcgan-smoke.json").read_text())
    assert s["metrics"]["parameters"] == {"generator": G_PARAMS, "discriminator": D_PARAMS}
    assert s["metrics"]["step_losses"]["steps"] == 6 and s["parzen"]["n_samples"] == 300
    assert sum(s["metrics"]["final_nice"]["histogram"]) == 60
    hist = s["metrics"]["histograms_over_training"]
    assert [h["step"] for h in hist] == [0, 3, 6] and sum(hist[-1]["plain"]["histogram"]) == 300
    assert sum(hist[-1]["nice"]["histogram"]) == 15
    assert main(["sample", str(run), "--n", "5", "--nice", "--out", "nice.npz"]) == 0
    assert np.load("nice.npz")["images"].shape == (5, 28, 28, 1)
    assert main(["figures", "--runs", "runs", "--results", "results"]) == 0
    names = {p.name for p in (tmp_path / "results" / "figures").iterdir()}
    assert {"dcgan-smoke-fig10-6_10-12-samples.png", "dcgan-smoke-fig10-7-losses.png",
            "dcgan-smoke-fig10-8_10-11-evolution.png", "dcgan-smoke-class_histograms.png"} <= names
    assert main(["report", "--results", "results"]) == 0
    report = (tmp_path / "results" / "REPORT.md").read_text()
    assert "keras-dcgan" in report and "not in the paper" in (tmp_path / "results" / "table1.md").read_text()


def test_histograms_over_training_are_measured_again_for_another_classifier(tmp_path, mnist_dir):
    from repro.experiments.keras_dcgan.experiment import histograms_over_training
    from repro.metrics.classifier import fingerprint, get_classifier

    clf = get_classifier(mnist_dir)
    (tmp_path / "monitor_samples").mkdir()
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "monitor_samples" / "step_000000.npz", epoch=0.0,
             plain=rng.integers(0, 256, (20, 28, 28, 1), dtype=np.uint8),
             nice=rng.integers(0, 256, (5, 28, 28, 1), dtype=np.uint8))
    first = histograms_over_training(tmp_path, clf, mnist_dir)
    assert first[0]["plain"]["classifier"] == fingerprint(clf) and sum(first[0]["nice"]["histogram"]) == 5
    cache = tmp_path / "class_histograms.json"
    stale = json.loads(cache.read_text())
    stale["0"]["plain"] |= {"classifier": "0123456789ab", "classifier_score": -1.0}  # another classifier's entry
    cache.write_text(json.dumps(stale))
    again = histograms_over_training(tmp_path, clf, mnist_dir)
    assert again[0]["plain"] == first[0]["plain"]  # measured again with this classifier, not read back
