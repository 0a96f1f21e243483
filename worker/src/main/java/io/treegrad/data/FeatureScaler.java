package io.treegrad.data;

import java.util.Arrays;
import java.util.Locale;

/**
 * A per-column affine map {@code x'[j] = (x[j] - center[j]) / divisor[j]}, fitted once on the
 * training set and then applied unchanged to training, validation and test data (fitting on test
 * data leaks it into the model).
 *
 * <ul>
 *   <li>{@link #divideBy}: {@code center = 0, divisor = c} (pixels / 255).</li>
 *   <li>{@link #fitMinMax}: {@code center = min, divisor = max - min}, so the training data
 *       lands in [0, 1]; other data may fall outside it (not clipped).</li>
 *   <li>{@link #fitStandardize}: {@code center = mean, divisor = std}, the population standard
 *       deviation (divide by n, as scikit-learn's StandardScaler), both computed in double.</li>
 * </ul>
 *
 * <p>NOTE: a column that is constant in the training set (zero range, zero variance; e.g. the
 * always-black corner pixels of MNIST) would divide by zero. It gets divisor 1, so it maps to
 * {@code x - center}: 0 on the training set, the raw deviation elsewhere, never NaN or infinity.
 * {@link #constantColumns()} lists those columns.
 *
 * <p>The fitted statistics are plain arrays: {@link #state()} exports them and
 * {@link #fromState} restores a scaler that maps bit for bit as the original, for saving the
 * preprocessing with a model.
 */
public final class FeatureScaler {
    /** How the statistics were made; informational once fitted. */
    public enum Method { DIVIDE, MIN_MAX, STANDARDIZE }

    /** The exported form: method name and the two arrays of length {@code numFeatures}. */
    public record State(String method, float[] center, float[] divisor) implements java.io.Serializable {}

    private final Method method;
    private final float[] center;
    private final float[] divisor;
    private final int[] constantColumns;

    private FeatureScaler(Method method, float[] center, float[] divisor, int[] constantColumns) {
        this.method = method;
        this.center = center;
        this.divisor = divisor;
        this.constantColumns = constantColumns;
    }

    /** {@code x / constant} in every one of {@code numFeatures} columns. */
    public static FeatureScaler divideBy(int numFeatures, float constant) {
        if (!(Float.isFinite(constant) && constant != 0f)) {
            throw new IllegalArgumentException("divideBy: constant must be finite and non-zero, got " + constant);
        }
        float[] divisor = new float[numFeatures];
        Arrays.fill(divisor, constant);
        return new FeatureScaler(Method.DIVIDE, new float[numFeatures], divisor, new int[0]);
    }

    public static FeatureScaler fitMinMax(Dataset train) {
        ColumnStats s = ColumnStats.of(train, false);
        float[] center = new float[s.d];
        float[] divisor = new float[s.d];
        for (int j = 0; j < s.d; j++) {
            center[j] = (float) s.min[j];
            divisor[j] = s.constant[j] ? 1f : (float) (s.max[j] - s.min[j]);
        }
        return new FeatureScaler(Method.MIN_MAX, center, divisor, s.constantColumns());
    }

    public static FeatureScaler fitStandardize(Dataset train) {
        ColumnStats s = ColumnStats.of(train, true);
        float[] center = new float[s.d];
        float[] divisor = new float[s.d];
        for (int j = 0; j < s.d; j++) {
            center[j] = (float) s.mean[j];
            float std = (float) Math.sqrt(s.var[j]);
            divisor[j] = s.constant[j] || std == 0f ? 1f : std;
        }
        return new FeatureScaler(Method.STANDARDIZE, center, divisor, s.constantColumns());
    }

    /** A scaler from exported statistics; checks them as a file's contents would be checked. */
    public static FeatureScaler fromState(State state) {
        Method m;
        try {
            m = Method.valueOf(state.method().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scaler state: unknown method '" + state.method()
                    + "'; expected one of " + Arrays.toString(Method.values()));
        }
        float[] c = state.center();
        float[] v = state.divisor();
        if (c.length != v.length) {
            throw new IllegalArgumentException("scaler state: " + c.length + " centers but " + v.length + " divisors");
        }
        for (int j = 0; j < c.length; j++) {
            if (!Float.isFinite(c[j]) || !Float.isFinite(v[j]) || v[j] == 0f) {
                throw new IllegalArgumentException("scaler state: column " + j + " has center " + c[j]
                        + " and divisor " + v[j] + "; expected finite values and a non-zero divisor");
            }
        }
        return new FeatureScaler(m, c.clone(), v.clone(), new int[0]);
    }

