package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = 1/(1 + e⁻ˣ). ∂y/∂x = y(1 − y). */
public final class Sigmoid extends Function {
    @Override protected INDArray forward(INDArray... x) { return Transforms.sigmoid(x[0], true); }
    @Override protected Tensor[] backward(Tensor g) {
        if (GradMode.isEnabled()) {
            return grads(g.mul(derivative()));   // recorded: differentiable again
        }
        INDArray y = output().value();
        return grads(constant(y.rsub(1).muli(y).muli(g.value())));   // first order: one fresh array
    }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(derivative()); }

    private Tensor derivative() {
        Tensor y = output();
        return y.mul(y.neg().add(1));
    }
}
