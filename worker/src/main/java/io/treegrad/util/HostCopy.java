package io.treegrad.util;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Java arrays into an existing ND4J array's memory with one bulk copy: no fresh array, no element
 * loop ({@code DataBuffer.setData} puts element by element, {@code Nd4j.createFromArray} allocates).
 * The hot paths use it to reload broadcast parameters and minibatch rows into buffers they keep.
 *
 * <p>The copy writes the host memory and then tags the host copy as the current one, so a GPU
 * backend uploads it before the next op on the array; the CPU backend ignores the tag.
 */
public final class HostCopy {
    private HostCopy() {}

    /** {@code src[0, length)} into the first {@code length} elements of {@code dst} (FLOAT, contiguous). */
    public static void into(float[] src, int length, INDArray dst) {
        check(dst, DataType.FLOAT, length, src.length);
        new FloatPointer(dst.data().addressPointer()).position(start(dst)).put(src, 0, length);
        Nd4j.getAffinityManager().tagLocation(dst, AffinityManager.Location.HOST);
    }

    /** {@code src[0, length)} into the first {@code length} elements of {@code dst} (DOUBLE, contiguous). */
    public static void into(double[] src, int length, INDArray dst) {
        check(dst, DataType.DOUBLE, length, src.length);
        new DoublePointer(dst.data().addressPointer()).position(start(dst)).put(src, 0, length);
        Nd4j.getAffinityManager().tagLocation(dst, AffinityManager.Location.HOST);
    }

    /**
     * Where dst's first element is, counted from its buffer's address pointer. NOTE: a view may hold
     * the whole buffer (address at element 0, the view's offset past it) or a buffer of its own
     * that starts at the view (address already at the offset): the difference covers both.
     */
    private static long start(INDArray dst) {
        return dst.offset() - dst.data().offset();
    }

    private static void check(INDArray dst, DataType type, int length, int available) {
        if (dst.dataType() != type || length > dst.length() || length > available
                || (dst.length() > 1 && dst.elementWiseStride() != 1) || (dst.rank() > 1 && dst.ordering() != 'c')) {
            throw new IllegalArgumentException("cannot copy " + length + " of " + available + " " + type
                    + " values into a " + dst.dataType() + " array of " + dst.length() + " elements (stride "
                    + dst.elementWiseStride() + ", order " + dst.ordering() + "): expected a contiguous "
                    + type + " array at least as long");
        }
    }
}
