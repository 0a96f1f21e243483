package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = a / b (broadcasting). ∂y/∂a = 1/b, ∂y/∂b = −a/b² = −y/b. */
public final class Div extends Function {
    @Override protected INDArray forward(INDArray... x) {
        save(input(1));
        return Nd.binary(Nd.Binary.DIV, x[0], x[1]);
    }
    @Override protected Tensor[] backward(Tensor g) {
        Tensor b = saved(0);
        Tensor ga = g.div(b);
        return grads(needsInputGrad(0) ? ga : null, needsInputGrad(1) ? ga.mul(output()).neg() : null);
    }
    @Override protected Tensor jvp(Tensor... t) {
        Tensor b = input(1);
        return Tangents.sub(t[0] == null ? null : t[0].div(b), t[1] == null ? null : t[1].mul(output()).div(b));
    }
}
