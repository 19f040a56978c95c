"""Figure logic that decides what a reader sees: seeds as a band, full grids, z on the manifold's axes, which runs
share a band, and what a short run's figure title says."""
import math

import numpy as np
import pytest

NAN = math.nan


def test_seed_band_uses_only_the_epochs_every_seed_has():
    from repro.plotting import seed_band

    a = ([2, 4, 6, 8], [10.0, 20.0, 30.0, 40.0])
    b = ([1, 2, 3, 4, 5, 6], [NAN, 14.0, NAN, 16.0, NAN, 36.0])  # measured every 2nd epoch, shorter
    x, mean, lo, hi = seed_band([a, b])
    assert list(x) == [2, 4, 6]  # not epoch 8: b ended, so the mean would jump there
    assert list(mean) == [12.0, 18.0, 33.0] and list(lo) == [10.0, 16.0, 30.0] and list(hi) == [14.0, 20.0, 36.0]
    assert all(len(v) == 0 for v in seed_band([a, ([1, 3], [1.0, 2.0])]))  # no common epoch: nothing drawn


def test_draw_seeds_draws_one_seed_as_its_line_and_several_as_mean_and_band():
    import matplotlib.pyplot as plt

    from repro.plotting import draw_seeds

    fig, ax = plt.subplots()
    one = draw_seeds(ax, [([1, 2, 3], [1.0, 2.0, 3.0])], "#000000", "seed 0")
    assert one.get_label() == "seed 0" and not ax.collections
    many = draw_seeds(ax, [([1, 2], [1.0, 3.0]), ([1, 2], [3.0, 5.0]), ([1, 2], [2.0, 4.0])], "#0072B2", "recipe")
    assert many.get_label() == "recipe: mean of 3 seeds, min–max shaded"
    assert list(many.get_ydata()) == [2.0, 4.0] and len(ax.collections) == 1  # the band
    plt.close(fig)


@pytest.mark.parametrize("n, shape", [(128, (8, 16)), (64, (4, 16)), (100, (10, 10)), (7, (1, 7)), (30, (2, 15))])
def test_full_grid_shape_leaves_no_ragged_row(n, shape):
    from repro.plotting import full_grid_shape

    assert full_grid_shape(n) == shape and shape[0] * shape[1] == n


def test_manifold_extent_puts_each_z_at_its_cell_centre():
    from repro.experiments.seed_models.figures import manifold_extent

    grid = np.linspace(-3.0, 3.0, 20)
    left, right, bottom, top = manifold_extent(grid, 28)
    width = 20 * 30 + 2  # tile(): 28-pixel images with 2-pixel gutters, one before the first cell
    for i, z in enumerate(grid):
        centre = 2 + i * 30 + 14  # pixel coordinate of cell i's centre
        assert left + centre / width * (right - left) == pytest.approx(z)
        assert top - centre / width * (top - bottom) == pytest.approx(grid[::-1][i])  # rows from the largest z2


def test_keras_dcgan_figure_title_says_how_far_and_whether_digits():
    from repro.experiments.keras_dcgan.experiment import length_words

    assert length_words(200, {"classifier_score": 2.49}) == (
        "after 200 of the original's 46,800 steps (0.43%): not yet digits (classifier score 2.49; digits score ≥ 8 "
        "of 10)")
    assert length_words(46800, {"classifier_score": 8.7}).startswith("after the original's full 46,800 steps: digits")
    assert length_words(600) == "after 600 of the original's 46,800 steps (1.3%)"


def _infogan(run, seed, epochs, profile="paper", train_range=(5000, 60000), error=0.2, **params):
    """A summary of an InfoGAN run; train_range (0, 55000): a run from before the split was fixed."""
    from repro.experiments.infogan.report import _recipe_params

    return {"run": run, "profile": profile, "epochs_trained": epochs, "model_params": {**_recipe_params(), **params},
            "recipe": {"seed": seed, "train_range": list(train_range)},
            "metrics": {"categorical_error": {"error": error}},
            "history": [{"epoch": e, "mi_cat": 2.0 + e / 1000} for e in range(epochs)]}


def test_mi_curve_bands_pool_only_runs_of_one_recipe_split_and_length():
    from repro.experiments.infogan.figures import mi_groups

    runs = [_infogan("a", 15, 50, error=0.142), _infogan("b", 16, 50, error=0.209),
            _infogan("c", 13, 50, leaky_slope=0.1, learn_sigma=True, lambda_continuous=0.1, adam_epsilon=1e-8),
            _infogan("q0", 0, 5, "quick"), _infogan("q1", 1, 10, "quick", (0, 55000)),
            _infogan("q2", 2, 10, "quick", (0, 55000))]
    groups = mi_groups(runs)
    assert [(p, [s["run"] for s in m]) for p, _, _, m in groups] == [
        ("paper", ["a", "b"]), ("paper", ["c"]), ("quick", ["q0"]), ("quick", ["q1", "q2"])]
    labels = [g[2] for g in groups]
    assert labels[0] == ("released code's recipe, training images 5,000–59,999, 50 epochs, seeds 15, 16 "
                         "(test error 14.2–20.9%)")
    assert labels[1].startswith("paper's recipe, training images 5,000–59,999, 50 epochs, seed 13")
    assert labels[3].startswith("released code's recipe, training images 0–54,999, 10 epochs, seeds 1, 2")
    assert groups[2][1] != groups[3][1]  # the 5-epoch run is on another split: its own colour too


def test_mi_figure_has_a_panel_per_length_present(tmp_path):
    """Only shorter runs (e.g. a smoke or quick run): one panel and no zoom; with 50-epoch runs: two panels."""
    import matplotlib.image

    from repro.experiments.infogan.figures import mi_figure

    quick = [_infogan("q1", 1, 10, "quick", (0, 55000)), _infogan("q2", 2, 10, "quick", (0, 55000))]
    one = matplotlib.image.imread(mi_figure(quick, tmp_path / "one.png"))
    two = matplotlib.image.imread(mi_figure(quick + [_infogan("a", 15, 50)], tmp_path / "two.png"))
    assert one.shape[1] < two.shape[1]  # a single panel is narrower
