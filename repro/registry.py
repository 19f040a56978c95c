"""What each experiment provides, where the engines and config validation look it up.

Core knows no experiment: each package under repro/experiments/ registers itself here, in its own
`__init__.py`, and importing `repro.experiments` (the engines and the CLI do) registers them all. Then
- config validation finds a model's `PARAMS` by the config's `model:` key (`registered_models`);
- train builds that model (its interface: `repro.models.base.GenerativeModel`; multiworker training only for a
  model that declares `supports_multiworker`);
- evaluate scores a loaded run (`LoadedRun`) with the protocol of the suite (Parzen) and every `Evaluator` that
  applies to it (the experiment's own metrics, the nearest-neighbour check of MNIST image runs, ...), and keeps
  in the run summary the `history_columns` and `recipe_params` its experiment declares;
- the command line adds every declared `SampleOption` (e.g. `--nice`) to `sample`, for the models that declare it;
- export-generator writes a generator file only for runs on a dataset the experiment declares (`generator_datasets`);
- figures draws each evaluated run with its experiment's `RunFigures`, then every `summary_figures`;
- report writes every `report_sections` entry, in registration order, into REPORT.md and verification.json, and
  the `claims` of every experiment, judged by those rows, as the "results at a glance" table (REPORT.md, README).
- verify re-measures every `checks` entry whose artifact ships in results/ (`Check`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Callable


@dataclass(frozen=True)
class LoadedRun:
    """A trained run rebuilt from its checkpoint, or from a generator file (what `repro.train.open_run` returns);
    the evaluate, verify and figures engines hand it to an experiment's evaluators and run figures."""
    run_dir: Path  # the run folder; for a generator file, the file (or a path named after its run)
    cfg: dict
    model: Any
    splits: Any  # the dataset's splits; None when loaded without data (e.g. figures with need_data=False)
    info: dict  # {"checkpoint": "best" or "last", "epoch": the checkpoint's epoch}
    data_dir: Any = None  # where the dataset was read from (None: the default place), for evaluators that read more
    folder: Path | None = None  # the run folder, whose own files (history, monitor samples) an evaluator may read;
    #                             None for a model rebuilt from a generator file


@dataclass(frozen=True)
class Evaluator:
    """A measurement `python -m repro evaluate` makes on a loaded run and writes into its summary
    (results/runs/RUN.json) under `key`: measure(run: LoadedRun, results_dir) -> dict (or None: nothing to say).
    `verify` measures a claim's "metrics" again through the same evaluators.

    It applies to the runs of `models` (config `model:` keys; empty: every model) on `datasets` (config
    `data.dataset`; empty: every dataset). Several "metrics" evaluators of one run are merged, in registration
    order; a key no evaluator fills is None in the summary ("metrics": {})."""
    key: str
    measure: Callable
    models: tuple = ()
    datasets: tuple = ()

    def applies(self, cfg) -> bool:
        return ((not self.models or cfg["model"] in self.models)
                and (not self.datasets or cfg["data"]["dataset"] in self.datasets))


@dataclass(frozen=True)
class SampleOption:
    """An option of `python -m repro sample` that only some models have: `--flag` passes `keyword=True` to their
    `generate` (e.g. keras-dcgan's --nice, which ranks samples by the discriminator)."""
    flag: str
    keyword: str
    help: str


@dataclass(frozen=True)
class RunFigures:
    """Figures of one trained run: draw(run: LoadedRun, summary: its results/runs/*.json, results_dir) -> [paths]."""
    draw: Callable
    need_data: bool = True  # False: the figures need only the model (the run loads faster, without the dataset)


def parzen_number(summary) -> tuple | None:
    """(value, standard error) of the test Parzen estimate in a run summary (or a fresh measurement of it)."""
    p = summary.get("parzen")
    return (p["ll"], p["se"]) if p else None


