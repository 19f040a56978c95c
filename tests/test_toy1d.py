"""The 1-D toy GAN (the report “Generative Adversarial Nets”): config rules, the theory helpers on a G with a known
density, and a smoke run through train -> evaluate -> figures -> report -> sample."""
import json
import math

import numpy as np
import pytest
from scipy import stats

from repro.config import ConfigError, load_config
from repro.experiments.toy1d import metrics as th


def test_config_rules(configs):
    path = configs / "toy1d_gaussian.yaml"
    for profile in ("smoke", "quick", "paper"):
        cfg = load_config(path, profile)
        assert cfg["model_params"]["mu"] == -1.0 and cfg["train"]["batch_size"] == 200
    with pytest.raises(ConfigError, match="gaussian1d"):
        load_config(path, "smoke", {"data": {"dataset": "mnist"}})
    with pytest.raises(ConfigError, match="pretrain_steps"):
        load_config(path, "smoke", {"model_params": {"pretrain_steps": 150}})
    with pytest.raises(ConfigError, match="no GAN iteration"):
        load_config(path, "smoke", {"train": {"epochs": 10}})
    with pytest.raises(ConfigError, match="hidden"):
        load_config(path, "smoke", {"model_params": {"hidden": [6, 0]}})
    with pytest.raises(ConfigError, match="d_output"):
        load_config(path, "smoke", {"model_params": {"d_output": "softmax"}})


def test_density_and_jsd_helpers():
    x = np.linspace(-5, 5, 1001)
    rng = np.random.default_rng(0)
    dens = th.density_on_grid(rng.uniform(-2, 2, 400_000), x)
    inside = np.abs(x) < 1.9
    assert np.allclose(dens[inside], 0.25, atol=0.02)
    assert dens[np.abs(x) > 2.2].max() == 0
    p = stats.norm.pdf(x)
    assert th.jsd_on_grid(p, p, x) == pytest.approx(0.0, abs=1e-12)
    left, right = stats.uniform.pdf(x, -4, 2), stats.uniform.pdf(x, 2, 2)
    assert th.jsd_on_grid(left, right, x) == pytest.approx(math.log(2), rel=1e-2)  # grid edges


def test_jsd_of_a_matching_g_is_near_zero_and_of_a_shifted_one_is_not():
    """The estimator's floor lies far below the 0.01 tolerance: G(z) = mu + sigma z on normal quantiles."""
    x = np.linspace(-5, 5, 1000)
    z = stats.norm.ppf((np.arange(1_000_000) + 0.5) / 1_000_000)
    assert th.jsd_numerical(-1.0 + z, -1.0, 1.0, x)[0] < 1e-3
    shifted = th.jsd_numerical(-0.5 + z, -1.0, 1.0, x)[0]  # N(-0.5, 1) vs N(-1, 1): JSD ~ 0.0306 nats
    assert 0.02 < shifted < 0.04
    far = th.jsd_numerical(20.0 + z, -1.0, 1.0, x)  # all of p_g off the grid: counted at its largest, log 2
    assert far[3] == 1.0 and far[0] == pytest.approx(math.log(2), abs=1e-3)


def test_trained_d_converges_to_optimal_d_for_a_known_g():
    # G(z) = 0.6 z with z ~ U(-5, 5): p_g is uniform on [-3, 3], so D* = phi / (phi + 1/6) in closed form
    x = np.linspace(-5, 5, 1000)
    z = -5 + 10 * (np.arange(1_000_000) + 0.5) / 1_000_000
    r = th.fixed_g_check(0.6 * z, 0.0, 1.0, x, steps=3000, hidden=[32, 32], seed=0)
    support = np.array(r["curves"]["support"]) > 0.5
    assert r["support"][0] == pytest.approx(-3, abs=0.05) and r["support"][1] == pytest.approx(3, abs=0.05)
    d_star_exact = stats.norm.pdf(x) / (stats.norm.pdf(x) + 1 / 6)
    inner = support & (np.abs(x) < 2.9)  # the histogram smooths p_g's edges at +-3 over one bin
    assert np.abs(r["curves"]["d_star"] - d_star_exact)[inner].max() < 0.02  # the numerical D* itself
    assert 0 <= r["loss_gap"] <= 1e-3 and r["mean_abs_error"] < 0.02
    assert r["loss_optimal_d"] == pytest.approx(r["log4_minus_2jsd"], abs=0.01)  # support holds ~all the mass
    assert r["c_of_g"] > -math.log(4)  # p_g != p_data, so C(G) lies above the global minimum


def test_fixed_g_check_can_fail_for_an_unconverged_d():
    """Too few steps against a G with a gap: the loss row's criterion (gap <= 1e-3) is not met."""
    x = np.linspace(-5, 5, 1000)
    z = stats.norm.ppf((np.arange(1_000_000) + 0.5) / 1_000_000)
    g = -1.0 + z + 0.4 * np.sign(z)  # no mass in (-1.4, -0.6): D* = 1 there
    r = th.fixed_g_check(g, -1.0, 1.0, x, steps=20, hidden=[8], seed=0)
    assert r["loss_gap"] > 1e-3 and r["max_abs_error"] > 0.1
    # no room to double (max_steps defaults to steps): one length, and it is not called converged
    assert not r["d_converged"] and [t["steps"] for t in r["d_steps_tried"]] == [20]


