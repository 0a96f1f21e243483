#!/usr/bin/python3
"""PyTorch counterpart of GemmLayoutBench (worker/src/test/java/io/treegrad/bench): the MLP step's
8 gemms at one batch size, timed the same way (interleaved rounds of 40 calls, median and min
microseconds per call), once in the layout nn.Linear uses (W stored [out, in]: F.linear = addmm
for the forward, g.W for dX, addmm_(g^T, x) for dW) and once in the engine's (W stored [in, out]).
A diagnostic, not part of CI. Run it on ND4J's OpenBLAS, one thread, as jobs/bench-engine does:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 LD_PRELOAD=$HOME/.javacpp/cache/openblas-0.3.19-1.5.7-linux-x86_64.jar/org/bytedeco/openblas/linux-x86_64/libopenblas.so.0 \
        /usr/bin/python3 worker/src/test/python/bench_torch_gemm.py [batch] [rounds]
"""

import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")   # before torch starts its OpenMP pool

import torch                                      # noqa: E402


def main():
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 128
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    torch.set_num_threads(1)
    torch.manual_seed(1)
    cases, flops = {}, {}

    def put(name, f, fn):
        cases[name] = fn
        flops[name] = f

    for k, n in [(784, 256), (256, 128), (128, 10)]:
        x, w, g, b = torch.rand(batch, k), torch.rand(k, n), torch.rand(batch, n), torch.rand(n)
        wt = w.t().contiguous()
        y, dwt, dw = torch.empty(batch, n), torch.zeros(n, k), torch.zeros(k, n)
        s, f = f"[{k}x{n}]", 2.0 * batch * k * n
        put(f"fwd {s} d F.linear(addmm) torchW", f, lambda x=x, wt=wt, b=b: torch.nn.functional.linear(x, wt, b))
        put(f"fwd {s} d mm torchW x.wt^T", f, lambda x=x, wt=wt: torch.mm(x, wt.t()))
        put(f"fwd {s} d mm ours x.w", f, lambda x=x, w=w: torch.mm(x, w))
        put(f"fwd {s} d mm ours x.w out=", f, lambda x=x, w=w, y=y: torch.mm(x, w, out=y))
        if k != 784:
            put(f"dX  {s} d mm torch g.wt", f, lambda g=g, wt=wt: torch.mm(g, wt))
            put(f"dX  {s} d mm ours g.w^T", f, lambda g=g, w=w: torch.mm(g, w.t()))
        put(f"dW  {s} d torch addmm_(g^T.x) b=1", f, lambda g=g, x=x, dwt=dwt: dwt.addmm_(g.t(), x))
        put(f"dW  {s} d ours addmm_(x^T.g) b=1", f, lambda g=g, x=x, dw=dw: dw.addmm_(x.t(), g))

    times = {name: [] for name in cases}
    for r in range(rounds + 2):
        for name, fn in cases.items():
            t0 = time.perf_counter_ns()
            for _ in range(40):
                fn()
            if r >= 2:
                times[name].append((time.perf_counter_ns() - t0) / 1e3 / 40)
    print(f"torch {torch.__version__} batch {batch}, {rounds} rounds x 40 calls, median (min) µs per call, "
          "GFLOP/s of the median")
    for name, v in times.items():
        v.sort()
        med = v[len(v) // 2]
        print(f"{name:40s} {med:9.1f} ({v[0]:8.1f})  {flops[name] / med / 1e3:6.1f}")
    with open("/proc/self/maps") as maps:
        blas = sorted({line.split()[-1] for line in maps if "blas" in line and "r-xp" in line})
    print("mapped:", " ".join(blas))


if __name__ == "__main__":
    main()
