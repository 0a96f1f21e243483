package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = a^b elementwise (a > 0 where b is not an integer). ∂y/∂a = b·a^(b−1), ∂y/∂b = y·ln a. */
public final class Pow extends Function {
    @Override protected INDArray forward(INDArray... x) {
        save(input(0), input(1));
        Nd.requireSameType(x[0], x[1], "pow");
        long[] shape = io.treegrad.autodiff.Shapes.broadcast(x[0].shape(), x[1].shape());
        INDArray a = x[0].shape().length == shape.length && java.util.Arrays.equals(x[0].shape(), shape)
                ? x[0] : Nd.binary(Nd.Binary.ADD, x[0], Nd.zeros(x[0].dataType(), shape));
        INDArray b = java.util.Arrays.equals(x[1].shape(), shape)
                ? x[1] : Nd.binary(Nd.Binary.ADD, x[1], Nd.zeros(x[1].dataType(), shape));
        return Transforms.pow(a, b, true);
    }
    @Override protected Tensor[] backward(Tensor g) {
        Tensor a = saved(0);
        Tensor b = saved(1);
        return grads(needsInputGrad(0) ? g.mul(b).mul(a.pow(b.sub(1))) : null,
                needsInputGrad(1) ? g.mul(output()).mul(a.log()) : null);
    }
    @Override protected Tensor jvp(Tensor... t) {
        Tensor a = input(0);
        Tensor b = input(1);
        return Tangents.add(Tangents.mul(t[0], b.mul(a.pow(b.sub(1)))), Tangents.mul(t[1], output().mul(a.log())));
    }
}
