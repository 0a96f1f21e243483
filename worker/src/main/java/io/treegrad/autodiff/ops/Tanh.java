package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = tanh x. ∂y/∂x = 1 − y². */
public final class Tanh extends Function {
    @Override protected INDArray forward(INDArray... x) { return Transforms.tanh(x[0], true); }
    @Override protected Tensor[] backward(Tensor g) {
        if (GradMode.isEnabled()) {
            return grads(g.mul(derivative()));   // recorded: differentiable again
        }
        INDArray y = output().value();
        return grads(constant(y.mul(y).rsubi(1).muli(g.value())));   // first order: one fresh array
    }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(derivative()); }

    private Tensor derivative() {
        Tensor y = output();
        return y.mul(y).neg().add(1);
    }
}
