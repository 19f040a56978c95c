"""How close a 2014-model epoch runs to this machine's float32 FLOP bound.

Three things, measured side by side in one process, in alternating rounds so that background load hits
them alike:
  1. the machine's matmul rate: one compiled graph of exactly the matrix products a training step of the
     2014 MNIST model needs (forward, data gradients, weight gradients; their shapes and transposes), in
     GFLOP/s — the work that cannot be avoided, done at the speed of TensorFlow's own matmul kernel;
  2. the model's FLOPs per epoch: 500 steps of those products, plus the validation estimate (10,000
     generated samples and their distances to 1,000 validation images) divided by eval.monitor_every;
  3. our epoch: `fit` on the real data for 500 steps with the suite's own callbacks' validation estimate,
     exactly as `python -m repro train` runs it.
The bound time is (2) / (1); the last line is `ratio: bound time / our time` (1.0 = at the bound).
Each worker also records the CPU time of its training rounds: on a core of its own it should use about one
core-second per wall second, and the output flags a round where it got much less (a noisy neighbour on the VM,
or anything else on the machine), since such a round times the machine, not our code.
Both precisions are measured; bf16 can beat the float32 bound where the CPU has native bf16.

Two ways to use the machine's cores, `--mode`:
  per-core (default): one training per core, one TensorFlow thread each, side by side — how the seed study's
      long runs and ./run_all.sh use the machine. One worker process per core does all three measurements at
      once; the machine's rate is the sum of the workers' rates. The bound is the faster of the workers' summed
      probe rates and one process probing on every core (measured before and after the workers), so spreading
      the products over the cores inside one process cannot beat the bound we compare with.
  process: one training in one process on all cores (TensorFlow's default threads): a single run's epoch time.
      The 2014 model's matrices (100-row batches) do not split well over threads, so this mode is far from the
      bound on a 2-core machine; it is printed for comparison, not the target.

    python benchmarks/gan2014_flop_bound.py [--mode per-core|process] [--rounds 3] [--steps 500]
                                            [--precisions float32,mixed_bfloat16]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import repro  # noqa: E402,F401  (chooses the CPU kernels before TensorFlow loads)

# isort: split
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from repro.backend import describe  # noqa: E402
from repro.callbacks import ParzenMonitor  # noqa: E402
from repro.config import load_config, parse_sigmas  # noqa: E402
from repro.data import load_splits, without_autotune  # noqa: E402
from repro.train import build_model  # noqa: E402


def dense_shapes(net):
    """(fan_in, fan_out) of every matrix product of an MLP, in order (a maxout layer is one product)."""
    return [tuple(w.shape) for w in net.trainable_weights if len(w.shape) == 2]


def step_products(g, d, batch):
    """The (M, K, N, transpose_a, transpose_b) products one simultaneous-update step must do: G forward, D forward
    on the real and the fake batch; D's weight gradients on both passes and its data gradients (except into the
    pixels) on both; G's gradient through D's fake pass (data gradients into the pixels), G's weight gradients
    and its data gradients (except into the noise)."""
    out = []
    fwd = lambda layers: [(batch, k, n, False, False) for k, n in layers]  # noqa: E731
    wgrad = lambda layers: [(k, batch, n, True, False) for k, n in layers]  # noqa: E731
    dgrad = lambda layers: [(batch, n, k, False, True) for k, n in layers]  # noqa: E731
    out += fwd(g) + fwd(d) + fwd(d)
    out += wgrad(d) + wgrad(d) + dgrad(d[1:]) + dgrad(d[1:])
    out += dgrad(d) + wgrad(g) + dgrad(g[1:])
    return out


def flops(products):
    return sum(2 * m * k * n for m, k, n, _, _ in products)


def make_probe(products, seed=0):
    rng = np.random.default_rng(seed)
    pairs = []
    for m, k, n, ta, tb in products:
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
        pairs.append((tf.constant(a), tf.constant(b), ta, tb))

    @tf.function
    def probe():
        # every product feeds the result, so none can be pruned; independent ones may run in parallel, as in a step
        return tf.add_n([tf.matmul(a, b, transpose_a=ta, transpose_b=tb)[0, 0] for a, b, ta, tb in pairs])

    return probe


def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("per-core", "process"), default="per-core")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=500, help="steps in our epoch (500 = the paper's epoch)")
    ap.add_argument("--precisions", default="float32,mixed_bfloat16")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)  # per-core mode: this core
    return ap.parse_args(argv)


def measure(a):
    """Alternating rounds of our epoch (each precision) and the probe, in this process: the times per round."""
    data_dir = a.data_dir or os.environ.get("REPRO_DATA_DIR") or ROOT.parent / "shared" / "data" / "mnist"
    precisions = a.precisions.split(",")

    cfg = load_config(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml", "paper")
    ev, batch = cfg["eval"], cfg["train"]["batch_size"]
    splits = load_splits(cfg, data_dir)
    x = splits.flat("train")[: a.steps * batch]
    valid = splits.flat("valid")[: ev["valid_examples"]]
    sigmas = parse_sigmas(ev["sigmas"])

    runs = {}
    for precision in precisions:
        cfg_p = load_config(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml", "paper",
                            {"train": {"precision": precision}})
        model = build_model(cfg_p, splits, steps_per_epoch=a.steps)
        # as train does it: without autotuning, whose poller would round each round's fit up (repro.data)
        ds = without_autotune(tf.data.Dataset.from_tensor_slices(x).batch(batch, drop_remainder=True).repeat())
        monitor = ParzenMonitor(valid, ev["monitor_samples"], sigmas, every=1)
        model.fit(ds, steps_per_epoch=3, epochs=1, verbose=0)  # trace and warm up
        runs[precision] = (model, ds, monitor)
    keras.mixed_precision.set_global_policy("float32")

    g, d = dense_shapes(runs[precisions[0]][0].generator), dense_shapes(runs[precisions[0]][0].discriminator)
    products = step_products(g, d, batch)
    step_flops = flops(products)
    n_gen, n_valid = ev["monitor_samples"], len(valid)
    valid_flops = 2 * n_gen * sum(k * n for k, n in g) + 2 * n_gen * n_valid * x.shape[1]
    probe = make_probe(products)
    float(probe())

    train_s = {p: [] for p in precisions}
    train_cpu_s = {p: [] for p in precisions}
    valid_s = {p: [] for p in precisions}
    probe_rate = []
    for _ in range(a.rounds):
        for p in precisions:
            model, ds, monitor = runs[p]
            t0, c0 = time.perf_counter(), time.process_time()
            model.fit(ds, steps_per_epoch=a.steps, epochs=1, verbose=0)
            t1 = time.perf_counter()
            train_cpu_s[p].append(time.process_time() - c0)
            monitor.set_model(model)
            monitor.on_epoch_end(0, {})
            t2 = time.perf_counter()
            train_s[p].append(t1 - t0)
            valid_s[p].append(t2 - t1)
        probe_rate.append(probe_rate_of(probe, step_flops, a.steps))
    return {"step_flops": step_flops, "n_products": len(products), "valid_flops": valid_flops,
            "train_s": train_s, "train_cpu_s": train_cpu_s, "valid_s": valid_s, "probe_rate": probe_rate,
            "probe": probe}


def probe_rate_of(probe, step_flops, steps):
    reps = max(1, int(steps / 2))
    t0 = time.perf_counter()
    for _ in range(reps):
        v = probe()
    float(v)
    return reps * step_flops / (time.perf_counter() - t0)


def epoch_seconds(m, p, monitor_every):
    """Our epoch per round: the 500 steps plus the validation estimate's share (it runs every n-th epoch)."""
    return [tr + va / monitor_every for tr, va in zip(m["train_s"][p], m["valid_s"][p])]


