#!/usr/bin/python3
"""Generates worker/src/test/resources/fixtures/torch_parity.json: PyTorch reference values and
vector-Jacobian products for small float64 expression graphs, which TorchParityTest rebuilds with
the treegrad Tensor API and compares.

Run from the repository root with Debian's torch (the pyenv python3 on PATH has none):

    OMP_NUM_THREADS=1 /usr/bin/python3 worker/src/test/python/make_torch_fixtures.py

Every case is a tiny op program: named inputs x0, x1, ... (shape + flat C-order values, and whether
each requires grad) and steps {"out": "t0", "op": "matmul", "args": ["x0", "x1"], ...attributes}
evaluated in order; the last step's value is the output y. For y the file stores its value, a
random cotangent v of y's shape and, for every input that requires grad, vᵀ·∂y/∂input computed by
torch.autograd.grad. Op names and attributes (the Java interpreter in TorchParityTest must match):

    add sub mul div pow            (a, b)  NumPy broadcasting
    add_scalar sub_scalar mul_scalar div_scalar  (a) attr c
    pow_scalar                     (a) attr p
    neg exp log sqrt abs sin cos tanh sigmoid relu softplus transpose   (a)
    leaky_relu                     (a) attr slope
    clamp                          (a) attrs min, max
    matmul                         (a, b)  2-D·2-D, 3-D·3-D, 3-D·2-D
    reshape                        (a) attr shape
    slice                          (a) attrs axis, from, to (to exclusive)
    gather_rows                    (a) attr indices (along axis 0, repeats allowed)
    sum mean max logsumexp         (a) attrs axis (null: all axes), keep_dims
    softmax log_softmax            (a) attr axis
    concat                         (a, b, ...) attr axis
    linear                         (x, W[, b])  x·W + b
    softmax_cross_entropy          (logits) attr labels; mean over the batch

Inputs are kept away from the kinks (relu/abs/leaky relu at 0, clamp bounds, ties of max) and from
the edges of log/sqrt/pow/div: a case whose intermediate values come too close is redrawn.
Dropout is not covered: its mask generator differs from PyTorch's by design.
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20240611
MARGIN = 1e-3          # distance kept from every kink
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures",
                   "torch_parity.json")

torch.set_default_dtype(torch.float64)


class Kink(Exception):
    """An intermediate value came too close to a non-differentiable point: redraw the case."""


def _require(ok, what):
    if not ok:
        raise Kink(what)


def _max_gap_ok(x, axis):
    """True when the maximum is unique (by more than MARGIN) in every reduced slice."""
    flat = x.reshape(-1) if axis is None else x.movedim(axis, -1)
    if flat.shape[-1] < 2:
        return True
    top2 = torch.topk(flat, 2, dim=-1).values
    return bool(((top2[..., 0] - top2[..., 1]) > MARGIN).all())


def torch_op(op, a, at):
    """Applies one program step in torch; a are the argument tensors, at the attributes."""
    if op == "add":
        return a[0] + a[1]
    if op == "sub":
        return a[0] - a[1]
    if op == "mul":
        return a[0] * a[1]
    if op == "div":
        _require(bool((a[1].abs() > 1e-2).all()), "div by ~0")
        return a[0] / a[1]
    if op == "pow":
        _require(bool((a[0] > MARGIN).all()), "pow base <= 0")
        return torch.pow(a[0], a[1])
    if op == "add_scalar":
        return a[0] + at["c"]
    if op == "sub_scalar":
        return a[0] - at["c"]
    if op == "mul_scalar":
        return a[0] * at["c"]
    if op == "div_scalar":
        return a[0] / at["c"]
    if op == "pow_scalar":
        if float(at["p"]) != int(at["p"]):
            _require(bool((a[0] > MARGIN).all()), "fractional power of x <= 0")
        elif at["p"] < 0:
            _require(bool((a[0].abs() > 1e-2).all()), "negative power of ~0")
        return torch.pow(a[0], at["p"])
    if op == "neg":
        return -a[0]
    if op == "exp":
        return torch.exp(a[0])
    if op == "log":
        _require(bool((a[0] > MARGIN).all()), "log of x <= 0")
        return torch.log(a[0])
    if op == "sqrt":
        _require(bool((a[0] > MARGIN).all()), "sqrt of x <= 0")
        return torch.sqrt(a[0])
    if op == "abs":
        _require(bool((a[0].abs() > MARGIN).all()), "abs near 0")
        return torch.abs(a[0])
    if op == "sin":
        return torch.sin(a[0])
    if op == "cos":
        return torch.cos(a[0])
    if op == "tanh":
        return torch.tanh(a[0])
    if op == "sigmoid":
        return torch.sigmoid(a[0])
    if op == "relu":
        _require(bool((a[0].abs() > MARGIN).all()), "relu near 0")
        return torch.relu(a[0])
    if op == "softplus":
        return F.softplus(a[0])
    if op == "leaky_relu":
        _require(bool((a[0].abs() > MARGIN).all()), "leaky relu near 0")
        return F.leaky_relu(a[0], at["slope"])
    if op == "clamp":
        _require(bool(((a[0] - at["min"]).abs() > MARGIN).all()
                      and ((a[0] - at["max"]).abs() > MARGIN).all()), "clamp near a bound")
        return torch.clamp(a[0], at["min"], at["max"])
    if op == "matmul":
        return torch.matmul(a[0], a[1])
    if op == "transpose":
        return a[0].transpose(-1, -2)
    if op == "reshape":
        return a[0].reshape(at["shape"])
    if op == "slice":
        return a[0].narrow(at["axis"], at["from"], at["to"] - at["from"])
    if op == "gather_rows":
        return torch.index_select(a[0], 0, torch.tensor(at["indices"], dtype=torch.long))
    if op in ("sum", "mean", "max", "logsumexp"):
        axis, keep = at["axis"], at["keep_dims"]
        if op == "max":
            _require(_max_gap_ok(a[0], axis), "max tie")
        fn = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "logsumexp": torch.logsumexp}[op]
        if axis is None:
            dims = tuple(range(a[0].dim()))
            return fn(a[0], dim=dims, keepdim=keep)
        return fn(a[0], dim=axis, keepdim=keep)
    if op == "softmax":
        return torch.softmax(a[0], at["axis"])
    if op == "log_softmax":
        return torch.log_softmax(a[0], at["axis"])
    if op == "concat":
        return torch.cat(a, at["axis"])
    if op == "linear":
        y = a[0] @ a[1]
        return y + a[2] if len(a) == 3 else y
    if op == "softmax_cross_entropy":
        return F.cross_entropy(a[0], torch.tensor(at["labels"], dtype=torch.long))
    raise ValueError("unknown op " + op)


INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "matmul": "@"}


class Case:
    """Builds one op program while evaluating it in torch."""

    def __init__(self, name, rng):
        self.name = name
        self.rng = rng
        self.inputs = []
        self.steps = []
        self.vals = {}
        self.text = {}

    def _input(self, arr, rg):
        name = "x%d" % len(self.inputs)
        t = torch.tensor(np.asarray(arr, dtype=np.float64)).requires_grad_(rg)
        self.inputs.append((name, t, rg))
        self.vals[name] = t
        self.text[name] = name
        return name

    def normal(self, *shape, rg=True, scale=1.0):
        return self._input(self.rng.normal(0.0, scale, size=shape), rg)

    def positive(self, *shape, lo=0.5, hi=2.0, rg=True):
        return self._input(self.rng.uniform(lo, hi, size=shape), rg)

    def away(self, *shape, gap=0.1, rg=True):
        """Normal values pushed at least `gap` away from 0 (for relu, abs, leaky relu)."""
        x = self.rng.normal(size=shape)
        return self._input(np.sign(x) * (gap + np.abs(x)), rg)

    def op(self, op, *args, **at):
        out = "t%d" % len(self.steps)
        if op in ("sum", "mean", "max", "logsumexp"):
            at = dict(axis=at.get("axis"), keep_dims=at.get("keep_dims", False))
        self.vals[out] = torch_op(op, [self.vals[a] for a in args], at)
        step = {"out": out, "op": op, "args": list(args)}
        step.update(at)
        self.steps.append(step)
        shown = [self.text[a] for a in args]
        if op in INFIX:
            self.text[out] = "(%s %s %s)" % (shown[0], INFIX[op], shown[1])
        else:
            extra = ", ".join("%s=%s" % (k, json.dumps(v)) for k, v in at.items())
            self.text[out] = "%s(%s)" % (op, ", ".join(shown + ([extra] if extra else [])))
        return out

    def finish(self):
        y = self.vals[self.steps[-1]["out"]]
        v = torch.tensor(self.rng.normal(size=tuple(y.shape)))
        leaves = [t for _, t, rg in self.inputs if rg]
        grads = torch.autograd.grad([y], leaves, [v], allow_unused=False)
        names = [n for n, _, rg in self.inputs if rg]
        return {
            "name": self.name,
            "expr": self.text[self.steps[-1]["out"]],
            "inputs": [dict(name=n, requires_grad=rg, **arr(t)) for n, t, rg in self.inputs],
            "steps": self.steps,
            "output": self.steps[-1]["out"],
            "value": arr(y),
            "cotangent": arr(v),
            "grads": {n: arr(g) for n, g in zip(names, grads)},
        }


def arr(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(x) for x in t.reshape(-1).tolist()]}


# ------------------------------------------------------------------------------- the cases

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def broadcast_row_and_column(c):
    a, b, w = c.normal(3, 4), c.normal(4), c.normal(3, 1)
    c.op("sum", c.op("mul", c.op("add", a, b), w), axis=1, keep_dims=False)


@case
def broadcast_sub_div_tanh(c):
    a, b, d = c.normal(3, 4), c.normal(3, 1), c.positive(1, 4)
    c.op("tanh", c.op("div", c.op("sub", a, b), d))


@case
def broadcast_outer_scalar_mean(c):
    a, b, s = c.normal(3, 1), c.normal(1, 4), c.normal()
    t = c.op("exp", c.op("mul_scalar", c.op("add", c.op("mul", a, b), s), c=0.5))
    c.op("mean", t, axis=0, keep_dims=True)


@case
def broadcast_with_constant_operand(c):
    a, k = c.normal(2, 3, 4), c.normal(3, 1, rg=False)
    c.op("sum", c.op("sin", c.op("mul", a, k)), axis=-1, keep_dims=False)


@case
def matmul_2d_chain(c):
    x, w, v = c.normal(4, 3), c.normal(3, 5), c.normal(5, 2)
    c.op("sum", c.op("matmul", c.op("tanh", c.op("matmul", x, w)), v))


@case
def matmul_batched_sigmoid_mean(c):
    a, b = c.normal(2, 3, 4), c.normal(2, 4, 5)
    c.op("mean", c.op("sigmoid", c.op("matmul", a, b)), axis=-1, keep_dims=False)


@case
def matmul_3d_by_2d(c):
    a, w = c.normal(2, 3, 4), c.normal(4, 2)
    c.op("sum", c.op("sin", c.op("matmul", a, w)), axis=1, keep_dims=True)


@case
def gram_matrix_logsumexp(c):
    x = c.normal(3, 4)
    g = c.op("matmul", x, c.op("transpose", x))
    c.op("logsumexp", c.op("mul_scalar", g, c=0.3), axis=1, keep_dims=False)


@case
def batched_transpose_matmul_cos(c):
    a, b = c.normal(2, 3, 4), c.normal(2, 3, 2)
    c.op("cos", c.op("matmul", c.op("transpose", a), b))


@case
def attention(c):
    q, k, v = c.normal(2, 3, 4), c.normal(2, 3, 4), c.normal(2, 3, 4)
    s = c.op("softmax", c.op("mul_scalar", c.op("matmul", q, c.op("transpose", k)), c=0.5), axis=-1)
    c.op("matmul", s, v)


@case
def reshape_mul_softmax(c):
    x, y = c.normal(2, 6), c.normal(4)
    t = c.op("mul", c.op("reshape", x, shape=[3, 4]), y)
    c.op("softmax", c.op("reshape", t, shape=[12]), axis=0)


@case
def reshape_inferred_3d(c):
    x, w = c.normal(4, 6), c.normal(3, 1)
    t = c.op("reshape", x, shape=[2, -1, 3])
    c.op("sum", c.op("matmul", t, w), axis=1, keep_dims=False)


@case
def softmax_rows_weighted(c):
    x, w = c.normal(3, 5), c.normal(3, 5, rg=False)
    c.op("sum", c.op("mul", c.op("softmax", x, axis=1), w))


@case
def softmax_columns(c):
    x = c.normal(4, 3, scale=2.0)
    c.op("softmax", x, axis=0)


@case
def softmax_3d_middle_axis(c):
    x = c.normal(2, 3, 4)
    c.op("softmax", c.op("mul_scalar", x, c=1.5), axis=1)


@case
def log_softmax_of_linear(c):
    x, w, b = c.normal(4, 3), c.normal(3, 5), c.normal(5)
    c.op("mean", c.op("log_softmax", c.op("linear", x, w, b), axis=1), axis=0, keep_dims=False)


@case
def logsumexp_all(c):
    x, y = c.normal(3, 4), c.normal(3, 4)
    c.op("logsumexp", c.op("mul", x, y), axis=None, keep_dims=False)


@case
def manual_log_softmax_keepdims(c):
    x = c.normal(3, 4, scale=3.0)
    c.op("sub", x, c.op("logsumexp", x, axis=0, keep_dims=True))


@case
def logsumexp_3d_last_axis(c):
    x = c.normal(2, 3, 4, scale=4.0)
    c.op("logsumexp", x, axis=2, keep_dims=False)


@case
def linear_bias_relu(c):
    x, w, b = c.normal(4, 3), c.normal(3, 5), c.normal(5)
    c.op("sum", c.op("relu", c.op("linear", x, w, b)), axis=0, keep_dims=False)


@case
def linear_without_bias(c):
    x, w = c.normal(5, 3), c.normal(3, 2)
    c.op("tanh", c.op("linear", x, w))


@case
def mlp_tanh_cross_entropy(c):
    x, w1, b1 = c.normal(5, 4, rg=False), c.normal(4, 6), c.normal(6)
    w2, b2 = c.normal(6, 3), c.normal(3)
    h = c.op("tanh", c.op("linear", x, w1, b1))
    c.op("softmax_cross_entropy", c.op("linear", h, w2, b2), labels=[0, 2, 1, 2, 0])


@case
def mlp_leaky_relu_cross_entropy(c):
    x, w1, b1 = c.normal(6, 3), c.normal(3, 5), c.normal(5)
    w2, b2 = c.normal(5, 4), c.normal(4)
    h = c.op("leaky_relu", c.op("linear", x, w1, b1), slope=0.1)
    c.op("softmax_cross_entropy", c.op("linear", h, w2, b2), labels=[3, 0, 3, 1, 2, 3])


@case
def cross_entropy_of_logits(c):
    z = c.normal(5, 4, scale=3.0)
    c.op("softmax_cross_entropy", z, labels=[0, 3, 1, 3, 2])


@case
def concat_rows(c):
    a, b, w = c.normal(2, 3), c.normal(1, 3), c.normal(3)
    c.op("sum", c.op("mul", c.op("concat", a, b, axis=0), w), axis=0, keep_dims=False)


@case
def concat_columns_softplus_matmul(c):
    a, b, d, w = c.normal(3, 2), c.normal(3, 1, rg=False), c.normal(3, 3), c.normal(6, 2)
    c.op("matmul", c.op("softplus", c.op("concat", a, b, d, axis=1)), w)


@case
def concat_last_axis_3d_max(c):
    a, b = c.normal(2, 2, 3), c.normal(2, 2, 1)
    c.op("max", c.op("concat", a, b, axis=-1), axis=2, keep_dims=False)


@case
def slices_of_exp(c):
    x = c.normal(4, 5)
    t = c.op("slice", c.op("exp", c.op("slice", x, axis=1, **{"from": 1, "to": 4})), axis=0, **{"from": 0, "to": 3})
    c.op("sum", t)


@case
def slice_3d_halves_product(c):
    x = c.normal(2, 4, 3)
    lo = c.op("slice", x, axis=1, **{"from": 0, "to": 2})
    hi = c.op("slice", x, axis=1, **{"from": 2, "to": 4})
    c.op("mean", c.op("mul", lo, c.op("sigmoid", hi)), axis=1, keep_dims=True)


@case
def gather_rows_embedding(c):
    e, h = c.normal(5, 3), c.normal(6, 1)
    t = c.op("mul", c.op("gather_rows", e, indices=[0, 2, 2, 4, 0, 2]), h)
    c.op("tanh", c.op("sum", t, axis=0, keep_dims=False))


@case
def gather_rows_3d_repeated(c):
    x, w = c.normal(4, 2, 3), c.normal(3, 2)
    c.op("matmul", c.op("gather_rows", x, indices=[3, 3, 1, 0, 3]), w)


@case
def clamp_inside_and_outside(c):
    x, y = c.normal(3, 4), c.normal(3, 4)
    c.op("sum", c.op("mul", c.op("clamp", x, min=-0.5, max=0.7), y), axis=1, keep_dims=True)


@case
def leaky_relu_abs(c):
    x, y = c.away(3, 4), c.away(4)
    c.op("add", c.op("leaky_relu", x, slope=0.2), c.op("abs", y))


@case
def softplus_sigmoid_chain(c):
    x = c.normal(3, 4, scale=3.0)
    c.op("mul", c.op("softplus", x), c.op("sigmoid", c.op("neg", x)))


@case
def pow_tensor_exponent_row(c):
    a, b = c.positive(3, 4), c.normal(4)
    c.op("mean", c.op("pow", a, b), axis=0, keep_dims=False)


@case
def pow_tensor_both_broadcast(c):
    a, b = c.positive(1, 4), c.normal(3, 1)
    c.op("log", c.op("add_scalar", c.op("pow", a, b), c=1.0))


@case
def pow_scalars(c):
    x, y = c.positive(3, 4), c.normal(3, 4)
    t = c.op("add", c.op("pow_scalar", x, p=1.5), c.op("pow_scalar", x, p=-2.0))
    c.op("add", t, c.op("pow_scalar", y, p=3.0))


@case
def sqrt_log_div(c):
    x, y = c.positive(3, 4), c.positive(4, lo=1.5, hi=3.0)
    c.op("div", c.op("sqrt", x), c.op("log", y))


@case
def max_all_axis_keepdims(c):
    x, y = c.normal(3, 4), c.normal(3, 4)
    m1 = c.op("max", x, axis=1, keep_dims=True)
    m0 = c.op("max", y, axis=0, keep_dims=False)
    t = c.op("add", c.op("sub", x, m1), m0)
    c.op("mul", c.op("max", t), c.op("max", y, axis=None, keep_dims=False))


@case
def mean_all_and_axis(c):
    x = c.normal(2, 3, 4)
    m = c.op("mean", x, axis=1, keep_dims=True)
    c.op("mul", c.op("mean", c.op("mul", c.op("sub", x, m), x)), c.op("mean", x, axis=None, keep_dims=True))


@case
def scalar_ops_sin_cos(c):
    x = c.normal(3, 4)
    t = c.op("div_scalar", c.op("sub_scalar", c.op("sin", x), c=0.25), c=3.0)
    c.op("mul", t, c.op("cos", c.op("add_scalar", c.op("mul_scalar", x, c=2.0), c=1.0)))


@case
def layer_norm(c):
    x, gamma, beta = c.normal(4, 5, scale=2.0), c.normal(5), c.normal(5)
    d = c.op("sub", x, c.op("mean", x, axis=1, keep_dims=True))
    var = c.op("mean", c.op("pow_scalar", d, p=2.0), axis=1, keep_dims=True)
    xhat = c.op("div", d, c.op("sqrt", c.op("add_scalar", var, c=1e-5)))
    c.op("add", c.op("mul", xhat, gamma), beta)


UNARY = ["tanh", "sigmoid", "sin", "cos", "softplus", "neg", "relu", "abs", "leaky_relu", "exp_tanh",
         "sqrt_softplus", "log_sigmoid", "pow_sq", "clamp", "mul_scalar"]
BINARY = ["add", "sub", "mul", "div", "pow"]
PARTNERS = [(3, 4), (4,), (3, 1), (1, 4), ()]


def random_chain(c):
    """A random chain of 3-5 elementwise/broadcasting ops on [3,4], closed by a reduction."""
    rng = c.rng
    t = c.normal(3, 4)
    for _ in range(rng.integers(3, 6)):
        if rng.random() < 0.45:
            op = str(rng.choice(BINARY))
            shape = PARTNERS[rng.integers(len(PARTNERS))]
            if op == "pow":
                t = c.op("pow", c.op("add_scalar", c.op("softplus", t), c=0.2), c.normal(*shape))
            elif op == "div":
                t = c.op("div", t, c.positive(*shape))
            else:
                p = c.normal(*shape, rg=bool(rng.random() < 0.8))
                t = c.op(op, t, p) if rng.random() < 0.5 else c.op(op, p, t)
        else:
            op = str(rng.choice(UNARY))
            if op == "exp_tanh":
                t = c.op("exp", c.op("tanh", t))
            elif op == "sqrt_softplus":
                t = c.op("sqrt", c.op("softplus", t))
            elif op == "log_sigmoid":
                t = c.op("log", c.op("sigmoid", t))
            elif op == "pow_sq":
                t = c.op("pow_scalar", t, p=2.0)
            elif op == "clamp":
                t = c.op("clamp", t, min=-0.8, max=0.9)
            elif op == "leaky_relu":
                t = c.op("leaky_relu", t, slope=0.05)
            elif op == "mul_scalar":
                t = c.op("mul_scalar", t, c=float(np.round(rng.normal(), 3)))
            else:
                t = c.op(op, t)
    red = rng.integers(5)
    if red == 0:
        c.op("sum", t, axis=int(rng.integers(2)), keep_dims=bool(rng.integers(2)))
    elif red == 1:
        c.op("mean", t, axis=None, keep_dims=False)
    elif red == 2:
        c.op("logsumexp", t, axis=int(rng.integers(2)), keep_dims=bool(rng.integers(2)))
    elif red == 3:
        c.op("log_softmax", t, axis=int(rng.integers(2)))
    else:
        c.op("softmax", t, axis=-1)


def _chain(i):
    def build(c):
        random_chain(c)
    build.__name__ = "random_chain_%d" % i
    return build


CASES.extend(_chain(i) for i in range(6))


def main():
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    out = []
    for build in CASES:
        name = build.__name__
        for attempt in range(100):
            c = Case(name, rng)
            try:
                build(c)
            except Kink:
                continue
            out.append(c.finish())
            break
        else:
            sys.exit("could not draw case %s away from kinks" % name)
    doc = {
        "generator": "worker/src/test/python/make_torch_fixtures.py",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "seed": SEED,
        "dtype": "float64",
        "cases": out,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    ops = sorted({s["op"] for case in out for s in case["steps"]})
    print("torch %s: %d cases, %d bytes -> %s" % (torch.__version__, len(out), os.path.getsize(OUT),
                                                   os.path.relpath(OUT)))
    print("ops covered (%d): %s" % (len(ops), " ".join(ops)))
    for case in out:
        print("  %-34s %s" % (case["name"], case["expr"][:110]))


if __name__ == "__main__":
    main()
