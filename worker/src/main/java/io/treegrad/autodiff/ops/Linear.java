package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fused affine map y = x·W + b: x [n, in], W [in, out], b [out] (optional). One op instead of
 * matmul + broadcast add, for speed. VJP: ∂x = g·Wᵀ, ∂W = xᵀ·g, ∂b = Σ_rows g.
 */
public final class Linear extends Function {
    private long[] biasShape;

    @Override protected INDArray forward(INDArray... x) {
        INDArray in = x[0];
        INDArray w = x[1];
        if (in.rank() != 2 || w.rank() != 2 || in.size(1) != w.size(0)) {
            throw new IllegalArgumentException("linear: x " + Shapes.str(in.shape()) + " and W "
                    + Shapes.str(w.shape()) + " must be [n, in] and [in, out]");
        }
        Nd.requireSameType(in, w, "linear");
        save(input(0), input(1));
        INDArray y = Nd.gemm(in, false, w, false);
        if (x.length == 3) {
            INDArray b = x[2];
            biasShape = b.shape();
            if (b.length() != w.size(1) || b.rank() > 2) {
                throw new IllegalArgumentException("linear: bias " + Shapes.str(b.shape())
                        + " must be [" + w.size(1) + "]");
            }
            Nd.addBias(y, b);
        }
        return y;
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor x = saved(0);
        Tensor w = saved(1);
        if (!GradMode.isEnabled()) {
            return firstOrder(g.value(), x.value(), w.value());
        }
        Tensor gx = needsInputGrad(0) ? MatMul.mm(g, w, false, true) : null;
        Tensor gw = needsInputGrad(1) ? MatMul.mm(x, g, true, false) : null;
        if (biasShape == null) {
            return grads(gx, gw);
        }
        return grads(gx, gw, needsInputGrad(2) ? g.sum(0, false).reshape(biasShape) : null);
    }

    /**
     * The same VJP on raw arrays when the backward is not itself recorded: one gemm per gradient, the
     * transposes as flags; ∂W (and ∂b) added straight into the weight's {@code .grad} (gemm with
     * beta = 1) where the engine allows it.
     */
    private Tensor[] firstOrder(INDArray g, INDArray x, INDArray w) {
        Tensor gx = needsInputGrad(0) ? MatMul.product(leafGradTarget(0), g, false, w, true) : null;
        Tensor gw = needsInputGrad(1) ? MatMul.product(leafGradTarget(1), x, true, g, false) : null;
        if (biasShape == null) {
            return grads(gx, gw);
        }
        Tensor gb = null;
        if (needsInputGrad(2)) {
            // Σ_rows g as the product 1ᵀ·g (BLAS gemv where it accumulates into .grad): much faster than a reduction along axis 0
            INDArray ones = Nd.onesColumn(g.dataType(), g.size(0));
            INDArray into = leafGradTarget(2);
            // a 1-D .grad stands for the row [1, out] as it is (an INDArray reshape costs ~10 µs)
            gb = MatMul.product(into == null || into.rank() == 1 ? into : into.reshape(1, into.length()), ones, true, g, false);
            gb = gb == null ? null : gb.reshape(biasShape);
        }
        return grads(gx, gw, gb);
    }

    @Override protected Tensor jvp(Tensor... t) {
        Tensor y = Tangents.add(t[0] == null ? null : MatMul.mm(t[0], input(1), false, false),
                t[1] == null ? null : MatMul.mm(input(0), t[1], false, false));
        if (t.length == 3 && t[2] != null) {
            Tensor tb = t[2].reshape(-1);
            y = y == null ? tb.expandTo(output().shape()) : y.add(tb);
        }
        return y;
    }
}
