#!/usr/bin/python3
"""Generates worker/src/test/resources/fixtures/optim_golden.json: PyTorch (torch.optim) reference
trajectories of every treegrad optimizer, with learning-rate schedules, L2 / decoupled weight decay
and gradient clipping, which OptimizerGoldenTest replays with io.treegrad.optim and compares.

Run from the repository root with Debian's torch (the pyenv python3 on PATH has none):

    OMP_NUM_THREADS=1 /usr/bin/python3 worker/src/test/python/make_optim_fixtures.py

The problem is one fixed convex quadratic in float64,

    f(theta) = 1/2 theta^T A theta - b^T theta,    grad f(theta) = A theta - b,

with A symmetric positive definite (eigenvalues 0.5 ... 4), one flat parameter vector theta
(as treegrad's flat parameter buffer) and its gradient computed by torch autograd. Every case runs
STEPS optimizer steps from the same theta0; each step is

    loss = f(theta); loss.backward()
    [norm = clip_grad_norm_([theta], clipNorm)]    if the case clips
    lr = param_groups[0]["lr"]                    the learning rate this step uses
    optimizer.step(); [scheduler.step()]

and the file stores, per step, lr, the pre-clip gradient norm (or null), the loss before the step,
and theta after the step. "spec" is the case as an io.treegrad.optim.OptimizerSpec (JSON field
names = record components; absent = torch's default), "torch" the equivalent torch call.

Schedules: an OptimizerSpec schedule's lr(s) is a function of s = number of steps already taken
(torch's last_epoch with scheduler.step() after every optimizer.step()). Plain schedules use torch's
own StepLR / ExponentialLR / CosineAnnealingLR (T_max >= STEPS: past T_max torch's cosine rises
again, treegrad's stays at the minimum); 1/t decay and warm-up compositions use LambdaLR with the
formula written out below.
"""

import json
import math
import os

import numpy as np
import torch
from torch.nn.utils import clip_grad_norm_

SEED = 20240612
DIM = 6
STEPS = 25
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures",
                   "optim_golden.json")

torch.set_default_dtype(torch.float64)
torch.set_num_threads(1)


def problem():
    rng = np.random.default_rng(SEED)
    q, _ = np.linalg.qr(rng.standard_normal((DIM, DIM)))
    eig = np.linspace(0.5, 4.0, DIM)
    a = q @ np.diag(eig) @ q.T
    a = (a + a.T) / 2          # exactly symmetric
    b = rng.standard_normal(DIM)
    theta0 = rng.standard_normal(DIM) * 2
    return a, b, theta0


