package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Tensor;

/** Null-aware tangent arithmetic for jvp rules: a null tangent is zero. */
final class Tangents {
    private Tangents() {}

    static Tensor add(Tensor a, Tensor b) {
        return a == null ? b : b == null ? a : a.add(b);
    }

    static Tensor sub(Tensor a, Tensor b) {
        return b == null ? a : a == null ? b.neg() : a.sub(b);
    }

    /** t·s, or null when t is null. */
    static Tensor mul(Tensor t, Tensor s) {
        return t == null ? null : t.mul(s);
    }
}
