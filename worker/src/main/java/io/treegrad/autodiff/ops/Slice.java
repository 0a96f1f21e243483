package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Elements from (inclusive) to (exclusive) along an axis. Its adjoint is {@link SliceBackward}. */
public final class Slice extends Function {
    private final int axisArg;
    private final long from;
    private final long to;
    private int axis;
    private long[] in;

    public Slice(int axis, long from, long to) {
        this.axisArg = axis;
        this.from = from;
        this.to = to;
    }

    @Override protected INDArray forward(INDArray... x) {
        in = x[0].shape();
        axis = Shapes.axis(axisArg, x[0].rank());
        if (from < 0 || to > in[axis] || from >= to) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") is out of range for axis "
                    + axis + " of size " + in[axis]);
        }
        return x[0].get(SliceBackward.window(x[0].rank(), axis, from, to)).dup();
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(new SliceBackward(in, axis, from).apply(g)); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].slice(axis, from, to); }
}
