package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Swaps the last two axes (rank 2: the matrix transpose; rank 3: per batch). */
public final class Transpose extends Function {
    @Override protected INDArray forward(INDArray... x) {
        if (x[0].rank() == 2) {
            return x[0].transpose();
        }
        if (x[0].rank() == 3) {
            return x[0].permute(0, 2, 1);
        }
        throw new IllegalArgumentException("transpose needs a rank-2 or rank-3 tensor, got shape "
                + Shapes.str(x[0].shape()));
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.transpose()); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].transpose(); }
}
