package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * y = ln(1 + eˣ), computed stably as max(x, 0) + ln(1 + e^(−|x|)). ∂y/∂x = sigmoid(x).
 */
public final class Softplus extends Function {
    @Override protected INDArray forward(INDArray... x) {
        save(input(0));
        INDArray tail = Transforms.log(Transforms.exp(Transforms.abs(x[0], true).negi(), false).addi(1), false);
        return Transforms.relu(x[0], true).addi(tail);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.mul(saved(0).sigmoid())); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(input(0).sigmoid()); }
}
