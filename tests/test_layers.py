"""The package's layers import one way only, and each experiment keeps to its own folder.

Built from the source alone (the standard library's `ast`, no import is executed): every `import` and
`from ... import` of every module under repro/, function-local ones included, is an edge of the import graph.
Layers, lowest first:
  io           writing files (atomic writes, file sets) and the machine's devices: no Keras, nothing of the suite;
  config       the config schema and the registry of experiments (what a config and an experiment are);
  data         the data loaders: they read data and evaluate nothing;
  metrics      the measures, on arrays (Parzen, classifier scores, curves);
  results      results files, generator files, quick bands and plotting helpers;
  blocks       repro/models/ and the generic Keras callbacks: what the experiments share;
  experiments  repro/experiments/<family>/: one folder per paper or family, registered in repro.registry;
  engines      train, evaluate, figures, report: they look experiments up in the registry;
  cli          the command line and the package's entry points.
A module may import its own layer or a lower one, never a higher one, and no import may close a cycle.
"""
from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "repro"

LAYERS = ("io", "config", "data", "metrics", "results", "blocks", "experiments", "engines", "cli")
# path prefix (relative to the checkout) -> layer; every module of the package must match one
LAYER_OF_PATH = {
    "repro/io.py": "io",
    "repro/backend.py": "io",
    "repro/config.py": "config",
    "repro/registry.py": "config",
    "repro/data/": "data",
    "repro/metrics/": "metrics",
    "repro/results.py": "results",
    "repro/generator_store.py": "results",
    "repro/quick_bands.py": "results",
    "repro/plotting.py": "results",
    "repro/plotting_neighbours.py": "results",
    "repro/callbacks.py": "blocks",
    "repro/models/": "blocks",
    "repro/experiments/": "experiments",
    "repro/train.py": "engines",
    "repro/evaluate.py": "engines",
    "repro/figures.py": "engines",
    "repro/report.py": "engines",
    "repro/verify.py": "engines",
    "repro/status.py": "engines",
    "repro/listing.py": "engines",
    "repro/cli.py": "cli",
    "repro/__main__.py": "cli",
    "repro/__init__.py": "cli",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(path: Path) -> str | None:
    rel = path.relative_to(ROOT).as_posix()
    matches = [prefix for prefix in LAYER_OF_PATH if rel == prefix or prefix.endswith("/") and rel.startswith(prefix)]
    return LAYER_OF_PATH[max(matches, key=len)] if matches else None


def _resolve(name: str, known) -> str | None:
    """The deepest module of the package that `name` (a dotted module path) refers to."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def imports(module: str, path: Path, known, source: str | None = None) -> list[tuple[str, int]]:
    """(imported module of the package, line) for every import statement in `path` (or in `source`, read as if it
    were that file), wherever it stands."""
    is_package = path.name == "__init__.py"
    out = []
    for node in ast.walk(ast.parse(path.read_text() if source is None else source, str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            # `from pkg import name`: the submodule pkg.name if there is one, else pkg itself
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name, known) if name.split(".")[0] == "repro" else None
            if target is not None and target != module and (target, node.lineno) not in out:
                out.append((target, node.lineno))
    return out


def import_graph():
    known = modules()
    return known, {m: imports(m, p, known) for m, p in known.items()}


def where(known, module, line):
    return f"{known[module].relative_to(ROOT).as_posix()}:{line}"


def test_every_module_has_a_layer():
    known = modules()
    unassigned = sorted(p.relative_to(ROOT).as_posix() for p in known.values() if layer_of(p) is None)
    assert not unassigned, (f"modules with no layer in tests/test_layers.py LAYER_OF_PATH: {', '.join(unassigned)}; "
                            "put each in core, blocks, experiments/<family>/, engines or cli")


def upward_imports(known, graph) -> list[str]:
    upward = []
    for module, edges in graph.items():
        src = layer_of(known[module])
        for target, line in edges:
            dst = layer_of(known[target])
            if src and dst and LAYERS.index(dst) > LAYERS.index(src):
                upward.append(f"{where(known, module, line)} imports {target} ({src} -> {dst})")
    return upward


def test_no_import_from_a_lower_layer_into_a_higher_one():
    known, graph = import_graph()
    upward = upward_imports(known, graph)
    assert not upward, "imports that go up a layer:\n" + "\n".join(upward)


@pytest.mark.parametrize("module,planted,layers", [
    ("repro.data.tfd", "from repro.metrics.parzen import parzen_protocol", "data -> metrics"),
    ("repro.io", "import repro.results", "io -> results"),
    ("repro.metrics.classifier", "def f():\n    from repro.results import emit\n", "metrics -> results"),
    ("repro.config", "from repro.data import load_splits", "config -> data"),
    ("repro.results", "from repro.models import base", "results -> blocks"),
])
def test_a_planted_upward_import_inside_the_lower_layers_is_caught(module, planted, layers):
    """The check above fails on an upward import between two of the lower layers, read from source text as the
    real modules are (a function-local import too)."""
    known, graph = import_graph()
    path = known[module]
    graph[module] = graph[module] + imports(module, path, known, source=path.read_text() + "\n" + planted + "\n")
    upward = upward_imports(known, graph)
    assert any(f"({layers})" in u and u.startswith(where(known, module, 0).rsplit(":", 1)[0]) for u in upward), upward


def test_an_experiment_imports_no_other_experiment():
    """Each family under repro/experiments/ is self-contained; only repro/experiments/__init__.py (which
    registers them all) names every family. What two families share belongs in core or blocks."""
    known, graph = import_graph()
    crossing = []

    def family(module):
        parts = module.split(".")
        return parts[2] if len(parts) > 2 and parts[:2] == ["repro", "experiments"] else None

    for module, edges in graph.items():
        if family(module) is None:
            continue
        for target, line in edges:
            if target == "repro.experiments" or family(target) not in (None, family(module)):
                crossing.append(f"{where(known, module, line)} imports {target}")
    assert not crossing, "an experiment reaches into another one:\n" + "\n".join(crossing)


def test_no_import_cycle():
    known, graph = import_graph()
    # graphlib reads the mapping as node -> its predecessors: here, module -> the modules it imports
    sorter = graphlib.TopologicalSorter({m: [t for t, _ in edges] for m, edges in graph.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as e:
        cycle = e.args[1][::-1]  # each module in it imports the next one
        steps = [f"{where(known, a, next(line for t, line in graph[a] if t == b))} imports {b}"
                 for a, b in zip(cycle, cycle[1:])]
        raise AssertionError("import cycle (one of them; fix it and rerun for the next):\n"
                             + "\n".join(steps)) from None
