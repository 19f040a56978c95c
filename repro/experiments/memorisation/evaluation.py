"""The nearest-neighbour check that `evaluate` runs on every MNIST image model (registered as an Evaluator)."""
from __future__ import annotations

from pathlib import Path

from repro.config import EVAL_SEED

DATASETS = ("mnist", "binarized_mnist")  # the image datasets whose runs the check applies to


def nearest_neighbour_check(run, results_dir) -> dict:
    """Are the samples closer to training images than held-out test images are? The numbers
    (repro.metrics.nearest_neighbours) and a figure of the 8 closest pairs, in the run folder and results/figures."""
    from repro.metrics.nearest_neighbours import memorisation_check
    from repro.plotting_neighbours import closest_pairs_figure

    cfg, splits, name = run.cfg, run.splits, run.run_dir.name
    ev = cfg["eval"]
    n = min(ev["n_samples"], ev["test_examples"] or len(splits.test), len(splits.test))
    samples = run.model.generate(n, seed=EVAL_SEED)["images"]  # the samples the Parzen estimate scores
    to_unit = (lambda a: (a + 1.0) / 2.0) if cfg["data"]["pixel_range"] == "symmetric" else (lambda a: a)
    train, test = to_unit(splits.flat("train")), to_unit(splits.flat("test")[:n])
    result = memorisation_check(samples.reshape(n, -1), test, train)
    title = f"Nearest-neighbour check, {name}"
    for folder in (run.folder, Path(results_dir) / "figures"):
        if folder is not None:
            closest_pairs_figure(samples, train.reshape(len(train), *samples.shape[1:]), result,
                                 Path(folder) / f"{name}-nearest_neighbours.png", title)
    return result
