package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = min(max(x, lo), hi). ∂y/∂x = 1 where lo ≤ x ≤ hi (boundaries included), else 0. */
public final class Clamp extends Function {
    private final double lo;
    private final double hi;

    public Clamp(double lo, double hi) {
        if (lo > hi) {
            throw new IllegalArgumentException("clamp: min " + lo + " is greater than max " + hi);
        }
        this.lo = lo;
        this.hi = hi;
    }

    @Override protected INDArray forward(INDArray... x) {
        INDArray inside = x[0].gte(lo).castTo(x[0].dataType()).muli(x[0].lte(hi).castTo(x[0].dataType()));
        save(constant(inside));
        return Transforms.min(Transforms.max(x[0], lo, true), hi, false);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.mul(saved(0))); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(saved(0)); }
}
