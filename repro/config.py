"""Experiment configs: one YAML per experiment, checked against a schema.

A config has common sections (data, train, eval) and a `model` section whose schema
belongs to the model class. Profiles (smoke / quick / paper) may change only the length
of a run and the sample counts, never the recipe, so they are checked against
`PROFILE_KEYS`.
"""
from __future__ import annotations

import copy
import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

# The seed of the samples every evaluation scores (evaluate, export-generator, verify; `sample` by default), so
# that one command's number is another's. Training's validation monitor uses its own seed.
EVAL_SEED = 2014


class ConfigError(ValueError):
    """A config problem, phrased for the user: which key, what is allowed."""


@dataclass
class Field:
    default: Any
    kind: type | tuple = object
    choices: tuple | None = None
    lo: float | None = None
    hi: float | None = None
    optional: bool = False
    doc: str = ""
    # what else a value must satisfy: returns the problem ("must be ...") or None
    check: Callable[[Any], str | None] | None = None


def positive_ints(default: list, doc: str = "") -> Field:
    """A non-empty list of positive integers, e.g. the sizes of a network's hidden layers."""
    def check(value):
        if not value or not all(isinstance(u, int) and not isinstance(u, bool) and u > 0 for u in value):
            return "must be a non-empty list of positive integers"
        return None
    return Field(default, list, doc=doc, check=check)


def require_pixel_range(cfg: dict, wanted: str, model: str, why: str):
    """The one data.pixel_range a model's output can match (a tanh output: 'symmetric'; a sigmoid: 'unit')."""
    if cfg["data"]["pixel_range"] != wanted:
        raise ConfigError(f"config key 'data.pixel_range' must be {wanted!r} for {model}: {why}")


# Keys a profile may override: lengths and sample counts only.
PROFILE_KEYS = {
    ("train", "epochs"),
    ("train", "train_examples"),
    ("train", "steps_per_epoch"),
    ("eval", "n_samples"),
    ("eval", "valid_examples"),
    ("eval", "test_examples"),
    ("eval", "monitor_every"),
    ("eval", "monitor_samples"),
    ("eval", "classifier_samples"),
    ("eval", "seeds"),
}

COMMON_SCHEMA = {
    "experiment": Field(None, str, doc="name of the experiment, used for run folders and results"),
    "model": Field(None, str, doc="model key, as an experiment registers it in repro.registry"),
    "description": Field("", str),
    "source": Field("", str, doc="where the recipe comes from"),
    "seed": Field(0, int, lo=0, hi=2 ** 32 - 1, doc="seeds every random number of the run"),
    "data": {
        "dataset": Field("mnist", str, choices=("mnist", "binarized_mnist", "cifar10", "tfd", "gaussian1d")),
        "binarisation": Field("auto", str, choices=("auto", "fixed", "stochastic"),
                              doc="binarized_mnist: the fixed set where available (auto), only it (fixed), or one "
                                  "seeded draw from the MNIST IDX files (stochastic)"),
        "redraw_train_binarisation": Field(False, bool, doc="binarized_mnist: draw the training images' pixels "
                                                            "afresh every epoch (stochastic set only)"),
        "train_range": Field([0, 50000], list, doc="[start, stop) of the training split used for training"),
        "valid_range": Field([50000, 60000], list, doc="[start, stop) of the training split held out"),
        "shuffle": Field(True, bool),
        "pixel_range": Field("unit", str, choices=("unit", "symmetric")),
        "gcn_scale": Field(None, (int, float), optional=True, doc="global contrast normalisation scale"),
        "fold": Field(0, int, lo=0, hi=4, doc="TFD fold"),
    },
    "train": {
        "epochs": Field(1, int, lo=1),
        "batch_size": Field(100, int, lo=1),
        "train_examples": Field(None, int, lo=1, optional=True, doc="use only the first N training images"),
        "steps_per_epoch": Field(None, int, lo=1, optional=True),
        "precision": Field("float32", str, choices=("float32", "mixed_bfloat16", "mixed_float16"),
                           doc="float32 (the papers' arithmetic); mixed_bfloat16 for CPUs with AVX512_BF16 or AMX; "
                               "mixed_float16 for NVIDIA GPUs (with dynamic loss scaling)"),
        "distribute": Field("none", str, choices=("none", "mirrored", "multiworker")),
        "checkpoint_every": Field(1, int, lo=1, doc="epochs between resumable backups"),
    },
    "eval": {
        "n_samples": Field(10000, int, lo=1, doc="generated samples for the Parzen estimate"),
        "valid_examples": Field(1000, int, lo=1, doc="validation images used to choose sigma"),
        "test_examples": Field(10000, int, lo=1),
        "sigmas": Field("logspace(-1,0,10)", str, choices=("logspace(-1,0,10)",)),
        "monitor_every": Field(1, int, lo=0, doc="epochs between validation Parzen checks (0: never)"),
        "monitor_samples": Field(10000, int, lo=1),
        "classifier_samples": Field(10000, int, lo=1),
        "seeds": Field(1, int, lo=1),
        "checkpoint": Field("best", str, choices=("best", "last"),
                            doc="which checkpoint evaluate uses: best validation Parzen, or the last epoch"),
        "collapse_below": Field(-200.0, float, doc="a validation Parzen estimate below this (nats) is collapsed"),
        "collapse_consecutive": Field(5, int, lo=1, doc="this many collapsed estimates in a row: a collapse"),
        "stop_if_collapsed_at": Field(None, int, lo=1, optional=True,
                                      doc="at this epoch, stop a run whose last collapse_consecutive validation "
                                          "estimates are all collapsed (empty: never stop)"),
    },
    "profiles": Field({}, dict),
}


