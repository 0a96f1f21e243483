package io.treegrad.util;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * out = op(a)·op(b) + beta·out straight through the CPU backend's own OpenBLAS ({@code cblas_sgemm}
 * / {@code cblas_dgemm} of the JavaCPP binding that nd4j-native ships), in place, whatever the
 * three arrays' orders. Measured on the MLP's shapes: the same kernel as libnd4j's Mmul op, without
 * its ~13-17 µs fixed cost per call (the op's context, shape checks and JNI round trips; a 1x1 gemm
 * costs ~16 µs through Mmul, ~0.3 µs here), which is most of a small gemm's time at batch 128.
 *
 * <p>{@code global.openblas} is the binding of libopenblas.so.0, the library libnd4jcpu.so itself
 * links (both are loaded by ND4J's start-up, so this adds no second copy). It is looked up by name: the CUDA build has no OpenBLAS on its classpath, so
 * {@link #gemm} answers false there (and for what BLAS cannot take: other types, strided views,
 * sizes past int) and the caller runs the backend's own op.
 */
public final class HostBlas {
    private static final int COL_MAJOR = 102;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;
    /** -Dtreegrad.hostBlas=false sends every gemm through the op again (to compare, or to rule this out). */
    private static final boolean ENABLED = !"false".equals(System.getProperty("treegrad.hostBlas"));
    private static final MethodHandle SGEMM = find("cblas_sgemm", float.class, FloatPointer.class);
    private static final MethodHandle DGEMM = find("cblas_dgemm", double.class, DoublePointer.class);

    private HostBlas() {}

    /** Whether {@link #gemm} can run here at all (CPU backend with its OpenBLAS binding, not switched off). */
    public static boolean available() {
        return SGEMM != null && DGEMM != null;
    }

    /**
     * out = op(a)·op(b) + beta·out for 2-D a, b, out of one type (FLOAT or DOUBLE), op transposing
     * where its flag is set; true when done, false (nothing touched) where BLAS cannot take these
     * arrays. Shapes that do not fit are left to the caller's fallback, which reports them.
     */
    public static boolean gemm(INDArray a, boolean ta, INDArray b, boolean tb, INDArray out, double beta) {
        if (!available() || a.rank() != 2 || b.rank() != 2 || out.rank() != 2) {
            return false;
        }
        DataType type = a.dataType();
        if ((type != DataType.FLOAT && type != DataType.DOUBLE) || b.dataType() != type || out.dataType() != type) {
            return false;
        }
        long m = ta ? a.size(1) : a.size(0);
        long k = ta ? a.size(0) : a.size(1);
        long n = tb ? b.size(0) : b.size(1);
        if ((tb ? b.size(1) : b.size(0)) != k || out.size(0) != m || out.size(1) != n
                || m == 0 || n == 0 || k == 0 || Math.max(Math.max(m, n), k) > Integer.MAX_VALUE) {
            return false;
        }
        long la = leading(a);
        long lb = leading(b);
        long lc = leading(out);
        if (la == 0 || lb == 0 || lc == 0) {
            return false;
        }
        // Column-major BLAS: a row-major operand (la < 0) is its transpose stored column-major.
        boolean sa = ta ^ (la < 0);
        boolean sb = tb ^ (lb < 0);
        try {
            if (lc > 0) {   // out column-major: out = op(a)·op(b)
                call(type, sa, sb, m, n, k, a, Math.abs(la), b, Math.abs(lb), beta, out, lc);
            } else {        // out row-major: outᵀ = op(b)ᵀ·op(a)ᵀ, outᵀ stored column-major
                call(type, !sb, !sa, n, m, k, b, Math.abs(lb), a, Math.abs(la), beta, out, -lc);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cblas gemm failed", t);
        }
        return true;
    }

    private static void call(DataType type, boolean t1, boolean t2, long m, long n, long k, INDArray x1, long l1,
                             INDArray x2, long l2, double beta, INDArray out, long lc) throws Throwable {
        int o1 = t1 ? TRANS : NO_TRANS;
        int o2 = t2 ? TRANS : NO_TRANS;
        if (type == DataType.FLOAT) {
            SGEMM.invokeExact(COL_MAJOR, o1, o2, (int) m, (int) n, (int) k, 1.0f,
                    (FloatPointer) HostCopy.hostPointer(x1), (int) l1, (FloatPointer) HostCopy.hostPointer(x2), (int) l2,
                    (float) beta, (FloatPointer) HostCopy.hostPointer(out), (int) lc);
        } else {
            DGEMM.invokeExact(COL_MAJOR, o1, o2, (int) m, (int) n, (int) k, 1.0,
                    (DoublePointer) HostCopy.hostPointer(x1), (int) l1, (DoublePointer) HostCopy.hostPointer(x2), (int) l2,
                    beta, (DoublePointer) HostCopy.hostPointer(out), (int) lc);
        }
    }

    /**
     * x's leading dimension for BLAS: positive where x lies column-major (unit stride down a column),
     * negated where it lies row-major, 0 where neither (a strided or broadcast view, or past int).
     * A size-1 dimension's stride is never followed, so it may be anything.
     */
    static long leading(INDArray x) {
        long r = x.size(0);
        long c = x.size(1);
        long s0 = x.stride(0);
        long s1 = x.stride(1);
        long ld;
        if ((s1 == 1 || c == 1) && (r == 1 || s0 >= c)) {
            ld = -Math.max(r == 1 ? c : s0, 1);
        } else if ((s0 == 1 || r == 1) && (c == 1 || s1 >= r)) {
            ld = Math.max(c == 1 ? r : s1, 1);
        } else {
            return 0;
        }
        return Math.abs(ld) > Integer.MAX_VALUE ? 0 : ld;
    }

    /** The binding's gemm of one type, or null off the CPU backend (or without the binding). */
    private static MethodHandle find(String name, Class<?> scalar, Class<?> pointer) {
        if (!ENABLED || !Nd4j.getEnvironment().isCPU()) {
            return null;
        }
        MethodType type = MethodType.methodType(void.class, new Class<?>[] {int.class, int.class, int.class, int.class,
                int.class, int.class, scalar, pointer, int.class, pointer, int.class, scalar, pointer, int.class});
        try {
            return MethodHandles.publicLookup().findStatic(Class.forName("org.bytedeco.openblas.global.openblas"), name, type);
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException | LinkageError e) {
            return null;
        }
    }
}
