package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = ln x. ∂y/∂x = 1/x. */
public final class Log extends Function {
    @Override protected INDArray forward(INDArray... x) {
        save(input(0));
        return Transforms.log(x[0], true);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.div(saved(0))); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].div(input(0)); }
}
