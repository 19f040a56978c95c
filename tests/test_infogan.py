"""InfoGAN: the metrics on known inputs, the config's checks, and one smoke run end to end through the CLI."""
import json
import math

import numpy as np
import pytest

from repro.config import ConfigError, load_config
from repro.experiments.infogan.metrics import ink_shape, mutual_info, traversal_effects, unsupervised_error


def test_mutual_info_reproduces_seed_002_demo():
    a = np.array([0, 0, 5, 6, 0, 4, 4, 3, 1, 2])
    assert math.floor(mutual_info(a, np.array([3, 4, 5, 5, 3, 7, 7, 6, 5, 1])) * 1000) / 1000 == 0.653
    assert math.floor(mutual_info(a, np.array([3, 3, 5, 6, 3, 7, 7, 9, 4, 8])) * 1000) / 1000 == 0.796


def test_mutual_info_limits():
    x = np.array([0, 1, 2, 3] * 5)
    # a variable with itself: its entropy; independent variables: 0
    assert mutual_info(x, x, base=2) == pytest.approx(2.0)
    assert mutual_info(np.repeat([0, 1], 4), np.tile([0, 1], 4)) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="same non-zero length"):
        mutual_info(x, x[:-1])


def test_unsupervised_error_matches_permuted_categories():
    labels = np.arange(1000) % 10
    perm = np.array([3, 7, 0, 9, 1, 4, 8, 2, 6, 5])
    categories = perm[labels].copy()
    assert unsupervised_error(categories, labels)["error"] == 0.0
    categories[:50] = (categories[:50] + 1) % 10  # 50 of 1000 wrong whatever the matching
    result = unsupervised_error(categories, labels)
    assert result["error"] == pytest.approx(0.05)
    assert result["digit_of_category"][3] == 0 and result["digit_of_category"][7] == 1


def _bar(angle_deg, half_width=1):
    """A 28x28 bar through the centre, tilted `angle_deg` from vertical (top to the right for > 0)."""
    img = np.zeros((28, 28))
    t = math.radians(angle_deg)
    for s in np.linspace(-10, 10, 200):
        for o in range(-half_width, half_width + 1):
            r = int(round(14 - s * math.cos(t) - o * math.sin(t)))
            c = int(round(14 + s * math.sin(t) + o * math.cos(t)))
            img[r, c] = 1.0
    return img


def test_ink_shape_measures_slant_and_width():
    shapes = ink_shape(np.stack([_bar(0), _bar(20), _bar(-20), _bar(0, half_width=3)]))
    assert abs(shapes["angle"][0]) < 2
    assert shapes["angle"][1] == pytest.approx(20, abs=3) and shapes["angle"][2] == pytest.approx(-20, abs=3)
    assert shapes["width"][3] > 1.8 * shapes["width"][0]


def test_traversal_effects_names_the_property_that_moves():
    values = np.linspace(-2, 2, 5)
    rot = np.stack([np.stack([_bar(10 * v + d) for v in values]) for d in (-4, 0, 4)])[..., None]
    wide = np.stack([np.stack([_bar(d, half_width=int(v + 2)) for v in values]) for d in (-4, 0, 4)])[..., None]
    assert traversal_effects(rot, values)["meaning"] == "rotation/slant"
    assert traversal_effects(rot, values)["effects"]["angle"]["slope"] == pytest.approx(10, abs=2)
    assert traversal_effects(wide, values)["dominant"] in ("width", "ink")


def test_config_profiles_and_bad_values(configs):
    cfg = load_config(configs / "infogan_mnist.yaml", "paper")
    assert (cfg["train"]["epochs"], cfg["train"]["steps_per_epoch"], cfg["train"]["batch_size"]) == (50, 100, 128)
    assert cfg["model_params"]["noise_dim"] + cfg["model_params"]["n_categories"] + 2 == 74
    with pytest.raises(ConfigError, match="pixel_range"):
        load_config(configs / "infogan_mnist.yaml", "smoke", {"data": {"pixel_range": "symmetric"}})
    with pytest.raises(ConfigError, match="lambda_continous"):
        load_config(configs / "infogan_mnist.yaml", "smoke", {"model_params": {"lambda_continous": 0.1}})


