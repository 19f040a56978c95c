"""Issue 5's MNIST models (VAE, autoencoder, conditional GAN, WGAN): smoke runs end to end
(train -> evaluate -> sample), `generate`'s contract, the VAE's closed-form KL, WGAN clipping,
cGAN labels. Smoke profiles on real MNIST slices."""
import json

import numpy as np
import pytest

from repro.config import ConfigError, load_config

EXPERIMENTS = ["vae_mnist", "autoencoder_mnist", "cgan_mnist", "wgan_mnist"]


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory, configs, mnist_dir):
    """Each experiment trained with its smoke profile, evaluated into a temporary results folder."""
    from repro.evaluate import evaluate_run
    from repro.train import train

    root = tmp_path_factory.mktemp("seed_models")
    out = {}
    for name in EXPERIMENTS:
        cfg = load_config(configs / f"{name}.yaml", "smoke")
        run_dir = train(cfg, root / "runs" / name, data_dir=mnist_dir, verbose=0)
        out[name] = (run_dir, evaluate_run(run_dir, data_dir=mnist_dir, results_dir=root / "results"))
    return root, out


def _model(run_dir, mnist_dir):
    from repro.train import load_run

    return load_run(run_dir, "last", mnist_dir)[1]


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_smoke_run_end_to_end(smoke_runs, name, mnist_dir, tmp_path):
    from repro.cli import main

    root, runs = smoke_runs
    run_dir, summary = runs[name]
    written = json.loads((root / "results" / "runs" / f"{run_dir.name}.json").read_text())
    assert written["metrics"] == json.loads(json.dumps(summary["metrics"]))
    assert written["epochs_trained"] == summary["epochs_planned"]
    keys = {"vae_mnist": "test_bounds", "autoencoder_mnist": "prior_samples", "cgan_mnist": "requested_label_accuracy",
            "wgan_mnist": "samples"}
    assert keys[name] in written["metrics"]
    assert (written["parzen"] is None) == (name == "autoencoder_mnist")
    out = tmp_path / "s.npz"
    assert main(["sample", str(run_dir), "--n", "30", "--seed", "3", "--out", str(out), "--checkpoint", "last",
                 "--data-dir", str(mnist_dir)]) == 0
    images = np.load(out)["images"]
    assert images.shape == (30, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_generate_shape_range_and_seed(smoke_runs, name, mnist_dir):
    model = _model(smoke_runs[1][name][0], mnist_dir)
    a, b, c = (model.generate(25, seed=s)["images"] for s in (1, 1, 2))
    assert a.shape == (25, 28, 28, 1) and a.dtype == np.float32
    assert np.all(np.isfinite(a)) and a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_vae_history_and_bounds(smoke_runs):
    summary = smoke_runs[1]["vae_mnist"][1]
    assert summary["history"][-1]["elbo"] is not None and summary["history"][-1]["kl"] >= 0
    b = summary["metrics"]["test_bounds"]
    assert b["kl"] >= 0 and b["n_test"] == 200 and b["k"] == 100
    assert b["elbo"] == pytest.approx(b["reconstruction"] - b["kl"], abs=1e-3)
    # the importance-weighted bound is the tighter one (Burda et al. 2016)
    assert b["iw_ll"] >= b["elbo"]


def test_kl_closed_form_matches_monte_carlo():
    from keras import ops

    from repro.experiments.seed_models.vae import kl_closed_form

    rng = np.random.default_rng(0)
    mean = rng.normal(0, 1.5, (3, 4)).astype(np.float32)
    logvar = rng.normal(0, 1.0, (3, 4)).astype(np.float32)
    closed = ops.convert_to_numpy(kl_closed_form(ops.convert_to_tensor(mean), ops.convert_to_tensor(logvar)))
    std = np.exp(0.5 * logvar)
    eps = rng.standard_normal((200000, 3, 4))
    z = mean + std * eps
    log_q = -0.5 * np.sum(eps ** 2 + logvar + np.log(2 * np.pi), axis=-1)
    log_p = -0.5 * np.sum(z ** 2 + np.log(2 * np.pi), axis=-1)
    samples = log_q - log_p
    mc, se = samples.mean(axis=0), samples.std(axis=0) / np.sqrt(len(samples))
    assert np.all(np.abs(closed - mc) < 4 * se + 1e-3), (closed, mc, se)


def test_wgan_clipping_bounds_critic_weights(smoke_runs, mnist_dir):
    import tensorflow as tf

    model = _model(smoke_runs[1]["wgan_mnist"][0], mnist_dir)
    c = model.params["clip"]
    assert smoke_runs[1]["wgan_mnist"][1]["metrics"]["critic_max_abs_weight"] <= c
    for v in model.critic.trainable_variables:  # push every weight far outside the box ...
        v.assign(tf.fill(v.shape, 5.0))
    real = tf.random.uniform((64, 784), -1, 1, seed=1)
    model.critic_step(real)  # ... one critic update must bring them all back to [-c, c]
    assert max(float(np.abs(v.numpy()).max()) for v in model.critic.trainable_variables) <= c + 1e-9


def test_wgan_logs_estimate_and_quality_per_epoch(smoke_runs, tmp_path):
    from repro.experiments.seed_models.figures import wgan_curves

    summary = smoke_runs[1]["wgan_mnist"][1]
    assert [h["wasserstein"] is not None for h in summary["history"]] == [True, True]
    monitor = summary["metrics"]["monitor"]
    assert [m["epoch"] for m in monitor] == [1, 2]
    for m in monitor:
        assert m["n"] == 2000 and 1.0 <= m["classifier_score"] <= 10.0 and m["frechet_distance"] > 0
        assert m["classifier"] == summary["metrics"]["samples"]["classifier"]  # one classifier scored them all
    # the curve is drawn for a WGAN run whatever its folder is called, and only for WGAN runs
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "wgan_mnist.json").write_text(json.dumps({**summary, "run": "wgan_mnist"}, default=float))
    (tmp_path / "runs" / "wgan_mnist-not.json").write_text(json.dumps({**summary, "experiment": "cgan_mnist"},
                                                                      default=float))
    figures = wgan_curves(tmp_path)
    assert [p.name for p in figures] == ["wgan_mnist-wasserstein_vs_quality.png"] and figures[0].exists()


