package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix product. 2-D: [n,k]·[k,m]; batched 3-D: [B,n,k]·[B,k,m]; 3-D·2-D: [B,n,k]·[k,m].
 * VJP: ∂a = g·bᵀ, ∂b = aᵀ·g (summed over the batch when b is shared).
 */
public final class MatMul extends Function {
    @Override protected INDArray forward(INDArray... x) {
        INDArray a = x[0];
        INDArray b = x[1];
        Nd.requireSameType(a, b, "matmul");
        save(input(0), input(1));
        long[] sa = a.shape();
        long[] sb = b.shape();
        if (a.rank() == 2 && b.rank() == 2) {
            check(sa[1] == sb[0], sa, sb);
            return a.mmul(b);
        }
        if (a.rank() == 3 && b.rank() == 3) {
            check(sa[0] == sb[0] && sa[2] == sb[1], sa, sb);
            return Nd4j.matmul(a, b);
        }
        if (a.rank() == 3 && b.rank() == 2) {
            check(sa[2] == sb[0], sa, sb);
            return a.reshape('c', sa[0] * sa[1], sa[2]).mmul(b).reshape('c', sa[0], sa[1], sb[1]);
        }
        throw new IllegalArgumentException("matmul supports 2-D·2-D, 3-D·3-D and 3-D·2-D, got shapes "
                + Shapes.str(sa) + " and " + Shapes.str(sb));
    }

    private static void check(boolean ok, long[] sa, long[] sb) {
        if (!ok) {
            throw new IllegalArgumentException("matmul: shapes " + Shapes.str(sa) + " and " + Shapes.str(sb)
                    + " do not match (inner sizes, and batch sizes for 3-D, must be equal)");
        }
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor a = saved(0);
        Tensor b = saved(1);
        Tensor ga = needsInputGrad(0) ? g.matmul(b.transpose()) : null;
        Tensor gb = null;
        if (needsInputGrad(1)) {
            gb = a.rank() == 3 && b.rank() == 2
                    ? a.reshape(-1, a.size(2)).transpose().matmul(g.reshape(-1, g.size(2)))
                    : a.transpose().matmul(g);
        }
        return grads(ga, gb);
    }

    @Override protected Tensor jvp(Tensor... t) {
        return Tangents.add(t[0] == null ? null : t[0].matmul(input(1)),
                t[1] == null ? null : input(0).matmul(t[1]));
    }
}
