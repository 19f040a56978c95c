"""Report sections of the experiments, each fn(results_dir) -> (markdown, rows); registered in repro.report."""
