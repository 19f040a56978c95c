"""The nearest-neighbour (memorisation) check of every evaluated MNIST image model (the suite's design).

Not a paper of its own: an evaluator that `evaluate` runs on every run on MNIST (evaluation.py, with
repro.metrics.nearest_neighbours and repro.plotting_neighbours), and one report section over all runs.
"""
from repro.experiments.memorisation import evaluation, report
from repro.registry import Evaluator, Experiment, register

register(Experiment("memorisation", report_sections=(report.nearest_neighbours_section,),
                    evaluators=(Evaluator("nearest_neighbours", evaluation.nearest_neighbour_check,
                                          datasets=evaluation.DATASETS),)))
