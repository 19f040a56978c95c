"""The 1-D toy GAN (seed 004): config rules, the theory helpers on a G with a known density, and a smoke
run through train -> evaluate -> figures -> report -> sample."""
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


def test_trained_d_approaches_optimal_d_for_a_known_g():
    # G(z) = 0.6 z with z ~ U(-5, 5): p_g is uniform on [-3, 3], so D* = phi / (phi + 1/6) in closed form
    x = np.linspace(-5, 5, 1001)
    support = np.abs(x) <= 2
    r = th.fixed_g_check(lambda z: 0.6 * np.asarray(z), 5.0, 0.0, 1.0, x, support, steps=800, hidden=[32, 32],
                         batch=500, seed=0, n_value=50_000)
    d_star_exact = stats.norm.pdf(x) / (stats.norm.pdf(x) + 1 / 6)
    assert np.abs(r["curves"]["d_star"] - d_star_exact)[support].max() < 0.02  # the numerical D* itself
    assert r["mean_abs_error"] < 0.03 and r["max_abs_error"] < 0.08
    assert abs(r["value_trained_d"] - r["c_of_g"]) < 0.03
    assert r["c_of_g"] > -math.log(4)  # p_g != p_data, so C(G) lies above the global minimum


def test_smoke_run_end_to_end(configs, tmp_path, capsys):
    from repro.cli import main
    from repro.evaluate import evaluate_run
    from repro.experiments.toy1d.figures import toy1d_summary_figures
    from repro.experiments.toy1d.report import toy1d_section
    from repro.train import train

    cfg = load_config(configs / "toy1d_gaussian.yaml", "smoke", {"model_params": {"theory_d_steps": 300}})
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
    assert all("|" not in str(r["tolerance"]) + str(r["note"]) for r in rows)  # would break the Markdown table

    out = tmp_path / "s.npz"
    assert main(["sample", str(run), "--n", "500", "--out", str(out), "--checkpoint", "last"]) == 0
    s = np.load(out)
    assert s["samples"].shape == (500,) and np.all(np.abs(s["samples"]) <= 5.0)
    assert main(["parzen", str(out)]) == 2
    assert "no 'images' array" in capsys.readouterr().err
    # resuming a finished run does nothing
    assert train(cfg, run, resume=True, verbose=0) == run
