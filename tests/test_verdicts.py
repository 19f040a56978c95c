"""Each verdict rule of the report, on its own and at its edges, and the engine's rule for rows held against a
paper's number: it judges a row by the runs the row names, never by its id or note."""
import json

import pytest

from repro.results import Row, parzen_check, parzen_verdict


def _row(**kw):
    base = dict(id="x.y", source="a paper", reported=1.0, reproduced=0.5, tolerance="±1", status="PASS", note="n")
    return Row(**{**base, **kw})


def test_row_reads_as_its_verification_entry():
    r = _row(runs="2 seeds × 5 epochs", shown="0.5 ± 0.1", run_names=("a-quick", "b-quick"), against_paper=True)
    assert list(r.as_dict()) == ["id", "source", "reported", "reproduced", "tolerance", "status", "note", "runs",
                                 "shown", "run_names"]
    assert r["run_names"] == ["a-quick", "b-quick"] and r.get("shown") == "0.5 ± 0.1" and dict(r) == r.as_dict()
    assert "against_paper" not in r.as_dict()  # how the engine judges the row, not a number a reader needs
    json.dumps(r.as_dict())
    plain = _row().as_dict()
    assert "runs" not in plain and "shown" not in plain and "run_names" not in plain
    with pytest.raises(TypeError):  # built by keyword: no column can be given in the wrong place
        Row("x.y", "a paper", 1.0, 0.5, "±1", "PASS", "n")


def test_row_is_frozen():
    with pytest.raises(AttributeError):
        _row().status = "FAIL"


def _judge(rows, runs):
    from repro.report import judge_rows_by_profile

    prov = {f"runs/{n}.json": f"P({n})" for n in runs}
    return judge_rows_by_profile(rows, runs, prov)


RUNS = {"m-quick": {"profile": "quick"}, "m-quick-seed1": {"profile": "quick"}, "m-paper": {"profile": "paper"}}


def test_quick_runs_get_no_verdict_against_a_paper():
    for status in ("PASS", "FAIL"):
        r = _judge([_row(status=status, run_names=("m-quick", "m-quick-seed1"), against_paper=True)], RUNS)[0]
        assert r.status == "REFERENCE" and r.note.startswith(f"{status} against the paper's number")


def test_a_paper_verdict_names_its_runs_provenance():
    r = _judge([_row(status="FAIL", run_names=("m-paper",), against_paper=True, note="ours")], RUNS)[0]
    assert r.status == "FAIL" and r.note == "ours [from m-paper: P(m-paper)]"
    mixed = _judge([_row(run_names=("m-quick", "m-paper"), against_paper=True)], RUNS)[0]
    assert mixed.status == "PASS" and "[from m-quick: P(m-quick); m-paper: P(m-paper)]" in mixed.note


def test_the_engine_reads_the_row_not_its_words():
    """An id or note that says 'quick' changes nothing: only the runs the row names and `against_paper` do."""
    words = _row(id="m.quick", note="quick profile, m-quick", run_names=("m-paper",), against_paper=True)
    assert _judge([words], RUNS)[0].status == "PASS"
    not_paper = _row(run_names=("m-quick",))  # e.g. a theory check or a per-run check: a quick run may pass it
    assert _judge([not_paper], RUNS)[0] == not_paper
    not_judged = _row(status="NOT RUN", run_names=("m-quick",), against_paper=True)
    assert _judge([not_judged], RUNS)[0] == not_judged
    no_runs = _row(against_paper=True)
    assert _judge([no_runs], RUNS)[0] == no_runs


def test_parzen_rule():
    tol, ok = parzen_verdict(220.0, 2.0, 225, 2)
    assert tol == pytest.approx(2 * 8 ** 0.5) and ok  # 5 nats below, within 5.66
    assert not parzen_verdict(219.0, 2.0, 225, 2)[1]
    assert parzen_verdict(300.0, 2.0, 225, 2)[1] and not parzen_verdict(300.0, 2.0, 225, 2, higher_is_pass=False)[1]
    r = parzen_check("t", "s", 225, 2, {"ll": 216.29, "se": 2.3, "sigma": 0.167}, "note", run_names=("m-paper",))
    assert r.status == "FAIL" and r.shown == "216.3 ± 2.3" and r.run_names == ("m-paper",)
    assert parzen_check("t", "s", 225, 2, None, "none yet").status == "NOT RUN"


