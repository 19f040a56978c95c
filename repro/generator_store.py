"""A trained generator in one small file, so that a user can sample, re-score and redraw without training.

`results/generators/RUN.npz` holds the generator's weights (float16 when that moves the test Parzen estimate by
less than 0.1 nat, else float32; other networks stored with it in float32), the run's resolved config, and where the
weights came from (run, checkpoint, epoch, commit, the float32 and the stored-precision test estimates).
`repro.train.load_run` accepts such a file wherever it accepts a run folder, so
`python -m repro sample results/generators/RUN.npz ...` then `parzen` re-scores Table 1,
and `python -m repro figures` redraws Figs. 2-3 from it when the run folder itself is not on this machine.
The discriminator is not stored unless asked for (`export-generator --with discriminator`): sampling never needs
it, but some numbers do (keras-dcgan's --nice samples are ranked by D).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import yaml

from repro.io import atomic_write_bytes

FLOAT16_TOLERANCE_NATS = 0.1  # float16 only if it moves the test estimate by less than this


class GeneratorFileError(ValueError):
    pass


def is_generator_file(path) -> bool:
    return Path(path).suffix == ".npz" and Path(path).is_file()


def _key(network, i):
    return f"w{i}" if network == "generator" else f"{network}.w{i}"  # the generator's keys as before: old files read


def _count(files, network):
    prefix = _key(network, "")
    return sum(k.startswith(prefix) and k[len(prefix):].isdigit() for k in files)


def write_generator_file(path, cfg, model, info, parzen_float32=None, parzen_stored=None, dtype="float16",
                         commit=None, networks=("generator",)):
    """Store the weights of `model.generator` (and of the other `networks`, model attributes such as
    "discriminator") in `dtype` with the config and provenance; written atomically."""
    from repro.config import dump_config

    arrays = {}
    for network in networks:
        # networks other than G are kept exact: the float16 check measures G's samples only
        kept = dtype if network == "generator" else "float32"
        for i, w in enumerate(getattr(model, network).get_weights()):
            arrays[_key(network, i)] = np.asarray(w, np.float32).astype(kept)
    meta = {"config_yaml": dump_config(cfg), "image_shape": list(model.image_shape), "dtype": dtype,
            "source": {**info, "commit": commit}, "parzen_test_float32": parzen_float32,
            "parzen_test_stored": parzen_stored, "networks": list(networks)}
    buf = io.BytesIO()
    np.savez_compressed(buf, meta=np.array(json.dumps(meta)), **arrays)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return Path(path)


def read_generator_file(path):
    """(cfg, the generator's weights as float32 arrays, meta) of a generator file, or one clear error; the weights of
    any other network it holds are in meta["weights"][network]."""
    from repro.config import ConfigError, resolve_config

    path = Path(path)
    again = "write it again with `python -m repro export-generator RUN_DIR`"
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            networks = meta.get("networks", ["generator"]) if isinstance(meta, dict) else ["generator"]
            # files written before other networks could be stored hold the generator alone
            held = {n: [data[_key(n, i)] for i in range(_count(data.files, n))] for n in networks}
    except Exception as e:  # noqa: BLE001  a truncated or foreign file: say what it is not
        raise GeneratorFileError(f"{path} is not a generator file of this suite ({type(e).__name__}: {e}); "
                                 "such files are written by `python -m repro export-generator RUN_DIR`.") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("config_yaml"), str) \
            or not isinstance(meta.get("source"), dict) or not isinstance(meta.get("dtype"), str):
        raise GeneratorFileError(f"{path}: its 'meta' entry lacks the config, the source or the dtype; {again}.")
    raw_weights = held.get("generator") or []
    if not raw_weights or any(not np.issubdtype(w.dtype, np.floating) for ws in held.values() for w in ws):
        raise GeneratorFileError(f"{path}: its weights (w0, w1, ...) are missing or not floating-point numbers; "
                                 f"{again}.")
    held = {n: [np.asarray(w, np.float32) for w in ws] for n, ws in held.items()}
    weights = held.pop("generator")
    meta.setdefault("networks", ["generator"])
    meta["weights"] = held
    if not all(np.all(np.isfinite(w)) for ws in (weights, *held.values()) for w in ws):
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
