package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = |x|. ∂y/∂x = sign(x) (0 at 0). */
public final class Abs extends Function {
    @Override protected INDArray forward(INDArray... x) {
        save(constant(Transforms.sign(x[0], true)));
        return Transforms.abs(x[0], true);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.mul(saved(0))); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(saved(0)); }
}