def test_seed_pool_rule():
    from repro.experiments.goodfellow2014.longrun import plateau_shape, seed_pool_verdict

    mean, unc, tol, ok = seed_pool_verdict([186.0, 190.0, 185.0], best_se=2.3)
    assert mean == pytest.approx(187.0) and unc == pytest.approx(2.6458, abs=1e-3) and not ok
    assert seed_pool_verdict([224.0, 226.0], best_se=9.9)[3]  # the spread over seeds, not one run's SE
    assert seed_pool_verdict([221.0], best_se=2.0)[1] == 2.0  # one seed: its own standard error
    assert plateau_shape(None) == "still rising" and plateau_shape(1.0) == "still rising"
    assert plateau_shape(0.99) == "on a plateau"


def test_infogan_rules():
    from repro.experiments.infogan.report import error_reached, mi_reached

    assert mi_reached(2.25) == "PASS" and mi_reached(2.2499) == "FAIL"
    assert error_reached(0.05) == "PASS" and error_reached(0.0501) == "FAIL"


def test_keras_dcgan_mostly_ones_rule():
    from repro.experiments.keras_dcgan.experiment import mostly_ones

    assert mostly_ones(0.2271) == "PASS" and mostly_ones(0.2270) == "FAIL"  # more than twice MNIST's 11.35%


def test_pixelcnn_rule():
    from repro.experiments.pixelcnn.report import nll_within

    assert nll_within(-1.0, 1.0) == "PASS" and nll_within(1.01, 1.0) == "FAIL"


def test_seed_model_rules():
    from repro.experiments.seed_models.report import at_least, iw_above_elbo, tracks_quality, vae_beats_ae

    assert iw_above_elbo({"iw_ll": -100.0, "elbo": -100.0}) == "PASS"
    assert iw_above_elbo({"iw_ll": -100.1, "elbo": -100.0}) == "FAIL"
    vae, ae = {"frechet_distance": 10.0, "classifier_score": 8.0}, {"frechet_distance": 50.0, "classifier_score": 5.0}
    assert vae_beats_ae(vae, ae) == "PASS" and vae_beats_ae(ae, vae) == "FAIL"
    assert vae_beats_ae(vae, {**ae, "classifier_score": 9.0}) == "FAIL"  # both measures must agree
    assert at_least(0.90, 0.90) == "PASS" and at_least(0.8999, 0.90) == "FAIL"
    assert tracks_quality(0.5, 0.01) == "PASS" and tracks_quality(0.5, 0.05) == "FAIL"
    assert tracks_quality(-0.5, 0.001) == "FAIL"


def test_toy1d_rules():
    from repro.experiments.toy1d.report import D_STAR_MAX_TOL, D_STAR_MEAN_TOL, d_star_close, within

    assert within(0.05, 0.05) == "PASS" and within(0.0501, 0.05) == "FAIL"
    assert d_star_close({"max_abs_error": D_STAR_MAX_TOL, "mean_abs_error": D_STAR_MEAN_TOL}) == "PASS"
    assert d_star_close({"max_abs_error": D_STAR_MAX_TOL + 0.01, "mean_abs_error": 0.0}) == "FAIL"
    assert d_star_close({"max_abs_error": 0.0, "mean_abs_error": D_STAR_MEAN_TOL + 0.01}) == "FAIL"


def test_quick_band_rows():
    from repro.report import quick_band_rows

    exp = "goodfellow2014_mnist"  # its quick band holds the test Parzen estimate, higher is better
    bands = {"experiments": {exp: {"parzen.ll": {"values": [100.0, 110.0], "seeds": [0, 1]}, "command": "c",
                                   "commit": "abc", "date": "d", "cpu": "cpu"}}}
    summary = {"run": f"{exp}-quick", "experiment": exp, "parzen": {"ll": 95.0}}
    (r,) = quick_band_rows(exp, summary, bands)
    assert r.status == "PASS" and r.reported == "≥ 90" and r.run_names == (f"{exp}-quick",) and not r.against_paper
    assert r.tolerance == "worst seed − max(range, 5% of mean)" and "abc" in r.note
    (low,) = quick_band_rows(exp, {**summary, "parzen": {"ll": 89.0}}, bands)
    assert low.status == "FAIL"
    (missing,) = quick_band_rows(exp, None, bands)
    assert missing.id == f"quick.{exp}" and missing.status == "NOT RUN"
