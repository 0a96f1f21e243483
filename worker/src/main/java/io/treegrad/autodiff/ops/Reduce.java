package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shared shape logic of the reductions over one axis or all axes ({@code axis == null}). */
final class Reduce {
    private Reduce() {}

    /** The input shape with the reduced axes set to 1. */
    static long[] kept(long[] in, Integer axis) {
        if (axis == null) {
            long[] ones = new long[in.length];
            java.util.Arrays.fill(ones, 1);
            return ones;
        }
        return Shapes.keepDims(in, axis);
    }

    static Integer axis(Integer axis, int rank) {
        return axis == null ? null : Shapes.axis(axis, rank);
    }

    /** A reduction result (keepDims or not) broadcast back over the input shape. */
    static Tensor expandBack(Tensor g, long[] in, Integer axis) {
        return g.reshape(kept(in, axis)).expandTo(in);
    }

    /** Raw sum over one axis or all, with or without the reduced axes kept. */
    static INDArray sum(INDArray x, Integer axis, boolean keepDims) {
        if (axis == null) {
            INDArray s = x.sum();
            return keepDims ? s.reshape(kept(x.shape(), null)) : s;
        }
        return x.sum(keepDims, axis);
    }

    static Tensor sum(Tensor x, Integer axis, boolean keepDims) {
        if (axis == null) {
            Tensor s = x.sum();
            return keepDims ? s.reshape(kept(x.shape(), null)) : s;
        }
        return x.sum(axis, keepDims);
    }

    static INDArray max(INDArray x, Integer axis, boolean keepDims) {
        if (axis == null) {
            INDArray m = x.max();
            return keepDims ? m.reshape(kept(x.shape(), null)) : m;
        }
        return x.max(keepDims, axis);
    }
}
