package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * y = max of x over one axis or all. The gradient goes to the maximal elements, shared equally
 * among ties (as PyTorch's amax).
 */
public final class Max extends Function {
    private final Integer axisArg;
    private final boolean keepDims;
    private Integer axis;
    private long[] in;

    public Max(Integer axis, boolean keepDims) { this.axisArg = axis; this.keepDims = keepDims; }

    @Override protected INDArray forward(INDArray... x) {
        in = x[0].shape();
        axis = Reduce.axis(axisArg, x[0].rank());
        INDArray kept = Reduce.max(x[0], axis, true);
        INDArray isMax = Nd.binary(Nd.Binary.SUB, x[0], kept).eq(0).castTo(x[0].dataType());
        save(constant(Nd.binary(Nd.Binary.DIV, isMax, Reduce.sum(isMax, axis, true))));
        return keepDims ? kept : kept.reshape(axis == null ? new long[0] : Shapes.drop(in, axis));
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(Reduce.expandBack(g, in, axis).mul(saved(0))); }
    @Override protected Tensor jvp(Tensor... t) { return Reduce.sum(t[0].mul(saved(0)), axis, keepDims); }
}
