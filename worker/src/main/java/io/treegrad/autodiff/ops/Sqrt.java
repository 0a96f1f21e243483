package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = √x. ∂y/∂x = 1/(2y). */
public final class Sqrt extends Function {
    @Override protected INDArray forward(INDArray... x) { return Transforms.sqrt(x[0], true); }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.div(output().mul(2))); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].div(output().mul(2)); }
}
