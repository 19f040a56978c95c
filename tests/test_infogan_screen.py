"""InfoGAN seed protocol: the screen's criterion, the success-rate interval, the paper recipe's
learned sigma, and the screen tool end to end: a screened run continued to full length is the same run."""
import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, load_tool
from repro.config import load_config
from repro.experiments.infogan.metrics import merged_digits, screen_categories, success_rate

CONFIG = ROOT / "paper_configs" / "infogan_mnist.yaml"


def test_screen_passes_a_one_to_one_split_and_fails_a_4_9_merge():
    labels = np.arange(2000) % 10
    perm = np.array([3, 7, 0, 9, 1, 4, 8, 2, 6, 5])
    cats = perm[labels].copy()
    cats[:150] = (cats[:150] + 1) % 10  # 7.5% noise: still one digit per category, purity >= 70%
    ok = screen_categories(cats, labels)
    assert ok["passed"] and ok["distinct"] and ok["min_purity"] >= 0.7
    assert [ok["dominant_digit"][perm[d]] for d in range(10)] == list(range(10))

    merged = perm[labels].copy()
    merged[labels == 9] = perm[4]               # 4 and 9 share a category ...
    merged[(labels == 7) & (np.arange(2000) % 20 < 10)] = perm[9]  # ... and 7 splits over two
    bad = screen_categories(merged, labels)
    assert not bad["passed"] and not bad["distinct"]
    assert bad["shared_digits"] == [7] and bad["missing_digits"] == [9]
    assert bad["purity"][perm[4]] == pytest.approx(0.5)
    assert merged_digits(bad["confusion"]) == [(4, 9)]

    impure = screen_categories(cats, labels, min_purity=0.99)  # distinct, but below the purity threshold
    assert impure["distinct"] and not impure["passed"]


def test_a_category_q_never_uses_fails_the_screen():
    labels = np.arange(1000) % 10
    cats = labels.copy()
    cats[cats == 3] = 2
    r = screen_categories(cats, labels)
    assert not r["passed"] and r["dominant_digit"][3] is None and r["purity"][3] == 0.0


def test_success_rate_intervals():
    r = success_rate(0, 20)
    assert r["rate"] == 0 and r["clopper_pearson"][0] == 0
    assert r["clopper_pearson"][1] == pytest.approx(1 - 0.025 ** (1 / 20), rel=1e-6)  # exact upper bound for 0/n
    r = success_rate(10, 20)
    assert r["clopper_pearson"] == pytest.approx([0.2720, 0.7280], abs=1e-4)
    assert r["wilson"] == pytest.approx([0.2993, 0.7007], abs=1e-4)
    with pytest.raises(ValueError):
        success_rate(0, 0)


def test_split_recipes_and_learned_sigma(configs):
    from repro.experiments.infogan.model import RECIPES, InfoGAN

    cfg = load_config(CONFIG, "screen")
    assert cfg["data"]["train_range"] == [5000, 60000] and cfg["data"]["valid_range"] == [0, 5000]
    assert cfg["train"]["epochs"] == 5 and cfg["model_params"]["learn_sigma"] is False
    code = InfoGAN(cfg)
    assert code.d_optimizer.epsilon == pytest.approx(1e-7)
    assert code.discriminator.get_layer("q_out").units == 12  # unchanged: 10 logits + 2 means

    paper = InfoGAN(load_config(CONFIG, "screen", {"model_params": RECIPES["paper"]}))
    assert paper.discriminator.get_layer("q_out").units == 14  # + 2 log-variances
    assert paper.d_optimizer.epsilon == pytest.approx(1e-8) and paper.params["leaky_slope"] == 0.1
    q = np.zeros((2, 14), np.float32)
    q[:, 10:12] = [[0.5, -0.5], [0.0, 0.2]]
    q[:, 12:14] = [[math.log(4.0), 0.0], [0.0, math.log(0.25)]]  # variances 4, 1 / 1, 0.25
    cont = np.array([[1.5, -0.5], [0.0, 0.7]], np.float32)
    _, loss = paper.info_terms(q, np.array([0, 1]), cont)
    # -log N(c; mu, sigma) without 0.5 log 2 pi: log sigma + 0.5 ((c - mu) / sigma)^2, summed over codes
    want = np.mean([math.log(2) + 0.5 * (1 / 2) ** 2 + 0, 0 + math.log(0.5) + 0.5 * (0.5 / 0.5) ** 2])
    assert float(loss) == pytest.approx(want, rel=1e-5)
    _, fixed = code.info_terms(q[:, :12], np.array([0, 1]), cont)
    assert float(fixed) == pytest.approx(np.mean([0.5 * 1.0, 0.5 * 0.25]), rel=1e-5)


