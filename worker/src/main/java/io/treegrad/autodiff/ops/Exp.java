package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = eˣ. ∂y/∂x = y (the output is saved, not the input). */
public final class Exp extends Function {
    @Override protected INDArray forward(INDArray... x) { return Transforms.exp(x[0], true); }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.mul(output())); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(output()); }
}
