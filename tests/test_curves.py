import math

import numpy as np

from repro.metrics.curves import best_so_far, best_up_to, collapse, gain_over_last, value_at

NAN = math.nan


def test_collapse_needs_five_consecutive_measured_values_below_the_threshold():
    epochs = list(range(1, 21))
    # measured every 2nd epoch; four low values, one good one, then five low ones
    vals = [NAN if e % 2 else x for e, x in zip(epochs, [0, -250, 0, -260, 0, -270, 0, -280, 0, 10,
                                                         0, -201, 0, -300, 0, -300, 0, -300, 0, -300])]
    r = collapse(epochs, vals)
    assert r == {"collapsed": True, "epoch": 12, "recovered": False, "collapsed_at_end": True}
    assert collapse(epochs[:18], vals[:18])["collapsed"] is False  # only four low values before epoch 20


def test_collapse_then_recovery_counts_as_collapsed_and_recovered():
    epochs = list(range(1, 9))
    vals = [-250, -250, -250, -250, -250, 50, 60, 70]
    r = collapse(epochs, vals)
    assert r["collapsed"] and r["recovered"] and not r["collapsed_at_end"] and r["epoch"] == 1
    assert collapse(epochs, [10] * 8) == {"collapsed": False, "epoch": None, "recovered": False,
                                          "collapsed_at_end": False}


def test_gain_and_values_at_fixed_epochs():
    epochs = np.arange(1, 301)
    vals = np.where(epochs % 2 == 0, np.minimum(epochs, 150.0), np.nan)  # rises to 150, then flat
    assert gain_over_last(epochs, vals, 100) == 0.0  # a plateau
    assert gain_over_last(epochs[:200], vals[:200], 100) == 150 - 100
    assert gain_over_last(epochs[:50], vals[:50], 100) is None
    assert value_at(epochs, vals, 51) == 50.0 and value_at(epochs, vals, 400) is None
    e, best = best_so_far([1, 2, 3], [5, None, 3])
    assert list(e) == [1, 3] and list(best) == [5, 5]


def test_best_up_to_a_common_length_ignores_later_epochs():
    epochs = np.arange(1, 11)
    vals = [NAN, 3, NAN, 9, NAN, 5, NAN, 20, NAN, 30]
    assert best_up_to(epochs, vals, 6) == (9.0, 4)
    assert best_up_to(epochs, vals, 10) == (30.0, 10)
    assert best_up_to(epochs[:5], vals[:5], 6) is None  # the run had not reached epoch 6


def _summary(run, seed, epochs, checkpoint_epoch, test_ll, rise=0.5, lr_decay=1.000004):
    """A paper-profile summary of the 2014 MNIST model as `evaluate` writes it (only what the study reads)."""
    from repro.config import load_config
    from repro.experiments.goodfellow2014.longrun import CONFIG

    params = dict(load_config(CONFIG)["model_params"], lr_decay_factor=lr_decay)
    history = [{"epoch": i, "lr": 0.1, **({"val_parzen": rise * (i + 1)} if (i + 1) % 2 == 0 else {})}
               for i in range(epochs)]
    return {"run": run, "experiment": "goodfellow2014_mnist", "model": "goodfellow2014", "profile": "paper",
            "commit": "abc1234",
            "recipe": {"seed": seed, "update": "simultaneous", "k": 1}, "model_params": params,
            "checkpoint": {"checkpoint": "best", "epoch": checkpoint_epoch}, "history": history,
            "parzen": {"ll": test_ll, "se": 2.0, "sigma": 0.167}, "metrics": {}, "epochs_trained": epochs}


