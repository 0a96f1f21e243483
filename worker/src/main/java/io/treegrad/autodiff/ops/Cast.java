package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = x in another floating-point type; the gradient is cast back. */
public final class Cast extends Function {
    private final org.nd4j.linalg.api.buffer.DataType type;
    private org.nd4j.linalg.api.buffer.DataType from;

    public Cast(org.nd4j.linalg.api.buffer.DataType type) { this.type = type; }

    @Override protected INDArray forward(INDArray... x) {
        from = x[0].dataType();
        return x[0].castTo(type);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.to(from)); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].to(type); }
}