def header(m, a, monitor_every):
    env = describe()
    epoch_flops = a.steps * m["step_flops"] + m["valid_flops"] / monitor_every
    print(f"CPU: {env['cpu']}; AVX-512: {env['avx512']}; native bf16: {env['native_bf16']}; oneDNN: {env['onednn']}")
    print(f"model: {m['step_flops'] / 1e9:.3f} GFLOP per step ({m['n_products']} matrix products), "
          f"validation {m['valid_flops'] / 1e9:.1f} GFLOP every {monitor_every} epochs; "
          f"epoch = {a.steps} steps -> {epoch_flops / 1e9:.1f} GFLOP")
    return epoch_flops


def main_process(a, monitor_every):
    m = measure(a)
    epoch_flops = header(m, a, monitor_every)
    bounds = [epoch_flops / r for r in m["probe_rate"]]
    threads = tf.config.threading.get_intra_op_parallelism_threads() or "default"
    print(f"mode process: one training on all cores ({threads} intra-op threads)")
    print(f"matmul probe (float32, the step's products): {np.median(m['probe_rate']) / 1e9:.1f} GFLOP/s "
          f"(median of {a.rounds} rounds); bound epoch {np.median(bounds):.2f} s")
    best = None
    for p in a.precisions.split(","):
        ours = epoch_seconds(m, p, monitor_every)
        ratio = float(np.median([b / o for b, o in zip(bounds, ours)]))  # per round: same load on both
        tr, va = float(np.median(m["train_s"][p])), float(np.median(m["valid_s"][p]))
        print(f"{p:>15}: {tr / a.steps * 1e3:.1f} ms/step, validation {va:.2f} s every {monitor_every} epochs "
              f"-> epoch {np.median(ours):.2f} s (validation {va / monitor_every / np.median(ours):.1%} of it); "
              f"bound/ours {ratio:.2f}")
        best = max(best or 0.0, ratio)
    print(f"ratio: {best:.2f}")


