package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y = mean of x over one axis or all. ∂y/∂x = 1/n. */
public final class Mean extends Function {
    private final Integer axisArg;
    private final boolean keepDims;
    private Integer axis;
    private long[] in;
    private double n;

    public Mean(Integer axis, boolean keepDims) { this.axisArg = axis; this.keepDims = keepDims; }

    @Override protected INDArray forward(INDArray... x) {
        in = x[0].shape();
        axis = Reduce.axis(axisArg, x[0].rank());
        n = axis == null ? x[0].length() : in[axis];
        return Reduce.sum(x[0], axis, keepDims).divi(n);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(Reduce.expandBack(g.div(n), in, axis)); }
    @Override protected Tensor jvp(Tensor... t) { return Reduce.sum(t[0], axis, keepDims).div(n); }
}
