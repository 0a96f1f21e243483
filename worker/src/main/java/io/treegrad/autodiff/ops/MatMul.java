package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix product op(a)·op(b), where op transposes the last two axes when its flag is set.
 * 2-D: [n,k]·[k,m]; batched 3-D: [B,n,k]·[B,k,m]; 3-D·2-D: [B,n,k]·[k,m] (one matrix for the batch).
 *
 * <p>VJP for y = a·b: ∂a = g·bᵀ, ∂b = aᵀ·g; the other flag combinations follow from (xy)ᵀ = yᵀxᵀ.
 * NOTE: the transposes are passed to gemm as flags, never materialised or handed over as views:
 * {@code mmul} on a transpose view goes through an 'f'-ordered temporary and a copy (measured
 * ~40% slower for the MLP's backward matmuls).
 */
public final class MatMul extends Function {
    private final boolean ta;
    private final boolean tb;

    public MatMul() {
        this(false, false);
    }

    public MatMul(boolean transposeA, boolean transposeB) {
        this.ta = transposeA;
        this.tb = transposeB;
    }

    /** op(x)·op(y) as a recorded op. */
    static Tensor mm(Tensor x, Tensor y, boolean tx, boolean ty) {
        return new MatMul(tx, ty).apply(x, y);
    }

    @Override protected INDArray forward(INDArray... x) {
        INDArray a = x[0];
        INDArray b = x[1];
        Nd.requireSameType(a, b, "matmul");
        save(input(0), input(1));
        int ra = a.rank();
        int rb = b.rank();
        if (ra == 2 && rb == 2) {
            check(inner(a, ta, false) == inner(b, tb, true), a, b);
            return Nd.gemm(a, ta, b, tb);
        }
        if (ra == 3 && rb == 3) {
            check(a.size(0) == b.size(0) && inner(a, ta, false) == inner(b, tb, true), a, b);
            return Nd4j.matmul(a, b, null, ta, tb, false);
        }
        if (ra == 3 && rb == 2 && !ta) {
            check(a.size(2) == inner(b, tb, true), a, b);
            INDArray flat = Nd.gemm(a.reshape('c', a.size(0) * a.size(1), a.size(2)), false, b, tb);
            return flat.reshape('c', a.size(0), a.size(1), flat.size(1));
        }
        throw new IllegalArgumentException("matmul supports 2-D·2-D, 3-D·3-D and 3-D·2-D (without"
                + " transposing the 3-D side), got shapes " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
    }

    /** The contracted size of op(m): its last axis, or the one before when transposed (for a right operand, swapped). */
    private static long inner(INDArray m, boolean transposed, boolean right) {
        int r = m.rank();
        return transposed != right ? m.size(r - 2) : m.size(r - 1);
    }

    private void check(boolean ok, INDArray a, INDArray b) {
        if (!ok) {
            throw new IllegalArgumentException("matmul: shapes " + Shapes.str(a.shape()) + (ta ? "ᵀ" : "")
                    + " and " + Shapes.str(b.shape()) + (tb ? "ᵀ" : "")
                    + " do not match (inner sizes, and batch sizes for 3-D, must be equal)");
        }
    }

    /**
     * op(x)·op(y) as a gradient: added into {@code into} (gemm with beta = 1) and null returned, or
     * into a fresh array when {@code into} is null. For first-order backwards, which record nothing.
     */
    static Tensor product(INDArray into, INDArray x, boolean tx, INDArray y, boolean ty) {
        if (into == null) {
            return constant(Nd.gemm(x, tx, y, ty));
        }
        Nd.gemm(x, tx, y, ty, into, 1.0);
        return null;
    }

    @Override protected Tensor[] backward(Tensor g) {
        Tensor a = saved(0);
        Tensor b = saved(1);
        Tensor ga = null;
        Tensor gb = null;
        if (!GradMode.isEnabled() && a.rank() == 2 && b.rank() == 2) {
            // first order, 2-D: the same products on raw arrays, a leaf's straight into its .grad
            INDArray av = a.value();
            INDArray bv = b.value();
            INDArray gv = g.value();
            if (needsInputGrad(0)) {
                INDArray into = leafGradTarget(0);
                ga = !ta ? product(into, gv, false, bv, !tb) : product(into, bv, tb, gv, true);
            }
            if (needsInputGrad(1)) {
                INDArray into = leafGradTarget(1);
                gb = !tb ? product(into, av, !ta, gv, false) : product(into, gv, true, av, ta);
            }
            return grads(ga, gb);
        }
        if (needsInputGrad(0)) {
            ga = !ta ? mm(g, b, false, !tb)      // a·op(b): g·op(b)ᵀ
                    : mm(b, g, tb, true);         // aᵀ·op(b): (g·op(b)ᵀ)ᵀ = op(b)·gᵀ
        }
        if (needsInputGrad(1)) {
            if (a.rank() == 3 && b.rank() == 2) {
                // b is shared by the batch: its gradient sums over it, one gemm on the flattened rows
                Tensor a2 = a.reshape(-1, a.size(2));
                Tensor g2 = g.reshape(-1, g.size(2));
                gb = !tb ? mm(a2, g2, true, false) : mm(g2, a2, true, false);
            } else {
                gb = !tb ? mm(a, g, !ta, false)   // op(a)·b: op(a)ᵀ·g
                        : mm(g, a, true, ta);     // op(a)·bᵀ: (op(a)ᵀ·g)ᵀ = gᵀ·op(a)
            }
        }
        return grads(ga, gb);
    }

    @Override protected Tensor jvp(Tensor... t) {
        return Tangents.add(t[0] == null ? null : mm(t[0], input(1), ta, tb),
                t[1] == null ? null : mm(input(0), t[1], ta, tb));
    }
}