def contention_note(workers, p):
    """A worker with one TensorFlow thread on its own core uses about one core-second per second; if its training
    took much more wall time than CPU time, something else had its core (another process, the hypervisor), and
    the round measured the machine's neighbours, not our code."""
    share = [c / w for wk in workers for c, w in zip(wk["train_cpu_s"][p], wk["train_s"][p])]
    worst = min(share)
    if worst < 0.85:
        return f" [contended: a worker got {worst:.0%} of a core in one round; rerun on an idle machine]"
    return f" [CPU/wall {worst:.2f}-{max(share):.2f}]"


def main_worker(a):
    os.sched_setaffinity(0, {a.worker})  # pinned by the parent before exec; this pins a worker started by hand
    m = measure(a)
    m.pop("probe")
    print("WORKER " + json.dumps(m), flush=True)


def main_per_core(a, monitor_every):
    cores = sorted(os.sched_getaffinity(0))
    # this process's probe is "one process on all cores", whatever TF_NUM_*_THREADS the shell exported
    tf.config.threading.set_intra_op_parallelism_threads(len(cores))
    tf.config.threading.set_inter_op_parallelism_threads(len(cores))
    # the bound's other candidate: one process probing on every core, before and after the workers
    cfg = load_config(ROOT / "paper_configs" / "goodfellow2014_mnist.yaml", "paper")
    model = build_model(cfg, None, steps_per_epoch=a.steps)
    products = step_products(dense_shapes(model.generator), dense_shapes(model.discriminator),
                             cfg["train"]["batch_size"])
    probe = make_probe(products)  # traced once, timed before and after the workers
    float(probe())

    def whole_machine_probe():
        return [probe_rate_of(probe, flops(products), a.steps) for _ in range(a.rounds)]

    g_rates = whole_machine_probe()
    env = dict(os.environ, TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    argv = [sys.executable, str(Path(__file__).resolve()), "--mode", "process", "--rounds", str(a.rounds),
            "--steps", str(a.steps), "--precisions", a.precisions]
    if a.data_dir:
        argv += ["--data-dir", a.data_dir]
    # pinned before exec, so every thread the worker ever makes (TensorFlow's, tf.data's) stays on its core —
    # sched_setaffinity inside the worker would pin only threads created after it
    procs = [subprocess.Popen(argv + ["--worker", str(c)], env=env, stdout=subprocess.PIPE, text=True,
                              preexec_fn=lambda c=c: os.sched_setaffinity(0, {c}))
             for c in cores]
    workers = []
    for c, p in zip(cores, procs):
        out, _ = p.communicate()
        line = [x for x in out.splitlines() if x.startswith("WORKER ")]
        if p.returncode != 0 or not line:
            sys.exit(f"benchmark worker on core {c} failed (exit {p.returncode}); run it alone to see why: "
                     + " ".join(argv + ["--worker", str(c)]))
        workers.append(json.loads(line[0][len("WORKER "):]))
    g_rates += whole_machine_probe()

    m0 = workers[0]
    epoch_flops = header(m0, a, monitor_every)
    summed = [sum(w["probe_rate"][r] for w in workers) for r in range(a.rounds)]
    bound_rate = max(float(np.median(summed)), float(np.median(g_rates)))
    bound = epoch_flops / bound_rate
    print(f"mode per-core: {len(cores)} workers side by side, one per core, one TensorFlow thread each")
    print(f"matmul probe (float32, the step's products): workers together {np.median(summed) / 1e9:.1f} GFLOP/s, "
          f"one process on all cores {np.median(g_rates) / 1e9:.1f} GFLOP/s; the bound takes the faster: "
          f"{bound_rate / 1e9:.1f} GFLOP/s, bound epoch {bound:.2f} s")
    best = None
    for p in a.precisions.split(","):
        per_worker = [float(np.median(epoch_seconds(w, p, monitor_every))) for w in workers]
        machine_rate = sum(1 / t for t in per_worker)  # epochs per second, all cores together
        ours = 1 / machine_rate
        ratio = bound / ours
        tr = float(np.median([np.median(w["train_s"][p]) for w in workers]))
        va = float(np.median([np.median(w["valid_s"][p]) for w in workers]))
        print(f"{p:>15}: per worker {tr / a.steps * 1e3:.1f} ms/step, epoch "
              + ", ".join(f"{t:.2f}" for t in per_worker)
              + f" s (validation {va / monitor_every / np.median(per_worker):.1%} of it); the machine finishes an "
                f"epoch every {ours:.2f} s; bound/ours {ratio:.2f}" + contention_note(workers, p))
        best = max(best or 0.0, ratio)
    print(f"ratio: {best:.2f}")


def main():
    a = parse_args()
    monitor_every = 2  # as the long runs use it (the protocol in the config)
    if a.worker is not None:
        main_worker(a)
    elif a.mode == "process":
        main_process(a, monitor_every)
    else:
        main_per_core(a, monitor_every)


if __name__ == "__main__":
    main()