def test_table1_seed_row_pools_only_tests_at_the_common_length(tmp_path):
    """The protocol pools test estimates at the seeds' common length (300 epochs): a long run whose evaluated
    checkpoint lies beyond epoch 300 stays out of the pooled row (and its row is the long run's); a variant
    never enters it."""
    import json

    from repro.experiments.goodfellow2014.longrun import section

    (tmp_path / "runs").mkdir()
    runs = [_summary("long-seed0", 0, 1000, 992, 211.6), _summary("seed1", 1, 300, 298, 180.0),
            _summary("seed2", 2, 300, 296, 190.0), _summary("fast-decay", 0, 300, 300, 150.0, lr_decay=1.00004),
            _summary("seed4", 4, 50, 2, -57.2, rise=-10.0)]  # below -200 from epoch 22 on: collapsed, stopped at 50
    for s in runs:
        (tmp_path / "runs" / f"{s['run']}.json").write_text(json.dumps(s))
    text, rows = section(tmp_path)
    by_id = {r["id"]: r for r in rows}
    seeds = by_id["goodfellow2014.table1.mnist.seeds"]
    assert seeds["reproduced"] == 185.0 and seeds["status"] == "FAIL"  # (180 + 190) / 2, not with 211.6 or 150
    assert "n = 2: seeds 1, 2" in text and "**185.0 ± 7.1**" in text
    assert "long-seed0 (checkpoint epoch 992" in text
    assert by_id["goodfellow2014.table1.mnist.long.long-seed0"]["reproduced"] == 211.6
    assert "| fast-decay | lr_decay_factor=1.00004 |" in text
    # the collapsed seed is out of the row because it collapsed (not because it is short of 300 epochs)
    assert "1 of 4 seeds collapsed at some point; 1 still collapsed" in text
    assert "- Collapsed, so not in the Table 1 row" in text
    assert "seed4 (collapsed at epoch 22, still collapsed at epoch 50, its last)" in text
    assert "Not yet 300 epochs" not in text


def test_a_variant_is_set_beside_the_seeds_at_its_own_length(tmp_path):
    """A variant's best validation estimate is compared with the seeds' best over the same epochs (a variant
    still training is not set against 300-epoch seeds), and named as above, inside or below their range."""
    import json

    from repro.experiments.goodfellow2014.longrun import section

    (tmp_path / "runs").mkdir()
    runs = [_summary("seed1", 1, 300, 298, 180.0, rise=0.5), _summary("seed2", 2, 300, 296, 190.0, rise=0.6),
            _summary("fast-decay", 0, 101, 100, 99.0, rise=1.0, lr_decay=1.00004)]
    for s in runs:
        (tmp_path / "runs" / f"{s['run']}.json").write_text(json.dumps(s))
    text = section(tmp_path)[0]
    line = next(x for x in text.splitlines() if x.startswith("- Variants"))
    # measured up to epoch 100 (every 2nd epoch): 100.0 against the seeds' 50.0 and 60.0 at epoch 100
    assert ("**lr_decay_factor=1.00004** (seed 0, 101 epochs of 300; no collapse): best validation in its first "
            "100 epochs 100.0 (epoch 100) against the seeds' 55.0 (range 50.0–60.0, n = 2), above the seeds' range"
            ) in line
    assert "score 185.0 (range 180.0–190.0, n = 2) on test" in line
    assert "- Collapse rate of each variant (runs that collapsed / runs): lr_decay_factor=1.00004: 0 of 1." in text


