package io.treegrad.autodiff;

import io.treegrad.util.HostBlas;
import io.treegrad.util.HostOps;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.DivOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The few raw ND4J calls that need care, in one place.
 *
 * <p>NOTE: {@code INDArray.add(other)} sizes its result from {@code this}, so it fails for
 * broadcasts that grow both sides ({@code [3,1] + [4]}) or the lower-rank side. The libnd4j pairwise
 * ops broadcast by NumPy rules when handed an output of the broadcast shape, which is what
 * {@link #binary} does.
 */
public final class Nd {
    private Nd() {}

    public enum Binary { ADD, SUB, MUL, DIV }

    /** {@code a (op) b} with NumPy broadcasting, into a fresh array. */
    public static INDArray binary(Binary op, INDArray a, INDArray b) {
        requireSameType(a, b, op.name().toLowerCase());
        long[] sa = a.shape();
        long[] sb = b.shape();
        if (Shapes.equal(sa, sb)) {
            switch (op) {
                case ADD: return a.add(b);
                case SUB: return a.sub(b);
                case MUL: return a.mul(b);
                default: return a.div(b);
            }
        }
        INDArray out = Nd4j.createUninitialized(a.dataType(), Shapes.broadcast(sa, sb));
        INDArray[] in = {a, b};
        INDArray[] outs = {out};
        DynamicCustomOp custom;
        switch (op) {
            case ADD: custom = new AddOp(in, outs); break;
            case SUB: custom = new SubOp(in, outs); break;
            case MUL: custom = new MulOp(in, outs); break;
            default: custom = new DivOp(in, outs); break;
        }
        Nd4j.exec(custom);
        return out;
    }

    public static void requireSameType(INDArray a, INDArray b, String what) {
        if (a.dataType() != b.dataType()) {
            throw new IllegalArgumentException(what + ": operands have different data types, "
                    + a.dataType() + " and " + b.dataType() + "; convert one with Tensor.to(DataType)");
        }
    }

    /** A rank-0 array holding {@code v} in the given type. */
    public static INDArray scalar(DataType type, double v) {
        return Nd4j.scalar(type, v);
    }

    /** Contiguous zeros of the given shape ({@code []} gives a rank-0 zero). */
    public static INDArray zeros(DataType type, long[] shape) {
        return shape.length == 0 ? Nd4j.scalar(type, 0.0) : Nd4j.zeros(type, shape);
    }

    public static INDArray ones(DataType type, long[] shape) {
        return shape.length == 0 ? Nd4j.scalar(type, 1.0) : Nd4j.ones(type, shape);
    }

    /** {@link #onesColumn}'s arrays, by type and length; a few batch sizes in practice. */
    private static final ConcurrentHashMap<Long, INDArray> ONES = new ConcurrentHashMap<>();
    private static final int ONES_KEPT = 64;

    /**
     * A ones column [n, 1] of the given type, cached and shared: the vector of the rank-1 gemms
     * 1·bᵀ (bias add) and 1ᵀ·g (bias gradient). Callers must only read it (never write into it).
     * NOTE: it is created outside any workspace the caller has open (an array in a workspace dies
     * when that workspace is reset, e.g. the training step's, while the cache outlives it).
     */
    @SuppressWarnings("try")
    public static INDArray onesColumn(DataType type, long n) {
        long key = ((long) type.ordinal() << 48) | n;
        INDArray ones = ONES.get(key);
        if (ones != null) {
            return ones;
        }
        if (ONES.size() >= ONES_KEPT) {
            ONES.clear();   // lengths vary without bound only in odd uses: start over rather than grow
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return ONES.computeIfAbsent(key, k -> Nd4j.ones(type, n, 1));
        }
    }

    /**
     * out = op(a)·op(b) + beta·out for 2-D a and b (or 1-D, standing for a row [1, n]), where op transposes when its flag is set, written
     * into {@code out} whatever its order or offset (a C-ordered view into a flat buffer included).
     * NOTE: {@code Nd4j.gemm} wants an 'f'-ordered result of its own (offset 0), so its results are
     * 'f' and everything downstream runs on a mix of orders; libnd4j's matmul op instead picks the
     * BLAS layout from the strides of all three arrays and copies nothing. On the CPU backend the
     * product goes straight to OpenBLAS ({@link HostBlas}: the same kernel without the op's ~15 µs
     * fixed cost); elsewhere, or for arrays BLAS cannot take, through the op.
     */
    public static INDArray gemm(INDArray a, boolean ta, INDArray b, boolean tb, INDArray out, double beta) {
        if (HostBlas.gemm(a, ta, b, tb, out, beta)) {
            return out;
        }
        Nd4j.exec(new Mmul(row(a), row(b), row(out), 1.0, beta, MMulTranspose.builder().transposeA(ta).transposeB(tb).build()));
        return out;
    }

    /** A 1-D x as the row [1, n] (a view), anything else as it is: what {@link #gemm} takes a vector for. */
    private static INDArray row(INDArray x) {
        return x.rank() == 1 ? x.reshape(1, x.length()) : x;
    }

    /** op(a)·op(b) for 2-D a and b into a fresh C-ordered array (see {@link #gemm(INDArray, boolean, INDArray, boolean, INDArray, double)}). */
    public static INDArray gemm(INDArray a, boolean ta, INDArray b, boolean tb) {
        long rows = ta ? a.size(1) : a.size(0);
        long cols = tb ? b.size(0) : b.size(1);
        return gemm(a, ta, b, tb, Nd4j.createUninitialized(a.dataType(), new long[] {rows, cols}, 'c'), 0.0);
    }

    /**
     * y += b on every row, in place (y [n, out], b of length out: [out] or [1, out]). On the CPU backend
     * as the rank-1 update y = 1·bᵀ + y straight through OpenBLAS ({@link #onesColumn}; {@link HostBlas}
     * runs it as ger): measured ~4 µs against 29.4 for the addRowVector op at [128, 256];
     * elsewhere, or for a bias BLAS cannot take (a strided view), the op, which off the CPU is cheaper
     * than a matmul op.
     */
    public static INDArray addBias(INDArray y, INDArray b) {
        long out = y.size(1);
        if (HostBlas.available()
                && HostBlas.gemm(onesColumn(y.dataType(), y.size(0)), false, b.rank() == 1 ? b : b.reshape(1, out), false, y, 1.0)) {
            return y;
        }
        return y.addiRowVector(b.reshape(out));
    }

    /** max(x, 0) into a fresh C-ordered array: on the CPU backend one direct kernel call ({@link HostOps}). */
    public static INDArray relu(INDArray x) {
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        return HostOps.relu(x, y) ? y : org.nd4j.linalg.ops.transforms.Transforms.relu(x, true);
    }

    /**
     * ReLU's vector-Jacobian product g ⊙ [y &gt; 0] from its output y, into a fresh array: on the CPU
     * backend two direct kernel calls ({@link HostOps}), elsewhere the step op and a multiply.
     */
    public static INDArray reluBackward(INDArray y, INDArray g) {
        INDArray out = Nd4j.createUninitialized(g.dataType(), y.shape(), 'c');
        return HostOps.reluBackward(y, g, out) ? out : positiveMask(y).muli(g);
    }

    /** 1.0 where {@code x > 0}, else 0.0 (also at 0), in x's type: one op into a fresh array. */
    public static INDArray positiveMask(INDArray x) {
        return org.nd4j.linalg.ops.transforms.Transforms.step(x, true);
    }

    /** x broadcast to {@code shape} by NumPy rules, materialised in a fresh array. */
    public static INDArray broadcastTo(INDArray x, long[] shape) {
        if (Shapes.equal(x.shape(), shape)) {
            return x;
        }
        if (!Shapes.equal(Shapes.broadcast(x.shape(), shape), shape)) {
            throw new IllegalArgumentException("cannot broadcast shape " + Shapes.str(x.shape())
                    + " to " + Shapes.str(shape));
        }
        INDArray out = Nd4j.createUninitialized(x.dataType(), shape);
        Nd4j.exec(new AddOp(new INDArray[] {zeros(x.dataType(), shape), x}, new INDArray[] {out}));
        return out;
    }

    /**
     * Sums x over the axes that broadcasting added or stretched, down to {@code shape}: the adjoint
     * of {@link #broadcastTo}.
     */
    public static INDArray sumTo(INDArray x, long[] shape) {
        long[] from = x.shape();
        if (Shapes.equal(from, shape)) {
            return x;
        }
        if (!Shapes.equal(Shapes.broadcast(shape, from), from)) {
            throw new IllegalArgumentException("cannot sum shape " + Shapes.str(from) + " down to "
                    + Shapes.str(shape) + ": it is not a broadcast of it");
        }
        if (shape.length == 0) {
            return x.sum();
        }
        int lead = from.length - shape.length;
        INDArray r = x;
        if (lead > 0) {
            int[] axes = new int[lead];
            for (int i = 0; i < lead; i++) {
                axes[i] = i;
            }
            r = r.sum(false, axes);
        }
        int[] stretched = java.util.stream.IntStream.range(0, shape.length)
                .filter(i -> shape[i] == 1 && from[i + lead] != 1).toArray();
        if (stretched.length > 0) {
            r = r.sum(true, stretched);
        }
        return Shapes.equal(r.shape(), shape) ? r : r.reshape(shape);
    }
}