def test_cgan_labels_honoured(smoke_runs, mnist_dir):
    model = _model(smoke_runs[1]["cgan_mnist"][0], mnist_dir)
    out = model.generate(40, seed=5)
    assert np.array_equal(np.bincount(out["labels"], minlength=10), [4] * 10)
    wanted = np.full(12, 7)
    out7 = model.generate(12, seed=5, labels=wanted)
    assert np.array_equal(out7["labels"], wanted)
    out3 = model.generate(12, seed=5, labels=np.full(12, 3))
    assert not np.allclose(out7["images"], out3["images"])  # same noise, other label: the label reaches G
    with pytest.raises(ValueError, match="labels in 0..9"):
        model.generate(3, labels=[1, 2, 10])
    acc = smoke_runs[1]["cgan_mnist"][1]["metrics"]["requested_label_accuracy"]
    assert 0.0 <= acc <= 1.0


def test_cgan_monitors_requested_label_accuracy_per_epoch(smoke_runs, mnist_dir, configs, tmp_path):
    """Issue 14: the accuracy-vs-epoch curve; the kept samples score to the same number again, the curve is
    drawn, and keeping samples does not change training."""
    from repro.experiments.seed_models.figures import cgan_curves
    from repro.metrics.classifier import get_classifier, logits
    from repro.train import train

    root, runs = smoke_runs
    run_dir, summary = runs["cgan_mnist"]
    monitor = summary["metrics"]["monitor"]
    assert [m["epoch"] for m in monitor] == [1] and monitor[0]["n"] == 2000
    with np.load(run_dir / "monitor" / "epoch_0001.npz") as f:
        images, labels = f["images"].astype(np.float32) / 255.0, f["labels"]
    assert np.array_equal(np.bincount(labels, minlength=10), [200] * 10)
    predicted = np.argmax(logits(images, get_classifier(mnist_dir)), axis=1)
    assert monitor[0]["requested_label_accuracy"] == pytest.approx(float(np.mean(predicted == labels)))
    figures = cgan_curves(root / "results")
    assert [p.name for p in figures] == [f"{run_dir.name}-label_accuracy_vs_epoch.png"] and figures[0].exists()

    cfg = load_config(configs / "cgan_mnist.yaml", "smoke", {"model_params": {"keep_samples_every": 0}})
    plain = train(cfg, tmp_path / "plain", data_dir=mnist_dir, verbose=0)
    assert not (plain / "monitor").exists()
    monitored, unmonitored = _model(run_dir, mnist_dir), _model(plain, mnist_dir)
    for a, b in zip(monitored.generator.weights, unmonitored.generator.weights):
        assert np.array_equal(a.numpy(), b.numpy())


def test_wgan_paper_rows_against_the_quick_band(tmp_path):
    """Issue 14 part 4: the bars fixed in wgan_mnist.yaml before the paper-length run, both ways."""
    from repro.experiments.seed_models.report import wgan_paper_rows

    (tmp_path / "quick_bands.json").write_text(json.dumps({"experiments": {"wgan_mnist": {
        "metrics.samples.frechet_distance": {"values": [304.8, 365.4]}}}}))
    summary = {"run": "wgan_mnist-paper", "profile": "paper", "epochs_trained": 300,
               "checkpoint": {"checkpoint": "last"},
               "metrics": {"samples": {"frechet_distance": 120.0, "classifier_score": 8.4, "n": 10000}}}
    improves, digits = wgan_paper_rows(summary, tmp_path)
    assert (improves["status"], digits["status"]) == ("PASS", "PASS")
    summary["metrics"]["samples"].update(frechet_distance=310.0, classifier_score=7.9)
    improves, digits = wgan_paper_rows(summary, tmp_path)
    assert (improves["status"], digits["status"]) == ("FAIL", "FAIL")
    (tmp_path / "quick_bands.json").unlink()
    assert wgan_paper_rows(summary, tmp_path)[0]["status"] == "NOT RUN"


def test_configs_reject_wrong_pixel_range(configs):
    with pytest.raises(ConfigError, match="data.pixel_range"):
        load_config(configs / "vae_mnist.yaml", "smoke", {"data": {"pixel_range": "symmetric"}})
    with pytest.raises(ConfigError, match="data.pixel_range"):
        load_config(configs / "wgan_mnist.yaml", "smoke", {"data": {"pixel_range": "unit"}})
    with pytest.raises(ConfigError, match="model_params.label_input"):
        load_config(configs / "cgan_mnist.yaml", "smoke", {"model_params": {"label_input": "film"}})


def test_every_config_has_three_profiles(configs):
    for name in EXPERIMENTS + ["vae_latent20_mnist"]:
        for profile in ("smoke", "quick", "paper"):
            load_config(configs / f"{name}.yaml", profile)
