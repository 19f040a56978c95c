"""The nearest-neighbour (memorisation) check on constructed data from real MNIST: copies of training images
must be flagged, fresh held-out images must not, and the rule must be able to fail on a partial copier."""
import json

import numpy as np
import pytest

from repro.metrics.nearest_neighbours import memorisation_check, nearest_training_distances


@pytest.fixture(scope="module")
def mnist(mnist_dir):
    from repro.data.mnist import load_mnist

    m = load_mnist(mnist_dir)
    x = m["train_x"].reshape(60000, -1).astype(np.float32) / 255.0
    test = m["test_x"][:1000].reshape(1000, -1).astype(np.float32) / 255.0
    return x[:5000], x[50000:51000], test  # train, fresh held-out images, test


def test_agrees_with_float64_brute_force(mnist):
    train, fresh, _ = mnist
    points = np.concatenate([fresh[:30], train[7:10]])  # three exact copies: distance 0, not float32 noise
    d, i = nearest_training_distances(points, train, batch_size=7)
    ref = np.sqrt(((points[:, None, :].astype(np.float64) - train[None, :, :]) ** 2).sum(axis=2))
    np.testing.assert_array_equal(i, ref.argmin(axis=1))
    np.testing.assert_allclose(d, ref.min(axis=1), atol=1e-9)
    assert np.all(d[-3:] == 0.0) and list(i[-3:]) == [7, 8, 9]


def test_fresh_images_are_not_memorisation(mnist):
    train, fresh, test = mnist
    r = memorisation_check(fresh, test, train)
    assert r["no_memorisation"]
    assert 0.9 < r["median_ratio"] < 1.1
    assert r["near_copy_fraction_samples"] <= 2 * r["near_copy_fraction_test"]
    assert r["near_copy_fraction_test"] == pytest.approx(0.01, abs=0.002)  # 1st percentile, by construction


def test_copies_of_training_images_are_detected(mnist):
    train, _, test = mnist
    rng = np.random.default_rng(0)
    copies = train[rng.choice(len(train), 1000, replace=False)]
    copies = np.clip(copies + rng.normal(0, 0.02, copies.shape), 0, 1).astype(np.float32)  # slightly perturbed
    r = memorisation_check(copies, test, train)
    assert not r["no_memorisation"]
    assert r["near_copy_fraction_samples"] > 0.99 and r["median_ratio"] < 0.3
    assert all(p["distance"] < r["threshold"] for p in r["closest_pairs"]) and len(r["closest_pairs"]) == 8


def test_rule_fails_for_a_partial_copier_and_passes_at_its_edge(mnist):
    """5% copies among fresh images exceed 2x the test images' ~1%; 0.5% copies do not."""
    train, fresh, test = mnist
    some = fresh.copy()
    some[:50] = train[:50]
    assert not memorisation_check(some, test, train)["no_memorisation"]
    few = fresh.copy()
    few[:5] = train[:5]
    assert memorisation_check(few, test, train)["no_memorisation"]


def test_rejects_bad_input(mnist):
    train, fresh, test = mnist
    with pytest.raises(ValueError, match="784"):
        memorisation_check(fresh[:, :100], test, train)
    bad = fresh.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        memorisation_check(bad, test, train)


def test_evaluate_writes_the_check_figure_and_report_row(tmp_path, configs, mnist_dir):
    """A smoke run of the 2014 GAN through evaluate -> report carries the check, its figure and its row."""
    from repro.config import load_config
    from repro.evaluate import evaluate_run
    from repro.report import write_report
    from repro.train import train

    cfg = load_config(configs / "goodfellow2014_mnist.yaml", "smoke")
    run_dir = train(cfg, tmp_path / "runs" / "gan-smoke", data_dir=mnist_dir, verbose=0)
    results = tmp_path / "results"
    r = evaluate_run(run_dir, data_dir=mnist_dir, results_dir=results)["nearest_neighbours"]
    assert r["n_samples"] == r["n_test"] == 200 and r["n_train"] == cfg["train"]["train_examples"]
    assert r["median_ratio"] > 0 and len(r["closest_pairs"]) == 8
    assert (results / "figures" / "gan-smoke-nearest_neighbours.png").stat().st_size > 1000
    write_report(results)
    rows = [x for x in json.loads((results / "verification.json").read_text())
            if x["id"] == "nearest_neighbours.gan-smoke"]
    assert len(rows) == 1 and rows[0]["status"] == ("PASS" if r["no_memorisation"] else "FAIL")
    assert "no memorisation" in (results / "REPORT.md").read_text()
