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
    private static final MethodHandle SGEMV = find("cblas_sgemv", gemvType(float.class, FloatPointer.class));
    private static final MethodHandle DGEMV = find("cblas_dgemv", gemvType(double.class, DoublePointer.class));
    private static final MethodHandle SGER = find("cblas_sger", gerType(float.class, FloatPointer.class));
    private static final MethodHandle DGER = find("cblas_dger", gerType(double.class, DoublePointer.class));

    private HostBlas() {}

    /** Whether {@link #gemm} can run here at all (CPU backend with its OpenBLAS binding, not switched off). */
    public static boolean available() {
        return SGEMM != null && DGEMM != null && SGEMV != null && DGEMV != null && SGER != null && DGER != null;
    }

    /**
     * out = op(a)·op(b) + beta·out for a, b, out of one type (FLOAT or DOUBLE), op transposing where
     * its flag is set; true when done, false (nothing touched) where BLAS cannot take these arrays.
     * Each is 2-D, or 1-D standing for the row [1, n] (a bias and its gradient, without the ~10 µs
     * an INDArray reshape costs). Shapes that do not fit are left to the caller's fallback, which reports them.
     */
    public static boolean gemm(INDArray a, boolean ta, INDArray b, boolean tb, INDArray out, double beta) {
        if (!available() || !matrix(a) || !matrix(b) || !matrix(out)) {
            return false;
        }
        DataType type = a.dataType();
        if ((type != DataType.FLOAT && type != DataType.DOUBLE) || b.dataType() != type || out.dataType() != type) {
            return false;
        }
        long m = ta ? size(a, 1) : size(a, 0);
        long k = ta ? size(a, 0) : size(a, 1);
        long n = tb ? size(b, 0) : size(b, 1);
        if ((tb ? size(b, 1) : size(b, 0)) != k || size(out, 0) != m || size(out, 1) != n
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

    /**
     * Column-major out[m×n] = op1(x1)[m×k]·op2(x2)[k×n] + beta·out, x1 and x2 stored with leading
     * dimensions l1 and l2, out with lc. An accumulation (beta = 1) whose product is a matrix-vector
     * one (m or n is 1) runs as gemv, a rank-1 update (k = 1) as ger: OpenBLAS's gemm packs its
     * operands for a blocked kernel even then, measured at [128, 256] float32 ~28 µs for the bias
     * gradient 1ᵀ·g (gemv ~2 µs) and ~17 µs for the bias add y += 1·bᵀ (ger ~4 µs). With beta = 0
     * gemm stays: gemv would first have to scale an output that may hold NaN garbage by zero.
     */
    private static void call(DataType type, boolean t1, boolean t2, long m, long n, long k, INDArray x1, long l1,
                             INDArray x2, long l2, double beta, INDArray out, long lc) throws Throwable {
        // stored column-major with leading dimension l, element (i, j) of a matrix lies at i + j·l:
        // the vector op(x)[m×1] has stride 1 when x is stored m×1, l when stored 1×m (transposed)
        if (beta == 1.0 && k == 1) {          // out += op1(x1)·op2(x2): column m×1 times row 1×n
            ger(type, m, n, x1, t1 ? l1 : 1, x2, t2 ? 1 : l2, out, lc);
            return;
        }
        if (beta == 1.0 && n == 1) {          // out[m×1] += op1(x1)·v, v = op2(x2)[k×1]
            gemv(type, t1, t1 ? k : m, t1 ? m : k, x1, l1, x2, t2 ? l2 : 1, out, 1);
            return;
        }
        if (beta == 1.0 && m == 1) {          // outᵀ[n×1] += op2(x2)ᵀ·v, v = op1(x1)ᵀ[k×1]
            gemv(type, !t2, t2 ? n : k, t2 ? k : n, x2, l2, x1, t1 ? 1 : l1, out, lc);
            return;
        }
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

    /** y += op(a)·x, a stored column-major rows×cols with leading dimension la (beta = 1, alpha = 1). */
    private static void gemv(DataType type, boolean ta, long rows, long cols, INDArray a, long la, INDArray x, long incx,
                             INDArray y, long incy) throws Throwable {
        int o = ta ? TRANS : NO_TRANS;
        if (type == DataType.FLOAT) {
            SGEMV.invokeExact(COL_MAJOR, o, (int) rows, (int) cols, 1.0f, (FloatPointer) HostCopy.hostPointer(a), (int) la,
                    (FloatPointer) HostCopy.hostPointer(x), (int) incx, 1.0f, (FloatPointer) HostCopy.hostPointer(y), (int) incy);
        } else {
            DGEMV.invokeExact(COL_MAJOR, o, (int) rows, (int) cols, 1.0, (DoublePointer) HostCopy.hostPointer(a), (int) la,
                    (DoublePointer) HostCopy.hostPointer(x), (int) incx, 1.0, (DoublePointer) HostCopy.hostPointer(y), (int) incy);
        }
    }

    /** out[m×n] += x·yᵀ (x of length m, y of length n), out stored column-major with leading dimension lc. */
    private static void ger(DataType type, long m, long n, INDArray x, long incx, INDArray y, long incy, INDArray out,
                            long lc) throws Throwable {
        if (type == DataType.FLOAT) {
            SGER.invokeExact(COL_MAJOR, (int) m, (int) n, 1.0f, (FloatPointer) HostCopy.hostPointer(x), (int) incx,
                    (FloatPointer) HostCopy.hostPointer(y), (int) incy, (FloatPointer) HostCopy.hostPointer(out), (int) lc);
        } else {
            DGER.invokeExact(COL_MAJOR, (int) m, (int) n, 1.0, (DoublePointer) HostCopy.hostPointer(x), (int) incx,
                    (DoublePointer) HostCopy.hostPointer(y), (int) incy, (DoublePointer) HostCopy.hostPointer(out), (int) lc);
        }
    }

    /**
     * x's leading dimension for BLAS: positive where x lies column-major (unit stride down a column),
     * negated where it lies row-major, 0 where neither (a strided or broadcast view, or past int).
     * A size-1 dimension's stride is never followed, so it may be anything.
     */
    static long leading(INDArray x) {
        long r = size(x, 0);
        long c = size(x, 1);
        long s1 = x.rank() == 1 ? x.stride(0) : x.stride(1);
        long s0 = x.rank() == 1 ? c * s1 : x.stride(0);   // a row's: never followed (r = 1)
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

    private static boolean matrix(INDArray x) {
        return x.rank() == 2 || x.rank() == 1;
    }

    /** x's size along d as a matrix: a 1-D x is the row [1, n]. */
    private static long size(INDArray x, int d) {
        return x.rank() == 2 ? x.size(d) : d == 0 ? 1 : x.length();
    }

    /** The binding's gemm of one type, or null off the CPU backend (or without the binding). */
    private static MethodHandle find(String name, Class<?> scalar, Class<?> pointer) {
        return find(name, MethodType.methodType(void.class, new Class<?>[] {int.class, int.class, int.class, int.class,
                int.class, int.class, scalar, pointer, int.class, pointer, int.class, scalar, pointer, int.class}));
    }

    /** cblas_?gemv(order, trans, m, n, alpha, a, lda, x, incx, beta, y, incy). */
    private static MethodType gemvType(Class<?> scalar, Class<?> pointer) {
        return MethodType.methodType(void.class, new Class<?>[] {int.class, int.class, int.class, int.class, scalar,
                pointer, int.class, pointer, int.class, scalar, pointer, int.class});
    }

    /** cblas_?ger(order, m, n, alpha, x, incx, y, incy, a, lda). */
    private static MethodType gerType(Class<?> scalar, Class<?> pointer) {
        return MethodType.methodType(void.class, new Class<?>[] {int.class, int.class, int.class, scalar, pointer,
                int.class, pointer, int.class, pointer, int.class});
    }

    /** The binding's routine of that name and type, or null off the CPU backend (or without the binding). */
    private static MethodHandle find(String name, MethodType type) {
        if (!ENABLED || !Nd4j.getEnvironment().isCPU()) {
            return null;
        }
        try {
            return MethodHandles.publicLookup().findStatic(Class.forName("org.bytedeco.openblas.global.openblas"), name, type);
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException | LinkageError e) {
            return null;
        }
    }
}
