"""The seeds' small numeric demos (sampling, divergences), computed at report time and tested: sampling.py
(Lecture 8 “Generative Models”'s Lehmer generator and samplers), report.py (with the book chapter “VAE, GAN and
variants”'s KL-vs-JS demo, repro.metrics.divergences)."""
from repro.experiments.demos import report
from repro.registry import Claim, Experiment, register

register(Experiment("demos", report_sections=(report.demos_section,), claims=(
    Claim("book chapter “VAE, GAN and variants”", "its five KL-against-JS worked examples", ("book_chapter.kl_js.*",),
          reported="KL and JS of 5 pairs", runs="computed by the report",
          section="The course documents' numeric demos"),
    Claim("Lecture 8 “Generative Models”", "a Lehmer generator and sampling by inversion and change of variables",
          ("lecture8.*",), reported="X10000 = 1043618065; 4 distribution tests", runs="computed by the report",
          section="The course documents' numeric demos"),
)))
