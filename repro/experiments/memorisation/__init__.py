"""The nearest-neighbour (memorisation) check of every evaluated MNIST image model (the suite's design).

Not a paper of its own: one report section over all runs, whose numbers `evaluate` computes with
repro.metrics.nearest_neighbours and draws with repro.plotting_neighbours.
"""
from repro.experiments.memorisation import report
from repro.registry import Experiment, register

register(Experiment("memorisation", report_sections=(report.nearest_neighbours_section,)))
