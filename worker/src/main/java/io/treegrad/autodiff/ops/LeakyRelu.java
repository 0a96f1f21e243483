package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = x for x &gt; 0, else slope·x. ∂y/∂x = 1 or slope. */
public final class LeakyRelu extends Function {
    private final double slope;

    public LeakyRelu(double slope) { this.slope = slope; }

    @Override protected INDArray forward(INDArray... x) {
        // derivative: 1 where x > 0, else slope
        save(constant(Nd.positiveMask(x[0]).muli(1 - slope).addi(slope)));
        return Transforms.leakyRelu(x[0], slope, true);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.mul(saved(0))); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(saved(0)); }
}
