package io.treegrad.util;

import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Java arrays into an existing ND4J array's memory with one bulk copy: no fresh array, no element
 * loop ({@code DataBuffer.setData} puts element by element, {@code Nd4j.createFromArray} allocates).
 * The hot paths use it to reload broadcast parameters and minibatch rows into buffers they keep,
 * and the other way ({@link #toFloats}) to take the parameters and gradient sums out for Spark.
 *
 * <p>The one place that reads or writes an array's memory through its address (also {@link #hostPointer}
 * for {@link HostBlas}, {@link #shapeInfo} for {@link HostOps}): only the CPU backend
 * keeps an array's data in plain host memory. On any other backend (CUDA) the values go through an
 * ordinary {@code assign}, which the backend copies to the device itself (one temporary array).
 */
public final class HostCopy {
    private HostCopy() {}

    /** {@code src[0, length)} into the first {@code length} elements of {@code dst} (FLOAT, contiguous). */
    public static void into(float[] src, int length, INDArray dst) {
        check(dst, DataType.FLOAT, length, src.length);
        if (Nd4j.getEnvironment().isCPU()) {
            // one memcpy: DataBuffer.setData(float[]) is a loop of put(i, v), ~2.8 ms for 512 x 784
            ((FloatPointer) hostPointer(dst)).put(src, 0, length);
        } else {
            prefix(dst, length).assign(Nd4j.createFromArray(Arrays.copyOf(src, length)));
        }
    }

    /** {@code src[0, length)} into the first {@code length} elements of {@code dst} (DOUBLE, contiguous). */
    public static void into(double[] src, int length, INDArray dst) {
        check(dst, DataType.DOUBLE, length, src.length);
        if (Nd4j.getEnvironment().isCPU()) {
            ((DoublePointer) hostPointer(dst)).put(src, 0, length);
        } else {
            prefix(dst, length).assign(Nd4j.createFromArray(Arrays.copyOf(src, length)));
        }
    }

    /**
     * A FLOAT array's elements as a fresh Java array: one bulk copy out of its memory where it is
     * contiguous host memory (ND4J's own {@code toFloatVector}, used otherwise, took 1.8 ms for 1M
     * elements and 40 ms for 10M on one thread, JIT-warm; this 0.3 ms and 3.7 ms).
     */
    public static float[] toFloats(INDArray src) {
        if (src.dataType() != DataType.FLOAT || !contiguous(src) || !Nd4j.getEnvironment().isCPU()) {
            return rowMajorVector(src).toFloatVector();
        }
        float[] out = new float[(int) src.length()];
        copyOut(src, out);
        return out;
    }

    /**
     * The first {@code src.length()} elements of {@code dst} ← src's elements (FLOAT, contiguous): one
     * bulk copy on the CPU backend, through ND4J elsewhere. For a hot path that keeps its Java array.
     */
    public static void copyOut(INDArray src, float[] dst) {
        check(src, DataType.FLOAT, (int) src.length(), dst.length);
        if (src.length() == 0) {
            return;   // an empty array has no memory: its address is null
        }
        if (Nd4j.getEnvironment().isCPU()) {
            ((FloatPointer) hostPointer(src)).get(dst, 0, (int) src.length());
        } else {
            System.arraycopy(rowMajorVector(src).toFloatVector(), 0, dst, 0, (int) src.length());
        }
    }

    /** As {@link #copyOut(INDArray, float[])}, for DOUBLE. */
    public static void copyOut(INDArray src, double[] dst) {
        check(src, DataType.DOUBLE, (int) src.length(), dst.length);
        if (src.length() == 0) {
            return;
        }
        if (Nd4j.getEnvironment().isCPU()) {
            ((DoublePointer) hostPointer(src)).get(dst, 0, (int) src.length());
        } else {
            System.arraycopy(rowMajorVector(src).toDoubleVector(), 0, dst, 0, (int) src.length());
        }
    }

    /**
     * A DOUBLE or FLOAT array's elements, row-major, as a fresh {@code double[]}, in one bulk copy
     * where it can (see {@link #toFloats}); a FLOAT array's are widened, which is exact.
     */
    public static double[] toDoubles(INDArray src) {
        if (!contiguous(src) || !Nd4j.getEnvironment().isCPU()
                || (src.dataType() != DataType.DOUBLE && src.dataType() != DataType.FLOAT)) {
            return rowMajorVector(src).toDoubleVector();
        }
        double[] out = new double[(int) src.length()];
        if (src.dataType() == DataType.DOUBLE) {
            copyOut(src, out);
            return out;
        }
        float[] f = toFloats(src);
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /**
     * A host pointer at {@code a}'s first element (its strides still the caller's to follow), for a
     * native routine that reads or writes the array in place: FLOAT gives a FloatPointer, DOUBLE a
     * DoublePointer. CPU backend only (elsewhere an array's memory is not host memory).
     */
    public static Pointer hostPointer(INDArray a) {
        if (!Nd4j.getEnvironment().isCPU()) {
            throw new IllegalStateException("host pointers exist only on the CPU backend");
        }
        switch (a.dataType()) {
            case FLOAT:
                return new FloatPointer(a.data().addressPointer()).position(start(a));
            case DOUBLE:
                return new DoublePointer(a.data().addressPointer()).position(start(a));
            default:
                throw new IllegalArgumentException("host pointer: " + a.dataType() + " array, expected FLOAT or DOUBLE");
        }
    }

    /**
     * The address of a's shape descriptor (rank, shape, strides, type, order: what libnd4j's kernels
     * read an array's layout from), for {@link HostOps}. CPU backend only, as {@link #hostPointer}.
     */
    public static LongPointer shapeInfo(INDArray a) {
        if (!Nd4j.getEnvironment().isCPU()) {
            throw new IllegalStateException("host shape descriptors exist only on the CPU backend");
        }
        return (LongPointer) a.shapeInfoDataBuffer().addressPointer();
    }

    /**
     * Where dst's first element is, counted from its buffer's address pointer. NOTE: a view may hold
     * the whole buffer (address at element 0, the view's offset past it) or a buffer of its own
     * that starts at the view (address already at the offset): the difference covers both.
     */
    private static long start(INDArray dst) {
        return dst.offset() - dst.data().offset();
    }

    /**
     * a's elements in row-major order as a vector: ND4J's {@code toFloatVector} and
     * {@code toDoubleVector} refuse a matrix, whatever its layout.
     */
    private static INDArray rowMajorVector(INDArray a) {
        return a.rank() <= 1 ? a : a.dup('c').reshape(a.length());
    }

    /** The first {@code length} elements of a contiguous array, as a flat view. */
    private static INDArray prefix(INDArray dst, int length) {
        INDArray flat = dst.reshape(dst.length());
        return length == flat.length() ? flat : flat.get(NDArrayIndex.interval(0, length));
    }

    private static boolean contiguous(INDArray a) {
        return (a.length() <= 1 || a.elementWiseStride() == 1) && (a.rank() <= 1 || a.ordering() == 'c');
    }

    private static void check(INDArray dst, DataType type, int length, int available) {
        if (dst.dataType() != type || length > dst.length() || length > available || !contiguous(dst)) {
            throw new IllegalArgumentException("cannot copy " + length + " of " + available + " " + type
                    + " values into a " + dst.dataType() + " array of " + dst.length() + " elements (stride "
                    + dst.elementWiseStride() + ", order " + dst.ordering() + "): expected a contiguous "
                    + type + " array at least as long");
        }
    }
}
