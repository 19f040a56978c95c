import math

import numpy as np

from repro.metrics.curves import best_so_far, collapse, gain_over_last, value_at

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