def test_longrun_figure_draws_the_seeds_as_one_band_and_the_rest_as_labelled_lines(tmp_path):
    """The recipe's non-collapsed seeds share a band; the long run (the longest healthy seed), each variant and
    each collapsed seed are lines of their own, labelled in words."""
    import json

    from repro.config import load_config
    from repro.experiments.goodfellow2014.longrun import CONFIG, figure_groups, longrun_figure, study, variant_words

    (tmp_path / "runs").mkdir()
    runs = [_summary("long-seed0", 0, 1000, 992, 211.6), _summary("seed1", 1, 300, 298, 180.0),
            _summary("seed2", 2, 300, 296, 190.0), _summary("fast-decay", 0, 300, 300, 150.0, lr_decay=1.00004),
            _summary("seed4", 4, 50, 2, -57.2, rise=-10.0)]
    for s in runs:
        (tmp_path / "runs" / f"{s['run']}.json").write_text(json.dumps(s))
    entries = study(tmp_path)
    recipe = load_config(CONFIG)["model_params"]
    for r in entries:
        r["words"] = variant_words(r["summary"], recipe)
    groups = [(kind, label, [r["run"] for r in members]) for kind, label, members in figure_groups(entries)]
    assert groups == [
        ("seeds", "released recipe, seeds 1, 2", ["seed1", "seed2"]),
        ("long", "the long run (released recipe, seed 0, 1,000 epochs)", ["long-seed0"]),
        ("variant", "variant: learning rate decaying 10× faster, seed 0", ["fast-decay"]),
        ("collapsed", "released recipe, seed 4 (collapsed at epoch 22, stopped at 50)", ["seed4"])]
    (path,) = longrun_figure(tmp_path)
    assert path.name == "goodfellow2014_mnist-longrun.png" and path.stat().st_size > 0


def test_milestones_are_recorded_from_evaluate_summaries_and_judged_by_the_extensions_rule(tmp_path):
    """A milestone's summary becomes results/milestones/RUN/epoch-N.json and the run's summary; the verdict is
    'reached' only once a milestone's estimate + 2 SE reaches 225; an older milestone never replaces a newer
    summary, and a second, different evaluation of the same milestone is refused."""
    import json
    import sys

    import pytest

    from repro.experiments.goodfellow2014.longrun import section

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "tools"))
    from record_milestone import main as record

    src = tmp_path / "evaluated"
    src.mkdir()
    marks = {1500: _summary("long-seed0", 0, 1500, 1500, 216.3), 2000: _summary("long-seed0", 0, 2000, 1990, 220.0),
             3000: _summary("long-seed0", 0, 3000, 2998, 221.5)}
    for n, s in marks.items():
        (src / f"{n}.json").write_text(json.dumps(s))
    results = tmp_path / "results"
    assert record([str(src / "2000.json"), "--results", str(results)]) == 0
    assert record([str(src / "1500.json"), "--results", str(results)]) == 0  # recorded, the summary kept at 2,000
    saved = json.loads((results / "runs" / "long-seed0.json").read_text())
    assert saved["epochs_trained"] == 2000 and len(saved["history"]) == 2000
    kept = json.loads((results / "milestones" / "long-seed0" / "epoch-01500.json").read_text())
    assert "history" not in kept and kept["parzen"]["ll"] == 216.3
    text, rows = section(results)
    by_id = {r["id"]: r for r in rows}
    assert by_id["goodfellow2014.table1.mnist.milestone.epoch2000"]["status"] == "FAIL"  # 220.0 + 2·2.0 < 225
    assert "goodfellow2014.table1.mnist.milestone.epoch1500" not in by_id  # before the extension: a table line only
    assert "| 2,000 | 1,990 (995.0) | 220.0 ± 2.0 (0.167) | 224.0 | no |" in text
    assert "225 not reached by 2,000 epochs" in text
    assert record([str(src / "3000.json"), "--results", str(results)]) == 0
    text, rows = section(results)
    assert {r["id"]: r for r in rows}["goodfellow2014.table1.mnist.milestone.epoch3000"]["status"] == "PASS"  # 225.5
    assert "**Verdict on 225 (the long run):** 225 reached at 3,000 epochs." in text
    marks[3000]["parzen"]["ll"] = 219.0  # another evaluation of the same milestone
    (src / "3000.json").write_text(json.dumps(marks[3000]))
    assert record([str(src / "3000.json"), "--results", str(results)]) == 2
    assert json.loads((results / "runs" / "long-seed0.json").read_text())["parzen"]["ll"] == 221.5
    with pytest.raises(SystemExit):
        record(["--results"])
