"""Writing files so that a kill never leaves a half-written one: atomic writes, sets of files written as one, and
the fault points the tests use to kill a write in the middle. Only the standard library and numpy: everything that
writes a file (results, caches, run folders) imports this, not Keras."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np

# Fault injection for tests: called with a step name between the writes of a backup or a file set. A test sets it
# to raise (or kill) at one step; REPRO_BACKUP_FAULT=EPOCH:STEP does the same from outside with SIGKILL.
FAULT_HOOK = None


def fault_point(step, epoch):
    if FAULT_HOOK is not None:
        FAULT_HOOK(step, epoch)
    if os.environ.get("REPRO_BACKUP_FAULT") == f"{epoch}:{step}":
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def fsync_path(path):
    """Flush a file's or a folder's entry to disk (a folder: so a rename inside it survives a power cut)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def atomic_write_bytes(path, data: bytes):
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_write_text(path, text: str):
    atomic_write_bytes(path, text.encode())


def atomic_write_npz_rows(path, chunks):
    """An .npz of arrays built row-chunk by row-chunk without holding more than one chunk in memory: `chunks`
    yields {key: array} (the same keys each time; rows along axis 0). Each key's rows go to a temporary file beside
    `path`, then are copied into the archive (compressed, as np.savez_compressed) under a header with the total
    shape; the archive is written to PATH.tmp and renamed. On any failure nothing is left behind."""
    import zipfile

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    parts, kinds, rows = {}, {}, 0
    try:
        for chunk in chunks:
            if not kinds:
                kinds = {k: (v.dtype, v.shape[1:]) for k, v in chunk.items()}
            for k, v in chunk.items():
                if k not in parts:
                    parts[k] = open(path.with_name(f".{path.name}.{k}.part"), "w+b")
                parts[k].write(np.ascontiguousarray(v, kinds[k][0]).tobytes())
            rows += len(next(iter(chunk.values())))
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for k, f in parts.items():
                dtype, rest = kinds[k]
                with zf.open(f"{k}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array_header_2_0(member, {"descr": np.lib.format.dtype_to_descr(dtype),
                                                                  "fortran_order": False, "shape": (rows, *rest)})
                    f.seek(0)
                    shutil.copyfileobj(f, member, 1 << 24)
        fsync_path(tmp)
        os.replace(tmp, path)
    finally:
        for f in parts.values():
            f.close()
            Path(f.name).unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return rows


def write_file_set(folder, files: dict):
    """Writes {name: text} into `folder` as one set: all of them into folder/.set.tmp/ (flushed), then a COMPLETE
    marker, then each renamed into place. The next call first finishes a set interrupted after its marker (rolls it
    forward) or discards one interrupted before it, and removes `*.tmp` files a killed atomic_write left; so a kill
    never leaves files of two different calls side by side once the next call has run."""
    folder = Path(folder)
    staging = folder / ".set.tmp"
    recover_file_set(folder)
    staging.mkdir(parents=True)
    for name, text in files.items():
        atomic_write_text(staging / name, text)
    atomic_write_text(staging / "COMPLETE", json.dumps(sorted(files)))
    fsync_path(staging)
    fault_point("set-staged", 0)
    recover_file_set(folder)


def recover_file_set(folder):
    folder = Path(folder)
    staging = folder / ".set.tmp"
    for stale in folder.glob("*.tmp"):
        if stale.is_file():
            stale.unlink()
    if not staging.exists():
        return
    marker = staging / "COMPLETE"
    if marker.exists():
        for name in json.loads(marker.read_text()):
            if (staging / name).exists():
                os.replace(staging / name, folder / name)
                fault_point("set-renamed", 0)
        fsync_path(folder)
    shutil.rmtree(staging)
