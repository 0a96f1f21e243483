package io.treegrad.optim;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The in-place element-wise kernels the optimizers are written in. Each one is a single ND4J op
 * over flat buffers that writes into an array it is given: no result array is allocated, and no
 * host pointer is touched, so the same code runs on the CUDA backend.
 *
 * <p>Measured, 10M float32, one thread: BLAS axpy, a scalar multiply, an element-wise multiply or
 * divide into a given output each take ~3–5 ms; a square root ~50 ms (libnd4j's generic build does
 * not vectorise it), so the adaptive optimizers cost ~10× a plain SGD step.
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

    /** out ← √x. */
    static void sqrt(INDArray x, INDArray out) {
        Nd4j.exec(new Sqrt(x, out));
    }

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
