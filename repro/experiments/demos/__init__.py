"""The seeds' small numeric demos (sampling, divergences), computed at report time and tested: sampling.py
(seed 000's Lehmer generator and samplers), report.py (with seed 002's KL-vs-JS demo, repro.metrics.divergences)."""
from repro.experiments.demos import report
from repro.registry import Experiment, register

register(Experiment("demos", report_sections=(report.demos_section,)))
