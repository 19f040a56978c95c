"""Which TensorFlow build the scripts install: the CPU one by default, the NVIDIA GPU one with REPRO_GPU=1.

Dry: REPRO_VENV_PLAN=1 makes tools/ensure_venv.sh say what it would use and stop, so nothing is installed."""
import os
import re
import subprocess

from conftest import ROOT


def plan(script, **env):
    """Runs `script` with REPRO_VENV_PLAN=1 and `env` on top of this environment (a None value unsets it)."""
    merged = {**os.environ, "REPRO_VENV_PLAN": "1", **env}
    return subprocess.run(script, capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={k: v for k, v in merged.items() if v is not None})


def test_cpu_by_default_gpu_build_on_request():
    scripts = (["bash", "-c", "source tools/ensure_venv.sh"], [str(ROOT / "run_all.sh")], [str(ROOT / "run_tests.sh")])
    for script in scripts:
        r = plan(script, REPRO_GPU=None)
        assert r.returncode == 0 and r.stdout.strip() == f"{ROOT / '.venv'} from requirements.txt", r.stderr
        r = plan(script, REPRO_GPU="0")
        assert r.stdout.strip() == f"{ROOT / '.venv'} from requirements.txt"
        r = plan(script, REPRO_GPU="1")
        assert r.returncode == 0 and r.stdout.strip() == f"{ROOT / '.venv-gpu'} from requirements-gpu.txt", r.stderr


def test_a_bad_choice_is_one_error():
    r = plan(["bash", "-c", "source tools/ensure_venv.sh"], REPRO_GPU="yes")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: REPRO_GPU=yes: set REPRO_GPU=1")


def test_the_gpu_requirements_are_the_cpu_ones_with_the_cuda_build_of_the_same_tensorflow():
    def pins(name):
        return [line for line in (ROOT / name).read_text().splitlines() if line.strip() and not line.startswith("#")]

    cpu, gpu = pins("requirements.txt"), pins("requirements-gpu.txt")
    cpu_tf = [p for p in cpu if p.startswith("tensorflow-cpu==")]
    gpu_tf = [p for p in gpu if p.startswith("tensorflow[and-cuda]==")]
    assert len(cpu_tf) == len(gpu_tf) == 1
    assert re.sub(r"^tensorflow-cpu", "", cpu_tf[0]) == re.sub(r"^tensorflow\[and-cuda\]", "", gpu_tf[0])
    assert [p for p in cpu if p not in cpu_tf] == [p for p in gpu if p not in gpu_tf]
