package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = a − b (broadcasting). ∂y/∂a = 1, ∂y/∂b = −1. */
public final class Sub extends Function {
    @Override protected INDArray forward(INDArray... x) { return Nd.binary(Nd.Binary.SUB, x[0], x[1]); }
    @Override protected Tensor[] backward(Tensor g) { return grads(g, needsInputGrad(1) ? g.neg() : null); }
    @Override protected Tensor jvp(Tensor... t) { return Tangents.sub(t[0], t[1]); }
}
