package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = a · b (elementwise, broadcasting). ∂y/∂a = b, ∂y/∂b = a. */
public final class Mul extends Function {
    @Override protected INDArray forward(INDArray... x) {
        save(input(0), input(1));
        return Nd.binary(Nd.Binary.MUL, x[0], x[1]);
    }
    @Override protected Tensor[] backward(Tensor g) {
        Tensor a = saved(0);
        Tensor b = saved(1);
        return grads(needsInputGrad(0) ? g.mul(b) : null, needsInputGrad(1) ? g.mul(a) : null);
    }
    @Override protected Tensor jvp(Tensor... t) {
        return Tangents.add(Tangents.mul(t[0], input(1)), Tangents.mul(t[1], input(0)));
    }
}
