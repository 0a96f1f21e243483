package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = cos x. ∂y/∂x = −sin x. */
public final class Cos extends Function {
    @Override protected INDArray forward(INDArray... x) {
        save(input(0));
        return Transforms.cos(x[0], true);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.mul(saved(0).sin()).neg()); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(input(0).sin()).neg(); }
}
