"""What `evaluate` measures on the seed models' runs beside the models' own numbers (registered as Evaluators)."""
from __future__ import annotations

from repro.experiments.seed_models.monitor import monitor_metrics


def sample_monitor(run, results_dir=None) -> dict:
    """Per-epoch sample quality (cGAN: and requested-label accuracy), from the samples SampleMonitor kept in the
    run folder; none for a model rebuilt from a generator file."""
    return {"monitor": monitor_metrics(run.folder / "monitor", run.data_dir) if run.folder is not None else []}
