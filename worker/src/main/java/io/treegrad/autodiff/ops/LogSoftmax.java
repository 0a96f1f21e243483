package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y = x − logΣexp(x) along an axis (stable). VJP: g − softmax(x) · Σg. */
public final class LogSoftmax extends Function {
    private final int axisArg;
    private int axis;

    public LogSoftmax(int axis) { this.axisArg = axis; }

    @Override protected INDArray forward(INDArray... x) {
        axis = Shapes.axis(axisArg, x[0].rank());
        return Nd.binary(Nd.Binary.SUB, x[0], LogSumExp.compute(x[0], axis));
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.sub(output().exp().mul(g.sum(axis, true)))); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].sub(output().exp().mul(t[0]).sum(axis, true)); }
}
