"""The book chapter “VAE, GAN and variants”'s KL/JS demo and Lecture 8 “Generative Models”'s sampling demo: values,
goodness-of-fit tests that can fail, errors."""
import math

import numpy as np
import pytest
from scipy import stats

from repro.experiments.demos import sampling as sp
from repro.metrics import divergences as dv


def test_book_chapter_examples_match_reference_and_seed_print():
    for i, ((a, b), printed, ref) in enumerate(zip(dv.SEED002_EXAMPLES, dv.SEED002_PRINTED, dv.REFERENCE_4DP)):
        _, _, kl, js = dv.kl_js_example(a, b)
        assert (round(kl, 4), round(js, 4)) == ref
        if i not in dv.SEED002_GARBLED:
            assert (dv.truncate(kl, 3), dv.truncate(js, 3)) == printed


def test_kl_js_properties():
    p, q = dv.normalise_float32([1, 2, 3]), dv.normalise_float32([3, 1, 1])
    assert dv.kl_divergence(p, p) == 0.0
    assert dv.kl_divergence(p, q) != pytest.approx(dv.kl_divergence(q, p))
    assert dv.js_divergence(p, q) == pytest.approx(dv.js_divergence(q, p), rel=1e-6)
    # disjoint supports: JS reaches its maximum ln 2, KL is refused
    assert dv.js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="infinite"):
        dv.kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    # against scipy's entropy (KL in nats)
    assert dv.kl_divergence(p, q) == pytest.approx(stats.entropy(p, q), rel=1e-5)
    assert dv.truncate(0.5216, 3) == "0.521" and dv.truncate(9.66295, 3) == "9.662"
    with pytest.raises(ValueError, match="non-negative"):
        dv.normalise_float32([1, -1, 2])


def test_mutual_information_properties():
    from repro.experiments.infogan.metrics import mutual_info

    x = np.array([0, 1, 2, 3] * 25)
    assert mutual_info(x, x, base=2) == pytest.approx(2.0)  # I(X; X) = H(X) = 2 bits
    assert mutual_info(x, np.repeat([0, 1, 2, 3], 25) * 0) == pytest.approx(0.0)  # a constant tells nothing
    with pytest.raises(ValueError, match="same non-zero length"):
        mutual_info([1, 2], [1, 2, 3])


def test_lehmer_generator():
    x = sp.lehmer_sequence(10000)
    assert list(x[:3]) == [16807, 282475249, 1622650073]
    assert x[-1] == sp.LEHMER_X10000 == 1043618065
    u = sp.lehmer_uniforms(1000, x0=42)
    assert np.all((u > 0) & (u < 1))
    with pytest.raises(ValueError, match="x0"):
        sp.lehmer_sequence(5, x0=0)


def test_poisson_inversion_is_the_inverse_cdf():
    u = sp.lehmer_uniforms(5000)
    for rate in (0.5, 4.0, 25.0):
        assert np.array_equal(sp.poisson_by_inversion(u, rate), stats.poisson.ppf(u, rate).astype(int))
    with pytest.raises(ValueError, match="rate"):
        sp.poisson_by_inversion(u, 0.0)


def test_goodness_of_fit_passes_for_right_and_fails_for_wrong_distribution():
    u = sp.lehmer_uniforms(10000)
    counts = sp.poisson_by_inversion(u, 4.0)
    assert sp.poisson_chi_square(counts, 4.0)["p_value"] > sp.P_THRESHOLD
    assert sp.poisson_chi_square(counts, 4.3)["p_value"] < sp.P_THRESHOLD  # a 7% wrong rate is caught
    x = sp.exponential_by_inversion(u)
    assert sp.ks_check(x, "expon")["p_value"] > sp.P_THRESHOLD
    assert sp.ks_check(x * 1.1, "expon")["p_value"] < sp.P_THRESHOLD
    z1, z2 = sp.box_muller(u[0::2], u[1::2])
    assert sp.ks_check(np.concatenate([z1, z2]), "norm")["p_value"] > sp.P_THRESHOLD
    # Box-Muller needs independent uniforms: the same u for both gives a visibly non-normal sample
    z_bad, _ = sp.box_muller(u, u)
    assert sp.ks_check(z_bad, "norm")["p_value"] < sp.P_THRESHOLD


def test_report_section_rows_all_pass():
    from repro.experiments.demos.report import demos_section

    md, rows = demos_section(None)
    ids = {r["id"]: r for r in rows}
    assert {"book_chapter.kl_js.1", "book_chapter.kl_js.5", "lecture8.lehmer.x10000",
            "lecture8.change_of_variables.box_muller_ks"} <= set(ids)
    assert all(r["status"] == "PASS" for r in rows), [r for r in rows if r["status"] != "PASS"]
    assert "1043618065" in md
