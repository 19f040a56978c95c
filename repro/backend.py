"""TensorFlow's CPU backend for the suite, chosen before TensorFlow is imported.

TensorFlow turns its oneDNN kernels on by default only on some Intel CPUs; elsewhere (the AMD EPYC this suite
is developed on, for one) it runs Eigen's. For these conv GANs oneDNN is about twice as fast on such a CPU
(benchmarks/train_throughput.py measures it), and it only changes float rounding. So the suite asks for it,
unless the user has said otherwise with TF_ENABLE_ONEDNN_OPTS (0 = TensorFlow's Eigen kernels).
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache


def request_onednn():
    # read once, when TensorFlow loads: setting it later would silently do nothing
    if "tensorflow" not in sys.modules:
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


def onednn_enabled() -> bool:
    from tensorflow.python.util import _pywrap_util_port

    return bool(_pywrap_util_port.IsMklEnabled())


@lru_cache(maxsize=None)
def _cpuinfo() -> dict:
    """The first processor's fields of /proc/cpuinfo ({} where there is none)."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def cpu_flags() -> frozenset:
    return frozenset(_cpuinfo().get("flags", "").split())


def native_bf16() -> bool | None:
    """Whether this CPU computes in bfloat16 natively (AVX512_BF16 or AMX); None where it cannot be told."""
    flags = cpu_flags()
    if not flags:
        return None
    return bool({"avx512_bf16", "amx_bf16"} & flags)


def describe() -> dict:
    """What a run was computed with: TensorFlow's version and kernels, and the CPU (recorded per training session)."""
    import platform

    import tensorflow as tf

    flags = cpu_flags()
    return {"tensorflow": tf.__version__, "onednn": onednn_enabled(),
            "cpu": _cpuinfo().get("model name") or platform.processor(),
            "cores": os.cpu_count(), "avx512": "avx512f" in flags, "native_bf16": native_bf16(),
            "gpus": len(tf.config.list_physical_devices("GPU"))}


def device_summary(strategy=None) -> str:
    """Where training runs, in one line: the GPU(s) TensorFlow uses, or the CPU (with its kernels) and why.

    With a tf.distribute `strategy`, its devices; without one, TensorFlow's default placement: the first GPU if
    it sees one, else the CPU."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    names = []
    for g in gpus:
        try:
            names.append(tf.config.experimental.get_device_details(g).get("device_name") or g.name)
        except Exception:  # details are a convenience; the device's own name will do
            names.append(g.name)
    devices = list(strategy.extended.worker_devices) if strategy is not None else []
    if gpus:
        used = [d for d in devices if "GPU" in d.upper()] or ["GPU:0"]
        what = f"{len(used)} GPUs" if len(used) > 1 else "GPU"
        return f"{what} ({', '.join(sorted(set(names[:max(1, len(used))])))}), TensorFlow {tf.__version__}"
    kernels = "oneDNN" if onednn_enabled() else "Eigen"
    split = f", split into {len(devices)} logical devices" if len(devices) > 1 else ""
    why = ("no GPU visible to TensorFlow" if tf.test.is_built_with_cuda() else
           "this is TensorFlow's CPU build (for an NVIDIA GPU: REPRO_GPU=1, see docs/install.md)")
    return (f"CPU ({_cpuinfo().get('model name', 'unknown CPU')}, {os.cpu_count()} cores{split}, {kernels} kernels), "
            f"TensorFlow {tf.__version__}; {why}")


def import_tensorflow_quietly():
    """Import TensorFlow with its start-up lines (absl's "All log messages before absl::InitializeLog()", the
    oneDNN notice, CPU-feature hints) kept off the terminal.

    They are written by C++ straight to file descriptor 2 before TF_CPP_MIN_LOG_LEVEL is read, so no setting
    hides them; the descriptor is pointed at a temporary file during the import instead. If the import fails,
    what was written is printed after all. TF_CPP_MIN_LOG_LEVEL=0 shows everything."""
    if "tensorflow" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        import tensorflow  # noqa: F401
        return
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
