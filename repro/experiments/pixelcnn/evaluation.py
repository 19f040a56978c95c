"""What `evaluate` measures on a PixelCNN run (registered as an Evaluator): the model's own numbers, and the
evaluation samples kept in the run folder for the figures."""
from __future__ import annotations

import numpy as np

from repro.config import EVAL_SEED
from repro.models.base import own_metrics


def pixelcnn_metrics(run, results_dir=None) -> dict:
    out = own_metrics(run)
    if run.folder is not None:  # the figures reuse these instead of sampling again (the model keeps its last draw)
        s = run.model.generate(run.cfg["eval"]["n_samples"], seed=EVAL_SEED)
        np.savez_compressed(run.folder / "eval_samples.npz", images=s["images"][:100].astype(np.uint8),
                            probabilities=s["probabilities"][:100].astype(np.float16))
    return out
