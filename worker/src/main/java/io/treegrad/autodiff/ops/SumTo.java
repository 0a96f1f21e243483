package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y = x summed over broadcast axes down to a shape. Its adjoint is {@link ExpandTo}. */
public final class SumTo extends Function {
    private final long[] shape;
    private long[] from;

    public SumTo(long[] shape) { this.shape = shape.clone(); }

    @Override protected INDArray forward(INDArray... x) {
        from = x[0].shape();
        return Nd.sumTo(x[0], shape);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.expandTo(from)); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].sumTo(shape); }
}