def _close(key, options):
    m = difflib.get_close_matches(str(key), [str(o) for o in options], n=3, cutoff=0.5)
    return f" Did you mean {', '.join(repr(x) for x in m)}?" if m else ""


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _check_value(path, f: Field, value):
    name = ".".join(path)
    if value is None:
        if f.optional or f.default is None:
            return None
        raise ConfigError(f"config key '{name}' may not be empty; expected {_kind_name(f.kind)}.")
    kinds = f.kind if isinstance(f.kind, tuple) else (f.kind,)
    if float in kinds and isinstance(value, str) and _NUMBER.match(value.strip()):
        value = float(value)  # YAML 1.1 (PyYAML) reads 1e-3 (no dot) as text; it is a number here
    if float in kinds and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"config key '{name}' is {value!r}; it must be a finite number.")
    if object not in kinds:
        if isinstance(value, bool) and bool not in kinds:
            raise ConfigError(f"config key '{name}' is {value!r}; expected {_kind_name(f.kind)}.")
        if not isinstance(value, kinds):
            raise ConfigError(
                f"config key '{name}' is {value!r} ({type(value).__name__}); expected {_kind_name(f.kind)}.")
    if f.choices is not None and value not in f.choices:
        raise ConfigError(
            f"config key '{name}' is {value!r}; allowed: {', '.join(repr(c) for c in f.choices)}.")
    if f.lo is not None and value < f.lo or f.hi is not None and value > f.hi:
        lo = "-inf" if f.lo is None else f.lo
        hi = "inf" if f.hi is None else f.hi
        raise ConfigError(f"config key '{name}' is {value!r}; allowed range [{lo}, {hi}].")
    problem = f.check(value) if f.check is not None else None
    if problem:
        raise ConfigError(f"config key '{name}' {problem}; got {value!r}.")
    return value


def _kind_name(kind):
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join({"int": "an integer", "float": "a number", "str": "a string", "bool": "true/false",
                        "list": "a list", "dict": "a mapping"}.get(k.__name__, k.__name__) for k in kinds)


def _merge(schema, values, path=()):
    """Fill defaults, reject unknown keys and bad values."""
    values = values or {}
    if not isinstance(values, dict):
        raise ConfigError(f"config section '{'.'.join(path)}' must be a mapping, got {values!r}.")
    unknown = [k for k in values if k not in schema]
    if unknown:
        k = unknown[0]
        where = ".".join(path + (str(k),))
        raise ConfigError(f"unknown config key '{where}'.{_close(k, schema)} "
                          f"Allowed here: {', '.join(sorted(schema))}.")
    out = {}
    for key, f in schema.items():
        if isinstance(f, dict):
            out[key] = _merge(f, values.get(key), path + (key,))
        else:
            out[key] = _check_value(path + (key,), f, copy.deepcopy(values.get(key, f.default)))
    return out


