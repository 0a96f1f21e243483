package io.treegrad.optim;

import io.treegrad.util.HostCopy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The in-place element-wise kernels the optimizers are written in. Each one writes into an array it
 * is given: no result array is allocated. All but {@link #sqrt} are a single ND4J op over the flat
 * buffers and touch no host pointer; {@link #sqrt} goes through {@link HostCopy} on the CPU backend
 * and is ND4J's op elsewhere, so the same code runs on the CUDA backend.
 *
 * <p>Measured, 10M float32, one thread: BLAS axpy, a scalar multiply, an element-wise multiply or
 * divide into a given output each take ~3–5 ms; ND4J's square root ~50 ms (libnd4j's generic build
 * does not vectorise it), which is why {@link #sqrt} does not use it on the CPU.
 */
final class Flat {
    private Flat() {}

    /** y ← y + α·x (BLAS axpy: 2.8 ms at 10M float32 vs 33 ms for {@code y.subi(x.mul(α))}, which allocates). */
    static void axpy(double alpha, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(y.length(), alpha, x, y);
    }

    /** out ← x ⊙ x. */
    static void square(INDArray x, INDArray out) {
        x.mul(x, out);
    }

    /**
     * out ← √x. On the CPU backend through a Java loop over a kept host copy: libnd4j's generic build
     * takes ~5 ns an element for its square root (5.1 ms at 1M float32, two thirds of an Adam step),
     * while the JIT vectorises {@code Math.sqrt}: with the two bulk copies 2.1 ms (one thread, best of
     * 21 on a loaded machine; an Adam step at 1M 7.3 → 4.3 ms). Bit for bit the same: both are IEEE's correctly rounded square root (a float's through
     * double: the double rounding cannot change it). Other backends: ND4J's op.
     */
    static void sqrt(INDArray x, INDArray out) {
        long n = x.length();
        if (!Nd4j.getEnvironment().isCPU() || n > Integer.MAX_VALUE || x.dataType() != out.dataType()
                || (x.dataType() != DataType.FLOAT && x.dataType() != DataType.DOUBLE)) {
            Nd4j.exec(new Sqrt(x, out));
        } else if (x.dataType() == DataType.FLOAT) {
            float[] a = HOST_FLOATS.get();
            if (a.length < n) {
                a = new float[(int) n];
                HOST_FLOATS.set(a);
            }
            HostCopy.copyOut(x, a);
            for (int i = 0; i < n; i++) {
                a[i] = (float) Math.sqrt(a[i]);
            }
            HostCopy.into(a, (int) n, out);
        } else {
            double[] a = HOST_DOUBLES.get();
            if (a.length < n) {
                a = new double[(int) n];
                HOST_DOUBLES.set(a);
            }
            HostCopy.copyOut(x, a);
            for (int i = 0; i < n; i++) {
                a[i] = Math.sqrt(a[i]);
            }
            HostCopy.into(a, (int) n, out);
        }
    }

    /** {@link #sqrt}'s host copies, per thread (optimizers are stepped by one thread each). */
    private static final ThreadLocal<float[]> HOST_FLOATS = ThreadLocal.withInitial(() -> new float[0]);
    private static final ThreadLocal<double[]> HOST_DOUBLES = ThreadLocal.withInitial(() -> new double[0]);

    /** out ← num ⊘ den (out may be den). */
    static void divide(INDArray num, INDArray den, INDArray out) {
        num.div(den, out);
    }

    /** ‖x‖₂ (BLAS nrm2: 2 ms at 10M float32 vs 11 ms for {@code norm2Number()}). */
    static double norm2(INDArray x) {
        return Nd4j.getBlasWrapper().level1().nrm2(x);
    }

    /**
     * Zeros of the given type and length, allocated outside any workspace the caller has open: the
     * optimizer keeps them across steps, and an array in a workspace dies with the workspace.
     */
    @SuppressWarnings("try")
    static INDArray persistentZeros(DataType type, long length) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.zeros(type, length);
        }
    }

    /** A copy of x outside any workspace (see {@link #persistentZeros}). */
    @SuppressWarnings("try")
    static INDArray persistentCopy(INDArray x) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return x.dup();
        }
    }
}