@dataclass(frozen=True)
class Check:
    """A headline number that `python -m repro verify` re-measures from a file shipped in results/, without
    training. An experiment declares it once; the engine knows no claim by name.

    - `run`: the evaluated run behind the number (its results/runs/RUN.json holds the recorded reproduction), or
      fn(results_dir) -> run name (None: no such run evaluated), for claims such as "the best seed";
    - `artifact`: where that run's shipped model lives, relative to results/ ("{run}" is filled in);
    - `verification`: the id of the verification.json row with the paper's number and verdict ("{run}" filled in);
    - `number`: fn(summary) -> (value, standard error), applied to the recorded summary and to the fresh
      measurement alike (a summary-shaped dict: {"parzen": ..., "metrics": ...});
    - `measures`: what verify must recompute: "parzen" (the 2014 protocol, as evaluate scores it), "metrics"
      (the registered "metrics" evaluators, as evaluate runs them) and/or "likelihood" (the model's
      `likelihood_metrics`: an exact test likelihood alone, for models that have one);
    - `needs`: the networks the artifact must hold (a generator file holds the generator alone);
    - `export`: the command that writes the artifact from the run folder ("{run}" filled in), or why none does yet."""
    name: str
    title: str
    run: Any
    verification: str
    artifact: str = "generators/{run}.npz"
    number: Callable = parzen_number
    unit: str = "nats"
    measures: tuple = ("parzen",)
    needs: tuple = ("generator",)
    export: str = "python -m repro export-generator runs/{run}"


@dataclass(frozen=True)
class QuickMetric:
    """A number of an experiment's quick run that its quick band holds (repro.quick_bands): `path` into the run's
    summary (dotted; also the key of results/quick_bands.json), which way is better, and optionally `value`,
    a function (summary) -> number for a metric the summary does not hold as such."""
    label: str
    path: str
    better: str  # "higher" or "lower"
    value: Callable | None = None


@dataclass(frozen=True)
class Claim:
    """One claim of a paper (or of the course notes) that the report's "results at a glance" table shows.

    `rows` are the ids of the verification rows that judge it: exact ids or shell-style patterns ("toy1d.*.end.*"). One
    row gives the claim its number and verdict; several give "k of n pass" and the worst verdict. `runs` says what the
    evidence is (run length and seeds) unless the row carries its own `runs`; `figure` is a path under results/
    (optional); `section` the start of the REPORT.md heading it links to."""
    paper: str
    claim: str
    rows: tuple
    runs: str = ""
    figure: str = ""
    section: str = ""
    reported: str = ""  # what the paper reported, where the rows hold several numbers (one row: its `reported`)

    def matches(self, row_id: str) -> bool:
        return any(fnmatchcase(row_id, pattern) for pattern in self.rows)


@dataclass(frozen=True)
class Experiment:
    name: str
    models: dict = field(default_factory=dict)  # config `model:` key -> GenerativeModel subclass
    run_figures: dict = field(default_factory=dict)  # config `model:` key -> RunFigures
    summary_figures: tuple = ()  # fn(results_dir) -> [paths]: drawn from results/runs/*.json alone
    report_sections: tuple = ()  # fn(results_dir) -> (markdown, [repro.results.Row]): rows of verification.json
    claims: tuple = ()  # Claim: the paper claims its rows judge, in the order of the results-at-a-glance table
    quick_metrics: dict = field(default_factory=dict)  # config `experiment:` name -> [QuickMetric] of its quick band
    checks: tuple = ()  # Check: headline numbers verify re-checks from shipped files
    evaluators: tuple = ()  # Evaluator: what evaluate measures on a run of its models (or of any model it names)
    history_columns: tuple = ()  # history.csv columns its models log (beyond the engine's epoch, val_parzen,
    #                              val_sigma, epoch_seconds and a model's own `history_keys`) kept in run summaries
    recipe_params: tuple = ()  # model_params copied into a run summary's "recipe" (the runs' reports group by them)
    sample_options: tuple = ()  # SampleOption: extra flags of `python -m repro sample` for its models
    generator_datasets: tuple = ()  # datasets whose runs export-generator writes to a generator file (the file's
    #                                 users, `sample` then `parzen` and verify, score it on that dataset)


