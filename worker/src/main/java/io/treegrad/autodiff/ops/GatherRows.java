package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y[i] = x[index[i]] along axis 0 (repeats allowed). Its adjoint is {@link ScatterAddRows}. */
public final class GatherRows extends Function {
    private final int[] index;
    private long[] in;

    public GatherRows(int[] index) { this.index = index.clone(); }

    @Override protected INDArray forward(INDArray... x) {
        in = x[0].shape();
        if (x[0].rank() == 0) {
            throw new IllegalArgumentException("gatherRows needs a tensor of rank 1 or more");
        }
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= in[0]) {
                throw new IllegalArgumentException("gatherRows: index[" + i + "] = " + index[i]
                        + " is out of range for " + in[0] + " rows");
            }
        }
        long rest = x[0].length() / in[0];
        INDArray rows = Nd4j.pullRows(x[0].reshape('c', in[0], rest), 1, index);
        long[] outShape = in.clone();
        outShape[0] = index.length;
        return rows.reshape('c', outShape);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(new ScatterAddRows(index, in).apply(g)); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].gatherRows(index); }
}
