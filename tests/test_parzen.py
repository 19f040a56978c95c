import numpy as np
import pytest

from repro.metrics.parzen import SIGMAS, parzen_brute_force, parzen_log_likelihoods, parzen_protocol


@pytest.fixture(scope="module")
def mnist_slices(mnist_dir):
    from repro.data.mnist import load_mnist

    m = load_mnist(mnist_dir)
    x = m["train_x"].reshape(60000, -1).astype(np.float32) / 255.0
    return x[:1500], x[50000:50040], m["test_x"][:60].reshape(60, -1).astype(np.float32) / 255.0


@pytest.mark.parametrize("sigma", [0.1, 0.2154, 1.0])
def test_agrees_with_float64_brute_force(mnist_slices, sigma):
    samples, _, test = mnist_slices
    ours = parzen_log_likelihoods(samples, test, [sigma], batch_size=25)[:, 0]
    ref = parzen_brute_force(samples, test, sigma)
    assert np.max(np.abs(ours - ref)) < 1e-3


def test_agrees_on_random_data_with_duplicate_samples():
    rng = np.random.default_rng(0)
    samples = rng.random((300, 50)).astype(np.float32)
    samples[100:200] = samples[0]  # a collapsed generator: many identical samples
    points = rng.random((40, 50)).astype(np.float32)
    for s in (0.1, 0.5):
        assert np.max(np.abs(parzen_log_likelihoods(samples, points, [s])[:, 0] -
                             parzen_brute_force(samples, points, s))) < 1e-3


def test_protocol_picks_sigma_on_validation(mnist_slices):
    samples, valid, test = mnist_slices
    r = parzen_protocol(samples, valid, test)
    lls = r["valid_ll_by_sigma"]
    assert r["sigma"] in SIGMAS and len(lls) == 10
    assert max(lls.values()) == lls[f"{r['sigma']:.6g}"]
    per_point = parzen_brute_force(samples, test, r["sigma"])
    assert r["ll"] == pytest.approx(per_point.mean(), abs=1e-3)
    assert r["se"] == pytest.approx(per_point.std() / np.sqrt(len(per_point)), rel=1e-3)


def test_rejects_mismatched_and_nonfinite_input():
    with pytest.raises(ValueError, match="784"):
        parzen_log_likelihoods(np.zeros((5, 784)), np.zeros((3, 100)), [0.1])
    bad = np.zeros((5, 10))
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        parzen_log_likelihoods(bad, np.zeros((3, 10)), [0.1])
