package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = x^p for a constant p. ∂y/∂x = p·x^(p−1) (no gradient for p = 0). */
public final class PowScalar extends Function {
    private final double p;

    public PowScalar(double p) { this.p = p; }

    @Override protected INDArray forward(INDArray... x) {
        save(input(0));
        return Transforms.pow(x[0], p, true);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(p == 0 ? null : g.mul(derivative(saved(0)))); }
    @Override protected Tensor jvp(Tensor... t) { return p == 0 ? null : t[0].mul(derivative(input(0))); }

    private Tensor derivative(Tensor x) {
        return p == 1 ? x.mul(0).add(1) : p == 2 ? x.mul(2) : x.pow(p - 1).mul(p);
    }
}
