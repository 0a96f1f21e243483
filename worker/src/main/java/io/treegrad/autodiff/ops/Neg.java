package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = −x. */
public final class Neg extends Function {
    @Override protected INDArray forward(INDArray... x) { return x[0].neg(); }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.neg()); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].neg(); }
}