def _deep_update(base, over):
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _deep_update(base[k], v)
        else:
            base[k] = v
    return base


def _check_profile(name, over):
    if not isinstance(over, dict):
        raise ConfigError(f"profile '{name}' must be a mapping of sections, got {over!r}.")
    allowed = sorted(".".join(k) for k in PROFILE_KEYS)
    for section, keys in over.items():
        if not isinstance(keys, dict):
            raise ConfigError(f"profile '{name}': '{section}' must be a mapping.")
        for k in keys:
            if (section, k) not in PROFILE_KEYS:
                raise ConfigError(
                    f"profile '{name}' sets '{section}.{k}', but a profile may change only the length of a "
                    f"run and sample counts ({', '.join(allowed)}); put recipe changes in the config itself.")


def load_config(path, profile: str | None = None, overrides: dict | None = None) -> dict:
    """Read a YAML config, apply a profile, validate everything. Returns a plain dict."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file {path} does not exist; configs live in paper_configs/.")
    if path.is_dir():
        raise ConfigError(f"config file {path} is a folder; give a YAML file from paper_configs/.")
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"config file {path} is not valid YAML: {e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not a text file (not UTF-8); give a YAML file from "
                          "paper_configs/.") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {path} must be a mapping at the top level.")
    return resolve_config(raw, profile, overrides, origin=str(path))


def resolve_config(raw: dict, profile: str | None = None, overrides: dict | None = None, origin="config") -> dict:
    from repro.registry import registered_models

    models = registered_models()  # each experiment registers its models (repro/experiments/)
    raw = copy.deepcopy(raw)
    model_key = raw.get("model")
    if model_key not in models:
        raise ConfigError(f"{origin}: 'model' is {model_key!r}; known models: {', '.join(sorted(models))}.")
    model_cls = models[model_key]
    schema = dict(COMMON_SCHEMA)
    schema["model_params"] = model_cls.PARAMS
    profiles = raw.get("profiles") or {}
    for name, over in profiles.items():
        _check_profile(name, over)
    if profile is not None:
        if profile not in profiles:
            raise ConfigError(f"{origin} has no profile {profile!r}; it has: {', '.join(profiles) or 'none'}.")
        _deep_update(raw, copy.deepcopy(profiles[profile]))
    if overrides:
        _deep_update(raw, overrides)
    if isinstance(raw.get("model_params"), dict):
        raw["model_params"] = _current_names(raw["model_params"], model_cls.FORMER_PARAMS, origin)
    cfg = _merge(schema, raw)
    cfg["profile"] = profile or "default"
    model_cls.check_config(cfg)  # repro.models.base.GenerativeModel declares it (a no-op by default)
    return cfg


def _current_names(params: dict, former: dict, origin) -> dict:
    """model_params under their current names: a key a model renamed (`FORMER_PARAMS`: old -> new) is read under
    its new name, one it retired (old -> None) is dropped, so a run folder's config.yaml written before still loads
    (and resumes: the recipe is the same)."""
    out = {}
    for key, value in params.items():
        if key not in former:
            out[key] = value
        elif former[key] is not None:
            if former[key] in params:
                raise ConfigError(f"{origin}: 'model_params.{key}' is the former name of "
                                  f"'model_params.{former[key]}'; give only '{former[key]}'.")
            out[former[key]] = value
    return out


def dump_config(cfg: dict) -> str:
    return yaml.safe_dump(cfg, sort_keys=False)


def recipe_fingerprint(cfg: dict) -> dict:
    """The parts of a config that define the recipe (what a resumed run must share)."""
    keep = {k: v for k, v in cfg.items() if k not in ("profiles", "profile", "description", "source")}
    keep["train"] = {k: v for k, v in cfg["train"].items() if k not in ("epochs",)}
    keep.pop("eval", None)
    return keep


def parse_sigmas(spec: str):
    import numpy as np

    if spec == "logspace(-1,0,10)":
        return np.logspace(-1, 0, 10)
    raise ConfigError(f"unknown sigma grid {spec!r}")
