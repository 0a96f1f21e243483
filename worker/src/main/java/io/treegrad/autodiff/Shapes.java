package io.treegrad.autodiff;

import java.util.Arrays;

/** Shape arithmetic: NumPy broadcasting rules and readable shape strings. */
public final class Shapes {
    private Shapes() {}

    /**
     * The NumPy broadcast of two shapes: align from the right; each pair of sizes must be equal or
     * one of them 1; missing leading sizes count as 1.
     */
    public static long[] broadcast(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + str(a) + " and " + str(b)
                        + " do not broadcast: sizes " + da + " and " + db + " at axis " + i
                        + " of the result must be equal or one of them 1");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    public static boolean equal(long[] a, long[] b) {
        return Arrays.equals(a, b);
    }

    public static long length(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Normalises a possibly negative axis for an array of the given rank. */
    public static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for rank " + rank);
        }
        return a;
    }

    /** The shape with {@code axis} set to 1 (the keepDims form of a reduction over it). */
    public static long[] keepDims(long[] shape, int axis) {
        long[] s = shape.clone();
        s[axis] = 1;
        return s;
    }

    /** The shape without {@code axis}. */
    public static long[] drop(long[] shape, int axis) {
        long[] s = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != axis) {
                s[j++] = shape[i];
            }
        }
        return s;
    }

    public static String str(long[] shape) {
        return Arrays.toString(shape);
    }
}
