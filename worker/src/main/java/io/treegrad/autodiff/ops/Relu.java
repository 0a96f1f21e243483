package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/** y = max(x, 0). ∂y/∂x = 1 where x &gt; 0, else 0 (read off the saved output). */
public final class Relu extends Function {
    @Override protected INDArray forward(INDArray... x) { return Nd.relu(x[0]); }
    @Override protected Tensor[] backward(Tensor g) {
        if (GradMode.isEnabled()) {
            return grads(g.mul(mask()));
        }
        return grads(constant(Nd.reluBackward(output().value(), g.value())));   // one fresh array
    }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(mask()); }

    private Tensor mask() { return constant(Nd.positiveMask(output().value())); }
}
