"""Adding an experiment is its folder, one registration and its YAML: a throwaway experiment, written at test time
into a temporary package, is trained, evaluated and reported through the normal engine entry points (no engine
knows it by name), and removed from the registry afterwards."""
import importlib
import json
import sys
import textwrap

import pytest

from repro import registry

PACKAGE = "throwaway_meanmatch"

MODEL = '''
"""A tiny generator trained to match the data's mean image: small enough to train in a second."""
import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from repro.config import Field
from repro.models.base import GenerativeModel


class MeanMatcher(GenerativeModel):
    PARAMS = {"noise_dim": Field(4, int, lo=1), "learning_rate": Field(0.05, float, lo=0.0)}
    history_keys = ("loss",)

    def __init__(self, cfg, **kwargs):
        super().__init__(cfg, **kwargs)
        dim = int(np.prod(self.image_shape))
        init = keras.initializers.GlorotUniform(self.seed)
        self.generator = keras.Sequential([layers.Dense(dim, activation="sigmoid", kernel_initializer=init)])
        self.g_optimizer = keras.optimizers.Adam(self.params["learning_rate"])
        self.noise_seed = keras.random.SeedGenerator(self.seed + 1)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def build_all(self):
        self.generator.build((None, self.params["noise_dim"]))
        self.g_optimizer.build(self.generator.trainable_variables)
        self.built = True

    def noise_numpy(self, n, rng):
        return rng.normal(size=(n, self.params["noise_dim"])).astype(np.float32)

    def decode(self, z):
        return ops.reshape(self.generator(z, training=False), (-1, *self.image_shape))

    def train_step(self, x):
        x = ops.reshape(x, (ops.shape(x)[0], -1))
        z = keras.random.normal((ops.shape(x)[0], self.params["noise_dim"]), seed=self.noise_seed)
        with tf.GradientTape() as tape:
            loss = ops.mean(ops.square(ops.mean(self.generator(z, training=True), axis=0) - ops.mean(x, axis=0)))
        variables = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}
'''

INIT = '''
"""A throwaway experiment: a mean-matching generator on a slice of MNIST, one report section, one claim."""
import numpy as np

from repro.config import EVAL_SEED
from repro.registry import Claim, Evaluator, Experiment, register
from repro.results import Row, load_runs

from PACKAGE.model import MeanMatcher


def mean_gap(run, results_dir):
    """How far the samples' mean image is from the test images' (mean absolute pixel difference)."""
    samples = run.model.generate(200, seed=EVAL_SEED)["images"]
    gap = float(np.abs(samples.mean(axis=0).ravel() - run.splits.flat("test").mean(axis=0)).mean())
    return {"mean_gap": gap, "from_folder": run.folder is not None}


def section(results_dir):
    runs = [s for s in load_runs(results_dir).values() if s["model"] == "meanmatch"]
    rows = [Row(id=f"meanmatch.mean_gap.{s['run']}", source="a throwaway paper", reported="mean gap < 0.5",
                reproduced=round(s["metrics"]["mean_gap"], 4), tolerance="< 0.5",
                status="PASS" if s["metrics"]["mean_gap"] < 0.5 else "FAIL", note=f"{s['profile']} profile",
                run_names=(s["run"],)) for s in runs]
    return "## Mean matching\\n\\n" + f"{len(runs)} run(s).\\n", rows


register(Experiment("meanmatch", models={"meanmatch": MeanMatcher}, report_sections=(section,),
                    evaluators=(Evaluator("metrics", mean_gap, models=("meanmatch",)),),
                    claims=(Claim("A throwaway paper", "the samples' mean image is the data's",
                                  ("meanmatch.mean_gap.*",), section="Mean matching"),)))
'''.replace("PACKAGE", PACKAGE)

CONFIG = '''
experiment: meanmatch_mnist
model: meanmatch
seed: 0
data: {dataset: mnist, train_range: [0, 1000], valid_range: [50000, 50200]}
model_params: {noise_dim: 4}
train: {batch_size: 100, epochs: 5}
eval: {n_samples: 200, valid_examples: 200, test_examples: 200, monitor_every: 0, checkpoint: last}
profiles:
  smoke:
    train: {epochs: 2}
'''


@pytest.fixture
def throwaway(tmp_path, monkeypatch):
    """The package written to tmp_path and imported (it registers itself); unregistered afterwards."""
    package = tmp_path / "pkg" / PACKAGE
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(INIT))
    (package / "model.py").write_text(textwrap.dedent(MODEL))
    (tmp_path / "meanmatch_mnist.yaml").write_text(textwrap.dedent(CONFIG))
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    importlib.import_module(PACKAGE)
    yield tmp_path / "meanmatch_mnist.yaml"
    registry.unregister("meanmatch")
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def test_a_throwaway_experiment_trains_evaluates_and_reports(throwaway, tmp_path, mnist_dir, capsys):
    from repro.cli import main
    from repro.config import load_config
    from repro.evaluate import evaluate_run
    from repro.report import write_report
    from repro.train import train

    cfg = load_config(throwaway, "smoke")
    run_dir = train(cfg, tmp_path / "runs" / "meanmatch_mnist-smoke", data_dir=mnist_dir)
    results = tmp_path / "results"
    summary = evaluate_run(run_dir, data_dir=mnist_dir, results_dir=results)

    assert summary["epochs_trained"] == 2 and summary["checkpoint"]["checkpoint"] == "last"
    assert summary["metrics"]["from_folder"] and 0 <= summary["metrics"]["mean_gap"] < 1
    assert summary["parzen"] is not None  # the suite's protocol, for any model scored by it
    assert summary["nearest_neighbours"]["n_samples"] == 200  # the memorisation evaluator applies to MNIST runs
    assert [set(h) >= {"epoch", "loss", "epoch_seconds"} for h in summary["history"]] == [True, True]

    assert main(["sample", str(run_dir), "--n", "5", "--checkpoint", "last", "--out", str(tmp_path / "s.npz")]) == 0
    # another experiment's sample option is refused for this model, by the declaration alone
    assert main(["sample", str(run_dir), "--n", "5", "--nice", "--out", str(tmp_path / "n.npz")]) == 2
    assert "Drop --nice" in capsys.readouterr().err and not (tmp_path / "n.npz").exists()

    write_report(results)
    report = (results / "REPORT.md").read_text()
    assert "## Mean matching" in report and "A throwaway paper" in report
    rows = {r["id"]: r for r in json.loads((results / "verification.json").read_text())}
    gap = rows["meanmatch.mean_gap.meanmatch_mnist-smoke"]
    assert gap["reproduced"] == round(summary["metrics"]["mean_gap"], 4)
    assert gap["status"] == ("PASS" if summary["metrics"]["mean_gap"] < 0.5 else "FAIL")


def test_the_throwaway_experiment_is_gone_afterwards():
    assert "meanmatch" not in registry.EXPERIMENTS and "meanmatch" not in registry.MODELS