def test_fixed_g_check_trains_d_until_its_loss_settles():
    """The convergence rule of D is trained afresh for 2x the steps until doubling changes its loss
    by < 1e-4 nats. Against a G with a gap, the shortest length is not enough and the rule goes on."""
    x = np.linspace(-5, 5, 1000)
    z = stats.norm.ppf((np.arange(1_000_000) + 0.5) / 1_000_000)
    g = -1.0 + z + 0.4 * np.sign(z)
    short = th.fixed_g_check(g, -1.0, 1.0, x, steps=250, hidden=[32, 32], seed=0)
    r = th.fixed_g_check(g, -1.0, 1.0, x, steps=250, hidden=[32, 32], seed=0, max_steps=64_000)
    steps = [t["steps"] for t in r["d_steps_tried"]]
    assert steps == [250 * 2 ** i for i in range(len(steps))] and len(steps) >= 3 and r["d_steps"] == steps[-1]
    gaps = [t["loss_gap"] for t in r["d_steps_tried"]]
    assert r["d_converged"] and abs(gaps[-1] - gaps[-2]) < 1e-4 and all(abs(a - b) >= 1e-4 for a, b in
                                                                        zip(gaps[:-2], gaps[1:-1]))
    assert gaps[0] == pytest.approx(short["loss_gap"], abs=1e-6)  # the first length is the plain check
    assert r["loss_gap"] == gaps[-1] <= 1e-3 < short["loss_gap"]


def test_smoke_run_end_to_end(configs, tmp_path, capsys):
    from repro.cli import main
    from repro.evaluate import evaluate_run
    from repro.experiments.toy1d.figures import toy1d_summary_figures
    from repro.experiments.toy1d.report import toy1d_section
    from repro.train import train

    cfg = load_config(configs / "toy1d_gaussian.yaml", "smoke", {"model_params": {"theory_d_steps": 300,
                                                                                 "theory_d_max_steps": 1200}})
    run = train(cfg, tmp_path / "toy", verbose=0)
    results = tmp_path / "results"
    summary = evaluate_run(run, results_dir=results)
    m = summary["metrics"]
    assert summary["parzen"] is None and m["gan_iterations"] == 300 and m["pretrain_steps"] == 1000
    assert len(summary["history"]) == 13 and all(math.isfinite(h["d_loss"]) for h in summary["history"])
    c = m["curves"]
    # the three Fig. 1 states are different networks: pre-training and the GAN iterations changed D
    assert np.abs(np.array(c["d_start"]) - np.array(c["d_pretrained"])).max() > 0.05
    assert np.abs(np.array(c["d_pretrained"]) - np.array(c["d_end"])).max() > 0.05
    assert np.allclose(c["p_g_start"], c["p_g_pretrained"])  # G is not trained while D pre-trains
    for key in ("value_function", "d_end_max_abs_dev_from_half", "jsd_data_g_end"):
        assert math.isfinite(m[key])
    assert json.loads((results / "runs" / "toy.json").read_text())["metrics"]["gan_iterations"] == 300

    paths = toy1d_summary_figures(results)
    assert [p.name for p in paths] == ["toy-fig1.png", "toy-fixed_g.png"] and all(p.stat().st_size > 10_000
                                                                                  for p in paths)
    md, rows = toy1d_section(results)
    assert {r["status"] for r in rows} <= {"PASS", "FAIL"} and len(rows) == 7
    assert summary["nearest_neighbours"] is None  # no images: the memorisation check is for MNIST models
    assert "jsd" in summary["history"][-1] and math.isfinite(summary["history"][-1]["jsd"])
    assert {"loss_gap", "loss_optimal_d", "support"} <= set(m["fixed_g"]["end"])
    assert all("|" not in str(r["tolerance"]) + str(r["note"]) for r in rows)  # would break the Markdown table
    from repro.experiments.toy1d.figures import fixed_g_title

    for state in ("start", "end"):  # every placeholder of the panel titles filled in
        t = fixed_g_title(state, m["fixed_g"][state])
        assert "{" not in t and f"{m['fixed_g'][state]['max_abs_error']:.3f}" in t and "Adam steps" in t

    out = tmp_path / "s.npz"
    assert main(["sample", str(run), "--n", "500", "--out", str(out), "--checkpoint", "last"]) == 0
    s = np.load(out)
    assert s["samples"].shape == (500,) and np.all(np.abs(s["samples"]) <= 5.0)
    assert main(["parzen", str(out)]) == 2
    assert "no 'images' array" in capsys.readouterr().err
    # resuming a finished run does nothing
    assert train(cfg, run, resume=True, verbose=0) == run


def test_matched_variant_config(configs):
    """Issue 14's named variant: a G family that contains p_data (normal noise, linear output)."""
    for profile in ("smoke", "quick", "paper"):
        cfg = load_config(configs / "toy1d_gaussian_matched.yaml", profile)
        p = cfg["model_params"]
        assert (p["noise"], p["g_output"], p["d_output"], p["optimizer"]) == ("normal", "linear", "sigmoid", "adam")
    assert load_config(configs / "toy1d_gaussian_matched.yaml", "quick")["train"]["epochs"] * 500 - 1000 == 30_000


def test_an_epoch_cannot_be_longer_than_a_pass(configs):
    with pytest.raises(ConfigError, match="one pass"):
        load_config(configs / "toy1d_gaussian_matched.yaml", "quick", {"train": {"train_examples": 200_000}})