def lambda_factor(sched, base_lr):
    """The multiplier lr(s) / base_lr of a treegrad schedule spec, for torch's LambdaLR."""
    warm = sched.get("warmupSteps", 0)

    def after(s):
        kind = sched["type"]
        if kind == "constant":
            return 1.0
        if kind == "step":
            return sched["gamma"] ** (s // sched["stepSize"])
        if kind == "exponential":
            return sched["gamma"] ** s
        if kind == "inverse_time":
            return 1.0 / (1.0 + sched["decay"] * s)
        if kind == "cosine":
            lo = sched.get("minLr", 0.0)
            t = min(s, sched["tMax"])
            return (lo + (base_lr - lo) * (1 + math.cos(math.pi * t / sched["tMax"])) / 2) / base_lr
        raise ValueError(kind)

    def factor(s):
        if s < warm:
            return (s + 1) / warm * after(0)
        return after(s - warm)

    return factor


def make_scheduler(opt, spec):
    sched = spec.get("schedule")
    if sched is None:
        return None, "none"
    if sched.get("warmupSteps", 0) == 0 and sched["type"] != "inverse_time":
        kind = sched["type"]
        if kind == "step":
            return (torch.optim.lr_scheduler.StepLR(opt, step_size=sched["stepSize"],
                                                    gamma=sched["gamma"]),
                    f"StepLR(step_size={sched['stepSize']}, gamma={sched['gamma']})")
        if kind == "exponential":
            return (torch.optim.lr_scheduler.ExponentialLR(opt, gamma=sched["gamma"]),
                    f"ExponentialLR(gamma={sched['gamma']})")
        if kind == "cosine":
            assert sched["tMax"] >= STEPS, "torch's cosine is periodic past T_max; ours is not"
            return (torch.optim.lr_scheduler.CosineAnnealingLR(
                        opt, T_max=sched["tMax"], eta_min=sched.get("minLr", 0.0)),
                    f"CosineAnnealingLR(T_max={sched['tMax']}, eta_min={sched.get('minLr', 0.0)})")
    factor = lambda_factor(sched, spec["lr"])
    return torch.optim.lr_scheduler.LambdaLR(opt, factor), f"LambdaLR({json.dumps(sched)})"


def make_optimizer(theta, spec):
    kind = spec["type"]
    kw = {"lr": spec["lr"]}
    if "weightDecay" in spec:
        kw["weight_decay"] = spec["weightDecay"]
    if "eps" in spec:
        kw["eps"] = spec["eps"]
    if kind == "sgd":
        kw["momentum"] = spec.get("momentum", 0.0)
        kw["nesterov"] = spec.get("nesterov", False)
        cls = torch.optim.SGD
    elif kind == "adagrad":
        cls = torch.optim.Adagrad
    elif kind == "rmsprop":
        if "alpha" in spec:
            kw["alpha"] = spec["alpha"]
        cls = torch.optim.RMSprop
    elif kind in ("adam", "adamw"):
        if "betas" in spec:
            kw["betas"] = tuple(spec["betas"])
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    else:
        raise ValueError(kind)
    kw["foreach"] = False      # the single-tensor loop: the formulas of the Javadoc, op for op
    text = f"torch.optim.{cls.__name__}({', '.join(f'{k}={v}' for k, v in kw.items())})"
    return cls([theta], **kw), text


CASES = [
    ("sgd", {"type": "sgd", "lr": 0.1}),
    ("sgd_weight_decay", {"type": "sgd", "lr": 0.1, "weightDecay": 0.05}),
    ("sgd_clip", {"type": "sgd", "lr": 0.1, "clipNorm": 0.5}),
    ("sgd_warmup_step", {"type": "sgd", "lr": 0.1,
                         "schedule": {"type": "step", "stepSize": 4, "gamma": 0.7, "warmupSteps": 3}}),
    ("momentum", {"type": "sgd", "lr": 0.05, "momentum": 0.9}),
    ("momentum_wd_step", {"type": "sgd", "lr": 0.05, "momentum": 0.9, "weightDecay": 0.01,
                          "schedule": {"type": "step", "stepSize": 5, "gamma": 0.5}}),
    ("momentum_warmup_exponential", {"type": "sgd", "lr": 0.08, "momentum": 0.8,
                                     "schedule": {"type": "exponential", "gamma": 0.9,
                                                  "warmupSteps": 4}}),
    ("nesterov", {"type": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("nesterov_wd_clip", {"type": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True,
                          "weightDecay": 0.02, "clipNorm": 1.0}),
    ("adagrad", {"type": "adagrad", "lr": 0.5}),
    ("adagrad_wd_inverse_time", {"type": "adagrad", "lr": 0.5, "weightDecay": 0.1, "eps": 1e-6,
                                 "schedule": {"type": "inverse_time", "decay": 0.1}}),
    ("rmsprop", {"type": "rmsprop", "lr": 0.01}),
    ("rmsprop_wd_exponential", {"type": "rmsprop", "lr": 0.02, "alpha": 0.9, "weightDecay": 0.1,
                                "schedule": {"type": "exponential", "gamma": 0.95}}),
    ("adam", {"type": "adam", "lr": 0.1}),
    ("adam_wd_cosine", {"type": "adam", "lr": 0.1, "betas": [0.8, 0.99], "weightDecay": 0.05,
                        "schedule": {"type": "cosine", "tMax": 25, "minLr": 0.01}}),
    ("adam_large_eps_clip", {"type": "adam", "lr": 0.05, "eps": 1e-2, "clipNorm": 2.0}),
    ("adamw", {"type": "adamw", "lr": 0.1}),
    ("adamw_warmup_cosine_clip", {"type": "adamw", "lr": 0.1, "weightDecay": 0.1, "clipNorm": 2.0,
                                  "schedule": {"type": "cosine", "tMax": 20, "minLr": 0.001,
                                               "warmupSteps": 5}}),
]


def run(a, b, theta0, spec):
    at = torch.tensor(a)
    bt = torch.tensor(b)
    theta = torch.tensor(theta0, requires_grad=True)
    opt, torch_text = make_optimizer(theta, spec)
    sched, sched_text = make_scheduler(opt, spec)
    clip = spec.get("clipNorm")
    lrs, norms, losses, params = [], [], [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = 0.5 * theta @ (at @ theta) - bt @ theta
        loss.backward()
        norms.append(float(clip_grad_norm_([theta], clip)) if clip is not None else None)
        lrs.append(opt.param_groups[0]["lr"])
        losses.append(loss.item())
        opt.step()
        if sched is not None:
            sched.step()
        params.append(theta.detach().tolist())
    text = torch_text + ("" if sched is None else " + " + sched_text) \
        + ("" if clip is None else f" + clip_grad_norm_(max_norm={clip})")
    return {"torch": text, "lr": lrs, "gradNorm": norms, "loss": losses, "params": params}


def main():
    a, b, theta0 = problem()
    cases = []
    for name, spec in CASES:
        case = {"name": name, "spec": spec}
        case.update(run(a, b, theta0, spec))
        cases.append(case)
    doc = {
        "generator": "worker/src/test/python/make_optim_fixtures.py",
        "torch": torch.__version__,
        "seed": SEED,
        "steps": STEPS,
        "problem": {"A": a.tolist(), "b": b.tolist(), "theta0": theta0.tolist()},
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases x {STEPS} steps to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
