package io.treegrad.train;

import io.treegrad.util.HostCopy;
import java.io.Serializable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What one task returns: the SUM over its examples of the per-example loss gradients (a flat
 * buffer), the loss sum and the example count, plus how long it took (the slowest partial's compute
 * time and the time spent merging, so the driver can split a step's wall time). {@link #add} and {@link #merge} work in place, so a
 * tree of merges allocates nothing after the first buffer, and the driver divides once:
 * mean gradient = sum / count.
 *
 * <p>An {@linkplain #empty() empty} value holds no buffer at all: it is the zero of the aggregation
 * and costs nothing to ship (a dense zero is shipped inside every task). Plain arrays, so Spark's
 * Kryo serializes it without ND4J.
 */
public final class GradientSum implements Serializable {
    private static final long serialVersionUID = 1L;

    private float[] sumF;     // float32 models
    private double[] sumD;    // float64 models
    private double lossSum;
    private long count;
    private long correct;          // training rows whose argmax was their label (classification)
    private double squaredErrors;  // Σ (output − target)² over the training rows (regression)
    private long computeNanos;   // the slowest partial's compute time: the step's critical path
    private long mergeNanos;     // time spent adding buffers in merges, summed over the tree

    public static GradientSum empty() {
        return new GradientSum();
    }

    /**
     * A partial received from elsewhere (a task's reply over a socket): {@code buffer} (a
     * {@code float[]} or {@code double[]}, adopted, not copied; null for an empty partial) summed over
     * {@code count} examples, with its fit and compute time.
     */
    public static GradientSum of(Object buffer, double lossSum, long count, long correct, double squaredErrors,
                                 long computeNanos) {
        GradientSum g = new GradientSum();
        if (buffer instanceof float[] f) {
            g.sumF = f;
        } else if (buffer instanceof double[] d) {
            g.sumD = d;
        } else if (buffer != null) {
            throw new IllegalArgumentException("a gradient sum is a float[] or double[], got " + buffer.getClass());
        }
        g.lossSum = lossSum;
        g.count = count;
        g.correct = correct;
        g.squaredErrors = squaredErrors;
        g.computeNanos = computeNanos;
        return g;
    }

    /** The summed buffer itself (a {@code float[]} or {@code double[]}, not a copy), or null while empty. */
    public Object buffer() {
        return sumF != null ? sumF : sumD;
    }

    public boolean isEmpty() {
        return sumF == null && sumD == null;
    }

    /** Adds a flat gradient SUM (not mean) over {@code examples} examples whose losses sum to {@code lossSum}. */
    public GradientSum add(INDArray gradientSum, double lossSum, long examples) {
        if (gradientSum.dataType() == DataType.DOUBLE) {
            double[] g = HostCopy.toDoubles(gradientSum.reshape(gradientSum.length()));
            if (isEmpty()) {
                sumD = g;
            } else {
                addInto(requireDouble(), g);
            }
        } else {
            float[] g = HostCopy.toFloats(gradientSum.reshape(gradientSum.length()));
            if (isEmpty()) {
                sumF = g;
            } else {
                addInto(requireFloat(), g);
            }
        }
        this.lossSum += lossSum;
        this.count += examples;
        return this;
    }

    /**
     * Adds how well the model fitted the training rows it just computed on (in training mode, before
     * the step): rows classified right, and squared errors for regression. Free: the forward pass did
     * the work; it gives the running training accuracy or RMSE that is logged next to the loss.
     */
    public GradientSum addFit(long correct, double squaredErrors) {
        this.correct += correct;
        this.squaredErrors += squaredErrors;
        return this;
    }

    /** Records that computing this partial took {@code nanos} (kept as the maximum over merged partials). */
    public GradientSum computedIn(long nanos) {
        computeNanos = Math.max(computeNanos, nanos);
        return this;
    }

    /** Adds {@code other} into this one; an empty side adopts the other's buffer (no copy). */
    public GradientSum merge(GradientSum other) {
        long started = System.nanoTime();
        computeNanos = Math.max(computeNanos, other.computeNanos);
        mergeNanos += other.mergeNanos;
        if (other.isEmpty()) {
            lossSum += other.lossSum;
            count += other.count;
            correct += other.correct;
            squaredErrors += other.squaredErrors;
            return this;
        }
        if (isEmpty()) {
            sumF = other.sumF;
            sumD = other.sumD;
        } else if (other.sumD != null) {
            addInto(requireDouble(), other.sumD);
        } else {
            addInto(requireFloat(), other.sumF);
        }
        lossSum += other.lossSum;
        count += other.count;
        correct += other.correct;
        squaredErrors += other.squaredErrors;
        mergeNanos += System.nanoTime() - started;
        return this;
    }

    private float[] requireFloat() {
        if (sumF == null) {
            throw new IllegalStateException("merging a float32 gradient into a float64 one");
        }
        return sumF;
    }

    private double[] requireDouble() {
        if (sumD == null) {
            throw new IllegalStateException("merging a float64 gradient into a float32 one");
        }
        return sumD;
    }

    private static void addInto(float[] a, float[] b) {
        checkLength(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    private static void addInto(double[] a, double[] b) {
        checkLength(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    private static void checkLength(int a, int b) {
        if (a != b) {
            throw new IllegalStateException("gradient sums of different lengths: " + a + " and " + b
                    + " (models of different shapes?)");
        }
    }

    public long count() {
        return count;
    }

    public double lossSum() {
        return lossSum;
    }

    /** Training rows classified right by the model as it was when it computed on them. */
    public long correct() {
        return correct;
    }

    /** Σ (output − target)² over the training rows, for regression. */
    public double squaredErrors() {
        return squaredErrors;
    }

    /** The longest compute time of the partials merged into this sum, in nanoseconds. */
    public long computeNanos() {
        return computeNanos;
    }

    /** Nanoseconds spent adding gradient buffers in the merges that built this sum. */
    public long mergeNanos() {
        return mergeNanos;
    }

    public double meanLoss() {
        return lossSum / count;
    }

    /**
     * sum / count written into {@code out} (a flat array of the sum's length and data type, kept by
     * the caller from step to step): the mean gradient without a fresh array.
     *
     * @return out
     */
    public INDArray meanInto(INDArray out) {
        if (isEmpty() || count == 0) {
            throw new IllegalStateException("no gradient was summed (no examples)");
        }
        checkLength((int) out.length(), sumD != null ? sumD.length : sumF.length);
        if (sumD != null) {
            HostCopy.into(sumD, sumD.length, out);
        } else {
            HostCopy.into(sumF, sumF.length, out);
        }
        return out.divi(count);
    }

    /** The data type of the summed buffer (FLOAT or DOUBLE); null while empty. */
    public DataType dataType() {
        return sumD != null ? DataType.DOUBLE : sumF != null ? DataType.FLOAT : null;
    }

    /** sum / count as a fresh flat array: the mean gradient the optimizer steps with. */
    public INDArray meanGradient() {
        if (isEmpty() || count == 0) {
            throw new IllegalStateException("no gradient was summed (no examples)");
        }
        INDArray sum = sumD != null ? Nd4j.createFromArray(sumD) : Nd4j.createFromArray(sumF);
        return sum.divi(count);
    }
}
