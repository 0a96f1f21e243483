package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** out[index[i]] += g[i] into zeros of a shape: the adjoint of {@link GatherRows}. */
public final class ScatterAddRows extends Function {
    private final int[] index;
    private final long[] shape;

    public ScatterAddRows(int[] index, long[] shape) {
        this.index = index.clone();
        this.shape = shape.clone();
    }

    @Override protected INDArray forward(INDArray... x) {
        long rest = Shapes.length(shape) / shape[0];
        INDArray out = Nd4j.zeros(x[0].dataType(), shape[0], rest);
        INDArray rows = x[0].reshape('c', index.length, rest);
        for (int i = 0; i < index.length; i++) {
            out.getRow(index[i]).addi(rows.getRow(i));
        }
        return out.reshape('c', shape);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.gatherRows(index)); }
    @Override protected Tensor jvp(Tensor... t) { return new ScatterAddRows(index, shape).apply(t[0]); }
}
