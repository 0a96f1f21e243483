package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * y = log Σ exp(x) over one axis or all, computed as m + log Σ exp(x − m) with m = max x so it
 * neither overflows nor underflows. ∂y/∂x = softmax(x) = exp(x − y).
 */
public final class LogSumExp extends Function {
    private final Integer axisArg;
    private final boolean keepDims;
    private Integer axis;
    private long[] in;

    public LogSumExp(Integer axis, boolean keepDims) { this.axisArg = axis; this.keepDims = keepDims; }

    /** The stable log-sum-exp of x with the reduced axes kept (axis null: all). */
    static INDArray compute(INDArray x, Integer axis) {
        INDArray m = Reduce.max(x, axis, true);
        INDArray shifted = Nd.binary(Nd.Binary.SUB, x, m);
        INDArray s = Reduce.sum(org.nd4j.linalg.ops.transforms.Transforms.exp(shifted, false), axis, true);
        return org.nd4j.linalg.ops.transforms.Transforms.log(s, false).addi(m);
    }

    @Override protected INDArray forward(INDArray... x) {
        in = x[0].shape();
        axis = Reduce.axis(axisArg, x[0].rank());
        save(input(0));
        INDArray kept = compute(x[0], axis);
        return keepDims ? kept : kept.reshape(axis == null ? new long[0] : Shapes.drop(in, axis));
    }
    @Override protected Tensor[] backward(Tensor g) {
        return grads(Reduce.expandBack(g, in, axis).mul(softmax(saved(0))));
    }
    @Override protected Tensor jvp(Tensor... t) { return Reduce.sum(t[0].mul(softmax(input(0))), axis, keepDims); }

    private Tensor softmax(Tensor x) {
        return x.sub(output().reshape(Reduce.kept(in, axis))).exp();
    }
}