def test_smoke_train_evaluate_sample_figures_report(configs, mnist_dir, tmp_path):
    from repro.cli import main

    run = tmp_path / "runs" / "infogan_mnist-smoke"
    results = tmp_path / "results"
    assert main(["train", str(configs / "infogan_mnist.yaml"), "--profile", "smoke", "--run-dir", str(run)]) == 0
    history = (run / "history.csv").read_text()
    assert "mi_cat" in history.splitlines()[0]
    assert main(["evaluate", str(run), "--results", str(results)]) == 0
    summary = json.loads((results / "runs" / "infogan_mnist-smoke.json").read_text())
    m = summary["metrics"]
    confusion, digit = np.array(m["categorical_error"]["confusion"]), m["categorical_error"]["digit_of_category"]
    assert confusion.sum() == m["test_examples"] == 500 and sorted(digit) == list(range(10))
    assert m["categorical_error"]["error"] == pytest.approx(1 - sum(confusion[c, d] for c, d in enumerate(digit)) / 500)
    assert summary["history"][0]["mi_cat"] <= math.log(10) + 1e-6
    assert [c["values"][0] for c in m["continuous_codes"]] == [-2.0, -2.0]

    out = tmp_path / "s.npz"
    assert main(["sample", str(run), "--n", "20", "--seed", "3", "--out", str(out)]) == 0
    with np.load(out) as f:
        images, codes = f["images"], f["codes"]
    assert images.shape == (20, 28, 28, 1) and codes.shape == (20, 3)
    assert set(np.unique(codes[:, 0])) <= set(range(10)) and np.all(np.abs(codes[:, 1:]) <= 1)

    assert main(["figures", "--runs", str(tmp_path / "runs"), "--results", str(results)]) == 0
    names = {p.name for p in (results / "figures").iterdir()}
    assert {"infogan_mnist-smoke-categorical.png", "infogan_mnist-smoke-continuous1.png",
            "infogan_mnist-smoke-continuous2.png", "infogan_mnist-mi_curve.png"} <= names
    assert main(["report", "--results", str(results)]) == 0
    rows = {r["id"]: r for r in json.loads((results / "verification.json").read_text())}
    assert rows["book_chapter.mutual_info.pair1"]["status"] == "PASS"
    assert rows["infogan.mi_lower_bound.paper"]["status"] == "NOT RUN"
    assert rows["infogan.run.infogan_mnist-smoke"]["status"] in ("PASS", "FAIL")


def test_recipes_are_compared_on_screens_and_on_full_runs_each_with_its_own_success():
    from repro.experiments.infogan.metrics import success_rate
    from repro.experiments.infogan.report import compare_recipes

    full = compare_recipes({"code": success_rate(0, 3), "paper": success_rate(1, 13)}, "full run with test error ≤ 5%")
    assert "(success: full run with test error ≤ 5%): code 0/3" in full[0] and "against paper 1/13" in full[0]
    assert "p = 1.00" in full[0] and "Both recipes together" in full[2] and "1/16" in full[2]
    assert compare_recipes({"paper": success_rate(1, 13)}, "screen") == []  # one recipe: nothing to compare


def test_every_full_run_has_a_row_in_the_seed_table_screened_or_not():
    from repro.experiments.infogan.report import screen_table

    confusion = np.eye(10, dtype=int).tolist()

    def full(error):
        return {"metrics": {"categorical_error": {"error": error, "confusion": confusion}},
                "history": [{"mi_cat": 2.29}]}

    screened = [{"seed": 3, "test_error": 0.3, "mi_cat": 2.22,
                 "screen": {"dominant_digit": list(range(10)), "min_purity": 0.4, "shared_digits": [],
                            "missing_digits": [], "error": 0.31, "passed": False}}]
    table = screen_table("paper", screened, {3: full(0.12), 25: full(0.0458)})
    rows = table[2:-1]
    assert {r.count(" | ") for r in rows} == {table[0].count(" | ")}  # every row has the header's cells
    assert [r.split(" | ")[0] for r in rows] == ["| 3", "| 25"]  # by seed, the unscreened full run included
    assert "12.00% | 2.290 | 10/10 |" in rows[0]
    assert rows[1].startswith("| 25 | not screened |") and "4.58% | 2.290 | — (not screened) |" in rows[1]
    assert screen_table("paper", [], {}) == []
