package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = x (the same array): the op that makes a dual tensor in forward mode. */
public final class Identity extends Function {
    @Override protected INDArray forward(INDArray... x) { return x[0]; }
    @Override protected Tensor[] backward(Tensor g) { return grads(g); }
    @Override protected Tensor jvp(Tensor... t) { return t[0]; }
}
