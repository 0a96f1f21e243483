package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y = Σ x over one axis or all. ∂y/∂x = 1: the gradient is broadcast back. */
public final class Sum extends Function {
    private final Integer axisArg;
    private final boolean keepDims;
    private Integer axis;
    private long[] in;

    public Sum(Integer axis, boolean keepDims) { this.axisArg = axis; this.keepDims = keepDims; }

    @Override protected INDArray forward(INDArray... x) {
        in = x[0].shape();
        axis = Reduce.axis(axisArg, x[0].rank());
        return Reduce.sum(x[0], axis, keepDims);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(Reduce.expandBack(g, in, axis)); }
    @Override protected Tensor jvp(Tensor... t) { return Reduce.sum(t[0], axis, keepDims); }
}