    public State state() { return new State(method.name(), center.clone(), divisor.clone()); }

    public Method method() { return method; }

    public int numFeatures() { return center.length; }

    public float[] center() { return center.clone(); }

    public float[] divisor() { return divisor.clone(); }

    /**
     * Columns constant in the data this scaler was fitted on, whose divisor was set to 1 (empty
     * for {@link #divideBy} and for a scaler restored by {@link #fromState}).
     */
    public int[] constantColumns() { return constantColumns.clone(); }

    /** A new dataset with scaled features (new array) and the same labels. */
    public Dataset transform(Dataset data) {
        requireWidth(data.numFeatures());
        float[] x = data.features().clone();
        transformInPlace(x, data.numRows());
        return data.withFeatures(x, data.numFeatures());
    }

    /** Scales the first {@code rows} rows of a row-major buffer in place, e.g. a minibatch. */
    public void transformInPlace(float[] rowMajor, int rows) {
        int d = center.length;
        if ((long) rows * d > rowMajor.length) {
            throw new IllegalArgumentException(rows + " rows of " + d + " features need " + (long) rows * d
                    + " values, the buffer has " + rowMajor.length);
        }
        for (int i = 0; i < rows; i++) {
            int base = i * d;
            for (int j = 0; j < d; j++) {
                rowMajor[base + j] = (rowMajor[base + j] - center[j]) / divisor[j];
            }
        }
    }

    private void requireWidth(int d) {
        if (d != center.length) {
            throw new IllegalArgumentException("scaler fitted on " + center.length + " features, data has " + d);
        }
    }

    @Override public String toString() {
        return "FeatureScaler[" + method + ", " + center.length + " features"
                + (constantColumns.length > 0 ? ", " + constantColumns.length + " constant" : "") + "]";
    }

    /** Column min, max, mean and variance of a dataset, in double. */
    private static final class ColumnStats {
        final int d;
        final double[] min;
        final double[] max;
        final double[] mean;
        final double[] var;
        final boolean[] constant;

        private ColumnStats(int d) {
            this.d = d;
            min = new double[d];
            max = new double[d];
            mean = new double[d];
            var = new double[d];
            constant = new boolean[d];
        }

        static ColumnStats of(Dataset data, boolean moments) {
            int n = data.numRows();
            int d = data.numFeatures();
            if (n == 0) {
                throw new IllegalArgumentException("cannot fit a scaler on 0 rows");
            }
            float[] x = data.features();
            ColumnStats s = new ColumnStats(d);
            Arrays.fill(s.min, Double.POSITIVE_INFINITY);
            Arrays.fill(s.max, Double.NEGATIVE_INFINITY);
            double[] sum = s.mean;
            for (int i = 0; i < n; i++) {
                int base = i * d;
                for (int j = 0; j < d; j++) {
                    double v = x[base + j];
                    if (v < s.min[j]) {
                        s.min[j] = v;
                    }
                    if (v > s.max[j]) {
                        s.max[j] = v;
                    }
                    sum[j] += v;
                }
            }
            for (int j = 0; j < d; j++) {
                s.mean[j] = sum[j] / n;
                s.constant[j] = s.min[j] == s.max[j];
            }
            if (moments) {
                // two passes: sum((x - mean)^2) does not cancel as sum(x^2) - n mean^2 does
                for (int i = 0; i < n; i++) {
                    int base = i * d;
                    for (int j = 0; j < d; j++) {
                        double dev = x[base + j] - s.mean[j];
                        s.var[j] += dev * dev;
                    }
                }
                for (int j = 0; j < d; j++) {
                    s.var[j] /= n;
                }
            }
            return s;
        }

        int[] constantColumns() {
            int count = 0;
            for (boolean c : constant) {
                count += c ? 1 : 0;
            }
            int[] cols = new int[count];
            int k = 0;
            for (int j = 0; j < d; j++) {
                if (constant[j]) {
                    cols[k++] = j;
                }
            }
            return cols;
        }
    }
}
