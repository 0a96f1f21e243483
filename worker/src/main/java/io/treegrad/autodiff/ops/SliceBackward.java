package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Places g into zeros of a larger shape at an offset along an axis: the adjoint of {@link Slice}. */
public final class SliceBackward extends Function {
    private final long[] shape;
    private final int axis;
    private final long from;
    private long length;

    public SliceBackward(long[] shape, int axis, long from) {
        this.shape = shape.clone();
        this.axis = axis;
        this.from = from;
    }

    static org.nd4j.linalg.indexing.INDArrayIndex[] window(int rank, int axis, long from, long to) {
        org.nd4j.linalg.indexing.INDArrayIndex[] idx = new org.nd4j.linalg.indexing.INDArrayIndex[rank];
        for (int i = 0; i < rank; i++) {
            idx[i] = i == axis ? org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to)
                    : org.nd4j.linalg.indexing.NDArrayIndex.all();
        }
        return idx;
    }

    @Override protected INDArray forward(INDArray... x) {
        length = x[0].size(axis);
        INDArray out = Nd.zeros(x[0].dataType(), shape);
        out.get(window(shape.length, axis, from, from + length)).assign(x[0]);
        return out;
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.slice(axis, from, from + length)); }
    @Override protected Tensor jvp(Tensor... t) { return new SliceBackward(shape, axis, from).apply(t[0]); }
}