EXPERIMENTS: dict[str, Experiment] = {}  # by name, in registration order (the order of REPORT.md's sections)
MODELS: dict = {}  # every registered model class by its config `model:` key


def register(experiment: Experiment) -> Experiment:
    """Add an experiment; a name or model key registered twice is a programming error."""
    if experiment.name in EXPERIMENTS:
        raise ValueError(f"experiment {experiment.name!r} is registered twice")
    for key in experiment.models:
        if key in MODELS:
            raise ValueError(f"model key {key!r} of experiment {experiment.name!r} is registered already")
    unknown = set(experiment.run_figures) - set(experiment.models)
    if unknown:
        raise ValueError(f"experiment {experiment.name!r} has run figures for models it does not register: "
                         f"{', '.join(sorted(unknown))}")
    EXPERIMENTS[experiment.name] = experiment
    MODELS.update(experiment.models)
    return experiment


def unregister(name: str) -> None:
    """Remove an experiment and its models (a test that registers a throwaway experiment cleans up with it)."""
    experiment = EXPERIMENTS.pop(name)
    for key in experiment.models:
        MODELS.pop(key, None)


def experiment_of(model_key) -> Experiment:
    """The experiment that registers a config `model:` key (registered_models() has checked it exists)."""
    for experiment in EXPERIMENTS.values():
        if model_key in experiment.models:
            return experiment
    raise KeyError(f"no registered experiment has the model {model_key!r}")


def evaluators(cfg, key=None) -> list:
    """Every registered Evaluator that applies to a run of `cfg` (only those writing `key`, if given), in
    registration order."""
    return [e for experiment in EXPERIMENTS.values() for e in experiment.evaluators
            if e.applies(cfg) and (key is None or e.key == key)]


def evaluator_keys() -> list:
    """Every summary key some registered evaluator writes, "metrics" first (a summary always has it)."""
    keys = ["metrics"]
    for experiment in EXPERIMENTS.values():
        keys += [e.key for e in experiment.evaluators if e.key not in keys]
    return keys


def sample_options() -> dict:
    """{flag: (SampleOption, the model keys that accept it)} over every registered experiment."""
    out = {}
    for experiment in EXPERIMENTS.values():
        for option in experiment.sample_options:
            models = out.get(option.flag, (option, ()))[1] + tuple(experiment.models)
            out[option.flag] = (option, models)
    return out


def registered_models() -> dict:
    """Model classes by config key. Empty only when nothing imported repro.experiments: say so, not 'unknown model'."""
    if not MODELS:
        raise RuntimeError("no experiment is registered: import repro.experiments first (the engines and the CLI do)")
    return MODELS


def run_figures(model_key) -> RunFigures | None:
    for experiment in EXPERIMENTS.values():
        if model_key in experiment.run_figures:
            return experiment.run_figures[model_key]
    return None


def summary_figures() -> list:
    return [fn for experiment in EXPERIMENTS.values() for fn in experiment.summary_figures]


def checks() -> list:
    """Every declared check, in registration order; a name declared twice is a programming error."""
    out = [c for experiment in EXPERIMENTS.values() for c in experiment.checks]
    names = [c.name for c in out]
    if len(set(names)) != len(names):
        raise ValueError(f"claim names declared twice: {sorted({n for n in names if names.count(n) > 1})}")
    return out


def report_sections() -> list:
    return [fn for experiment in EXPERIMENTS.values() for fn in experiment.report_sections]


def claims() -> list:
    return [c for experiment in EXPERIMENTS.values() for c in experiment.claims]


def quick_metrics() -> dict:
    """{config experiment name: [QuickMetric]} over every registered experiment, in registration order."""
    return {name: metrics for experiment in EXPERIMENTS.values() for name, metrics in experiment.quick_metrics.items()}
