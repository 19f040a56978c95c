"""repro: classic generative models, reproduced and checked against their papers."""
__version__ = "0.1.0"
