#!/usr/bin/python3
"""PyTorch peer of EngineBenchmark's MLP step (worker/src/test/java/io/treegrad/bench): the same
784-256-128-10 ReLU MLP (nn.Linear + ReLU, He-initialised weights, zero biases), F.cross_entropy,
torch.optim.SGD (lr 0.01), float32, one thread, on a fixed random batch; one step is
zero_grad + forward + backward + step. Prints one JSON object on stdout.

Run with Debian's torch (the pyenv python3 on PATH has none), one thread:

    OMP_NUM_THREADS=1 /usr/bin/python3 worker/src/test/python/bench_torch_mlp.py [--batch 128 512] [--quick]

jobs/bench-engine runs it from the Java benchmark, between that program's own repeats.

Measurement as in EngineBenchmark: warm-up steps, then a number of steps per repeat calibrated to
~0.4 s, then several repeats; the median, min and mean time per step over the repeats. Also the
sgemm rate of torch.mm on [512,784]x[784,256] (fastest repeat), the same reference shape as the
Java benchmark's: it shows which BLAS this torch runs on (Debian's torch calls the system
libblas.so.3, which may be the slow reference BLAS).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")   # before torch starts its OpenMP pool

import torch                                      # noqa: E402
import torch.nn.functional as F                   # noqa: E402
from torch import nn                              # noqa: E402

IN, H1, H2, OUT = 784, 256, 128, 10
LR = 0.01
SEED = 20240601


def mlp():
    layers = [nn.Linear(IN, H1), nn.ReLU(), nn.Linear(H1, H2), nn.ReLU(), nn.Linear(H2, OUT)]
    for layer in layers:
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")   # N(0, 2/fan_in), as the engine
            nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


def steps_per_repeat(step, seconds):
    """How many steps take about `seconds` (at least 2), from a 0.1 s trial."""
    start = time.perf_counter_ns()
    n = 0
    while time.perf_counter_ns() - start < 0.1e9 or n < 2:
        step()
        n += 1
    per = (time.perf_counter_ns() - start) / n
    return max(2, round(seconds * 1e9 / per))


def timed(step, warm, reps, seconds):
    """ns per step of each repeat, after warm-up; and the steps per repeat."""
    for _ in range(warm):
        step()
    steps = steps_per_repeat(step, seconds)
    ns = []
    for _ in range(reps):
        start = time.perf_counter_ns()
        for _ in range(steps):
            step()
        ns.append((time.perf_counter_ns() - start) / steps)
    return ns, steps


def sgemm_gflops(warm, reps):
    g = torch.Generator().manual_seed(SEED)
    a = torch.rand(512, IN, generator=g) * 2 - 1
    b = torch.rand(IN, H1, generator=g) * 2 - 1
    c = torch.empty(512, H1)
    ns, _ = timed(lambda: torch.mm(a, b, out=c), warm, reps, 0.2)
    return 2.0 * 512 * IN * H1 / min(ns)


def bench(batch, warm, reps, seconds):
    torch.manual_seed(SEED)
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    g = torch.Generator().manual_seed(SEED + batch)
    x = torch.rand(batch, IN, generator=g)
    y = torch.randint(0, OUT, (batch,), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    first = step()
    ns, steps = timed(step, warm, reps, seconds)
    last = step()
    median = statistics.median(ns)
    return {
        "batch": batch,
        "median_ms_per_step": median / 1e6,
        "min_ms_per_step": min(ns) / 1e6,
        "mean_ms_per_step": statistics.fmean(ns) / 1e6,
        "repeats": reps,
        "steps_per_repeat": steps,
        "samples_per_s": batch / (median / 1e9),
        "samples_per_s_best": batch / (min(ns) / 1e9),
        "loss_first_step": first,
        "loss_last_step": last,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", type=int, nargs="+", default=[128, 512])
    p.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run, numbers noisier)")
    a = p.parse_args()
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass   # already set in this process
    warm, reps, seconds = (5, 5, 0.2) if a.quick else (15, 11, 0.4)
    out = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "threads": torch.get_num_threads(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "LD_PRELOAD": os.environ.get("LD_PRELOAD"),
        "sgemm_gflops_peak": sgemm_gflops(2 if a.quick else 5, 5 if a.quick else 9),
        "results": [bench(b, warm, reps, seconds) for b in a.batch],
    }
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
