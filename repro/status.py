"""Where a run folder stands, read without writing anything and without loading TensorFlow: `python -m repro status`.

Epoch reached, the best validation estimate and its epoch, the learning rate, seconds per epoch, the time left to
the planned epochs, and whether a process holds the run folder's lock (`run.lock`, held with flock by the process
training into it for as long as it lives, see repro.train.RunFolderLock).
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path

import yaml

from repro.results import read_history

RECENT_EPOCHS = 20  # s/epoch and the time left: the median of the last epochs (a run may have moved machines)


class StatusError(ValueError):
    pass


def lock_holder(run_dir) -> dict | None:
    """The process training into `run_dir` ({pid, host, started}), or None when no live process holds the lock.
    Probes the flock with a shared, non-blocking request on a read-only handle: nothing is written."""
    import fcntl

    path = Path(run_dir) / "run.lock"
    try:
        f = open(path)
    except OSError:
        return None
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:  # held exclusively: a process is training into the folder
            f.seek(0)
            try:
                return json.loads(f.read().strip() or "{}") or {"pid": "?"}
            except ValueError:
                return {"pid": "?"}
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


def run_status(run_dir) -> dict:
    run_dir = Path(run_dir)
    cfg_path = run_dir / "config.yaml"
    if not cfg_path.is_file():
        raise StatusError(f"{run_dir} is not a run folder (no config.yaml); give the folder `train` wrote "
                          "(runs/EXPERIMENT-PROFILE unless --run-dir said otherwise).")
    try:
        cfg = yaml.safe_load(cfg_path.read_text())
        planned = int(cfg["train"]["epochs"])
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as e:
        raise StatusError(f"{cfg_path} cannot be read as a run folder's config ({type(e).__name__}: {e}).") from None
    history = read_history(run_dir)
    epoch = int(history[-1]["epoch"]) + 1 if history else 0
    valid = [(int(h["epoch"]) + 1, h["val_parzen"]) for h in history if h.get("val_parzen") is not None]
    best = max(valid, key=lambda t: t[1]) if valid else None
    secs = [h["epoch_seconds"] for h in history[-RECENT_EPOCHS:] if h.get("epoch_seconds")]
    per_epoch = statistics.median(secs) if secs else None
    done = json.loads((run_dir / "done.json").read_text()) if (run_dir / "done.json").exists() else None
    best_json = run_dir / "checkpoints" / "best.json"
    best_checkpoint = json.loads(best_json.read_text()) if best_json.exists() else None
    finished = done is not None and (done.get("stopped") or done.get("epochs", 0) >= planned)
    left = None if finished or per_epoch is None else max(0, planned - epoch) * per_epoch
    return {"run_dir": str(run_dir), "experiment": cfg.get("experiment"), "profile": cfg.get("profile"),
            "epoch": epoch, "epochs_planned": planned,
            "best_validation": {"value": best[1], "epoch": best[0]} if best else None,
            "best_checkpoint": ({"value": best_checkpoint.get("value"), "epoch": best_checkpoint.get("epoch")}
                                if best_checkpoint else None),
            "lr": history[-1].get("lr") if history else None, "seconds_per_epoch": per_epoch,
            "seconds_left": left, "finished": bool(finished), "stopped": (done or {}).get("stopped"),
            "lock_holder": lock_holder(run_dir)}


def _duration(s):
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def describe(st) -> list[str]:
    lines = [f"{st['run_dir']}: {st['experiment']}, {st['profile']} profile"]
    lines.append(f"  epoch: {st['epoch']} of {st['epochs_planned']}"
                 + (f" ({st['stopped']})" if st["stopped"] else " (finished)" if st["finished"] else ""))
    b = st["best_validation"]
    lines.append(f"  best validation estimate: {b['value']:.2f} nats at epoch {b['epoch']} (history.csv)" if b else
                 "  best validation estimate: none yet (not monitored, or no monitored epoch finished)")
    c = st["best_checkpoint"]
    if c and c.get("value") is not None and (not b or c["epoch"] != b["epoch"]):
        # the checkpoint keeps the best since its own record began (e.g. a run folder restored from elsewhere)
        lines.append(f"  best checkpoint: epoch {c['epoch']}, {c['value']:.2f} nats (checkpoints/best.json; "
                     "evaluate uses it)")
    if st["lr"] is not None:
        lines.append(f"  learning rate: {st['lr']:.4g}")
    if st["seconds_per_epoch"] is not None:
        lines.append(f"  seconds per epoch: {st['seconds_per_epoch']:.1f} (median of the last "
                     f"{min(RECENT_EPOCHS, st['epoch'])} epochs)")
    if st["seconds_left"] is not None:
        lines.append(f"  time left to epoch {st['epochs_planned']}: {_duration(st['seconds_left'])} at that pace")
    h = st["lock_holder"]
    lines.append(f"  training now: process {h.get('pid')} on {h.get('host', '?')} (started {h.get('started', '?')}) "
                 "holds the run folder's lock" if h else "  training now: no (no process holds the run folder's lock)")
    return lines
