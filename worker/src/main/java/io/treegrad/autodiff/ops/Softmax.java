package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** y = exp(x) / Σ exp(x) along an axis. VJP: y ⊙ (g − Σ(g ⊙ y)). */
public final class Softmax extends Function {
    private final int axisArg;
    private int axis;

    public Softmax(int axis) { this.axisArg = axis; }

    @Override protected INDArray forward(INDArray... x) {
        axis = Shapes.axis(axisArg, x[0].rank());
        INDArray out = Nd4j.createUninitialized(x[0].dataType(), x[0].shape());
        Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(x[0], out, axis));
        return out;
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(vjp(g)); }
    @Override protected Tensor jvp(Tensor... t) { return vjp(t[0]); }   // the Jacobian is symmetric

    private Tensor vjp(Tensor g) {
        Tensor y = output();
        return y.mul(g.sub(g.mul(y).sum(axis, true)));
    }
}
