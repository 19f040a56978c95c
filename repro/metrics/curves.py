"""Reading a training curve by rules fixed before the runs (the 2014 model's seed study).

Arrays in, numbers out: `epochs` count from 1, `values` are the validation estimates with NaN (or None) where
nothing was measured that epoch (the monitor runs every n-th epoch).
"""
from __future__ import annotations

import numpy as np


def _measured(epochs, values):
    e = np.asarray(epochs, np.float64)
    v = np.asarray([np.nan if x is None else x for x in values], np.float64)
    keep = np.isfinite(v)
    return e[keep].astype(int), v[keep]


def collapse(epochs, values, threshold=-200.0, run=5):
    """Collapse = `run` consecutive measured values below `threshold`. Returns
    {"collapsed", "epoch" (where the run of low values began), "recovered" (a measured value at or above
    the threshold came after it), "collapsed_at_end" (the last `run` measured values are all below)}."""
    e, v = _measured(epochs, values)
    low = v < threshold
    start, count, first = None, 0, None
    for i, is_low in enumerate(low):
        count = count + 1 if is_low else 0
        if count == 1:
            start = i
        if count == run and first is None:
            first = start
    at_end = len(v) >= run and bool(low[-run:].all())
    recovered = first is not None and bool((~low[first:]).any())
    return {"collapsed": first is not None, "epoch": int(e[first]) if first is not None else None,
            "recovered": recovered, "collapsed_at_end": at_end}


def best_so_far(epochs, values):
    """The running maximum of the measured values: (epochs, best estimate up to each)."""
    e, v = _measured(epochs, values)
    return e, np.maximum.accumulate(v) if len(v) else v


def gain_over_last(epochs, values, window=100):
    """How much the best estimate rose over the last `window` epochs of the run (None if the run is shorter).
    A plateau, by the protocol, is a gain below 1 nat over the last 100 epochs."""
    e, best = best_so_far(epochs, values)
    if len(e) == 0 or e[-1] - window < e[0]:
        return None
    before = best[e <= e[-1] - window]
    return float(best[-1] - before[-1])


def value_at(epochs, values, epoch):
    """The last measured value at or before `epoch` (None if the run had not reached it or measured nothing)."""
    e, v = _measured(epochs, values)
    if len(e) == 0 or e[-1] < epoch:
        return None
    i = np.searchsorted(e, epoch, side="right") - 1
    return float(v[i]) if i >= 0 else None


def best_up_to(epochs, values, epoch):
    """The best measured value within the first `epoch` epochs and where it was measured: (value, epoch), or None
    if the run had not reached `epoch` (a longer run's best checkpoint can lie beyond; this is the seeds' common
    length)."""
    e, v = _measured(epochs, values)
    if len(e) == 0 or e[-1] < epoch or not (e <= epoch).any():
        return None
    keep = e <= epoch
    i = int(np.argmax(v[keep]))
    return float(v[keep][i]), int(e[keep][i])