def test_parse_seeds():
    tool = load_tool("infogan_screen")
    assert tool.parse_seeds("0-3,7,2") == [0, 1, 2, 3, 7]
    for bad in ("3-1", "a", "-2", ""):
        with pytest.raises(ValueError, match="--seeds"):
            tool.parse_seeds(bad)


def test_screen_then_full_is_one_run_and_reported(mnist_dir, tmp_path, capsys):
    import h5py

    from repro.report import write_report

    tool = load_tool("infogan_screen")
    runs, results = tmp_path / "runs", tmp_path / "results"
    assert tool.main(["--recipe", "nonsense", "--seeds", "0", "--runs", str(runs), "--results", str(results)]) == 2

    # Every training on one thread in a fresh process. With TensorFlow's threaded kernels two identical trainings
    # round differently when the machine is loaded, and Adam and BatchNorm blow that up within 3 steps (seen on
    # AVX2 beside another training: weights 5-25% of epoch 3's own movement apart, the resumed run on either
    # side); on one thread the same steps give the same bits, so a resume must match exactly.
    def fresh(*argv):
        env = {**os.environ, "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
        r = subprocess.run([sys.executable, *map(str, argv)], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=900)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
        return r

    args = ["--recipe", "paper", "--seeds", "0", "--runs", runs, "--results", results, "--smoke"]
    fresh(ROOT / "tools" / "infogan_screen.py", *args)
    screen = json.loads((results / "infogan_screen" / "paper-seed0.json").read_text())
    assert screen["epochs_trained"] == 2 and len(screen["screen"]["dominant_digit"]) == 10
    assert screen["model_params"]["learn_sigma"] is True and screen["valid_range"] == [0, 5000]
    assert "paper,0," in (results / "infogan_screen" / "summary.csv").read_text()
    # resumable: an existing screen is kept, not retrained (nothing trains, so this process will do)
    run = runs / tool.run_name("paper", 0)
    trained = (run / "checkpoints" / "last.weights.h5").stat().st_mtime_ns
    capsys.readouterr()
    assert tool.main([str(a) for a in args]) == 0
    kept = capsys.readouterr()
    assert "epoch 1/" not in kept.out + kept.err and "paper seed 0: " in kept.out
    assert (run / "checkpoints" / "last.weights.h5").stat().st_mtime_ns == trained

    shutil.copy(run / "checkpoints" / "last.weights.h5", tmp_path / "screen.weights.h5")  # after epoch 2
    fresh(ROOT / "tools" / "infogan_screen.py", *args, "--full")  # the same folder, resumed to 3 epochs, evaluated
    summary = json.loads((results / "runs" / f"{run.name}.json").read_text())
    assert summary["epochs_trained"] == 3 and summary["recipe"]["train_range"] == [5000, 60000]

    straight = tmp_path / "straight"  # the full length in one go ends with the same weights
    fresh("-c", "import sys; sys.path.insert(0, 'tools'); import infogan_screen as t; from repro.train import train; "
                "train(t.recipe_config('paper', 0, 'paper', {'train': {'epochs': 3, 'steps_per_epoch': 3, "
                f"'train_examples': 1000}}}}), {str(straight)!r}, verbose=0)")

    def weights(path):
        out = {}
        with h5py.File(path) as f:
            f.visititems(lambda k, v: out.__setitem__(k, v[()]) if isinstance(v, h5py.Dataset) else None)
        return out

    a, b = weights(straight / "checkpoints" / "last.weights.h5"), weights(run / "checkpoints" / "last.weights.h5")
    assert a.keys() == b.keys()
    for k in a:  # weights, optimiser slots and counters alike
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    epoch2 = weights(tmp_path / "screen.weights.h5")
    assert any(not np.array_equal(a[k], epoch2[k]) for k in a)  # and epoch 3 did move them

    write_report(results)
    rows = {r["id"]: r for r in json.loads((results / "verification.json").read_text())}
    assert rows["infogan.protocol.paper.screen_success_rate"]["status"] == "MEASURED"
    assert rows["infogan.protocol.paper.best_of_n"]["status"] in ("PASS", "FAIL")
    assert rows["infogan.protocol.code.best_of_n"]["status"] == "NOT RUN"
    report = (results / "REPORT.md").read_text()
    assert "Screen success rate, recipe paper: " in report and "Clopper–Pearson" in report
