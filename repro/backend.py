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
