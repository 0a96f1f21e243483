package io.treegrad.data;

import java.util.Arrays;

/** Class ids as one-hot rows: id {@code c} of {@code k} classes -> a row of {@code k} zeros with 1 at {@code c}. */
public final class OneHot {
    private OneHot() {}

    /** A new row-major {@code [labels.length, numClasses]} matrix. */
    public static float[] encode(int[] labels, int numClasses) {
        float[] out = new float[labels.length * numClasses];
        encodeInto(labels, labels.length, numClasses, out);
        return out;
    }

    /**
     * Writes the first {@code count} labels into {@code out} (row-major {@code [count, numClasses]},
     * e.g. a reusable minibatch buffer); the rest of {@code out} is left as it is.
     */
    public static void encodeInto(int[] labels, int count, int numClasses, float[] out) {
        if (count > labels.length || (long) count * numClasses > out.length) {
            throw new IllegalArgumentException(count + " labels of " + numClasses + " classes need "
                    + (long) count * numClasses + " values; have " + labels.length + " labels and "
                    + out.length + " values of output");
        }
        Arrays.fill(out, 0, count * numClasses, 0f);
        for (int i = 0; i < count; i++) {
            int c = labels[i];
            if (c < 0 || c >= numClasses) {
                throw new IllegalArgumentException("label " + c + " at row " + i + " is out of range; expected 0.."
                        + (numClasses - 1));
            }
            out[i * numClasses + c] = 1f;
        }
    }
}
