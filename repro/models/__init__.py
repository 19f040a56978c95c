"""Building blocks the experiments share: the base model, layers, losses, schedules, initializers."""
