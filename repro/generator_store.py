"""A trained generator in one small file, so that a user can sample, re-score and redraw without training.

`results/generators/RUN.npz` holds the generator's weights (float16 when that moves the test Parzen estimate by
less than 0.1 nat, else float32), the run's resolved config, and where the weights came from (run, checkpoint,
epoch, commit, the float32 and the stored-precision test estimates). `repro.train.load_run` accepts such a file wherever
it accepts a run folder, so `python -m repro sample results/generators/RUN.npz ...` then `parzen` re-scores Table 1,
and `python -m repro figures` redraws Figs. 2-3 from it when the run folder itself is not on this machine.
The discriminator is not stored: sampling never needs it.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import yaml

FLOAT16_TOLERANCE_NATS = 0.1  # issue 11: float16 only if it moves the test estimate by less than this


class GeneratorFileError(ValueError):
    pass


def is_generator_file(path) -> bool:
    return Path(path).suffix == ".npz" and Path(path).is_file()


def write_generator_file(path, cfg, model, info, parzen_float32=None, parzen_stored=None, dtype="float16",
                         commit=None):
    """Store `model.generator`'s weights in `dtype` with the config and provenance; written atomically."""
    from repro.callbacks import atomic_write_bytes
    from repro.config import dump_config

    weights = [np.asarray(w, np.float32) for w in model.generator.get_weights()]
    meta = {"config_yaml": dump_config(cfg), "image_shape": list(model.image_shape), "dtype": dtype,
            "source": {**info, "commit": commit}, "parzen_test_float32": parzen_float32,
            "parzen_test_stored": parzen_stored}
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.array(json.dumps(meta)), **{f"w{i}": w.astype(dtype) for i, w in enumerate(weights)})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def read_generator_file(path):
    """(cfg, weights as float32 arrays, meta) of a generator file, or one clear error."""
    from repro.config import ConfigError, resolve_config

    path = Path(path)
    again = "write it again with `python -m repro export-generator RUN_DIR`"
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            n = sum(k.startswith("w") for k in data.files)
            raw_weights = [data[f"w{i}"] for i in range(n)]
    except Exception as e:  # noqa: BLE001  a truncated or foreign file: say what it is not
        raise GeneratorFileError(f"{path} is not a generator file of this suite ({type(e).__name__}: {e}); "
                                 "such files are written by `python -m repro export-generator RUN_DIR`.") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("config_yaml"), str) \
            or not isinstance(meta.get("source"), dict) or not isinstance(meta.get("dtype"), str):
        raise GeneratorFileError(f"{path}: its 'meta' entry lacks the config, the source or the dtype; {again}.")
    if not raw_weights or any(not np.issubdtype(w.dtype, np.floating) for w in raw_weights):
        raise GeneratorFileError(f"{path}: its weights (w0, w1, ...) are missing or not floating-point numbers; "
                                 f"{again}.")
    weights = [np.asarray(w, np.float32) for w in raw_weights]
    if not all(np.all(np.isfinite(w)) for w in weights):
        raise GeneratorFileError(f"{path} holds NaN or inf weights (a diverged run, or a damaged file); samples "
                                 f"from it would not be images. {again[0].upper() + again[1:]} from a good "
                                 "checkpoint.")
    try:
        raw = yaml.safe_load(meta["config_yaml"])
    except yaml.YAMLError as e:
        raise GeneratorFileError(f"{path}: its config is not valid YAML ({str(e).splitlines()[0]}); {again}.") from None
    if not isinstance(raw, dict):
        raise GeneratorFileError(f"{path}: its config is not a mapping; {again}.")
    profile = raw.pop("profile", "default")
    try:
        cfg = resolve_config(raw, None, origin=str(path))
    except ConfigError as e:
        raise GeneratorFileError(f"{path}: its config no longer validates ({e}).") from None
    cfg["profile"] = profile
    return cfg, weights, meta
