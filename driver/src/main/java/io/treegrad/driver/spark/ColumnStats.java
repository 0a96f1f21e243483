package io.treegrad.driver.spark;

import io.treegrad.data.FeatureScaler;
import java.io.Serializable;

/** Per-column count, sum, sum of squares, min and max: mergeable, so scaling is fitted in one pass. */
public final class ColumnStats implements Serializable {
    private static final long serialVersionUID = 1L;

    long count;
    double[] sum;
    double[] sumSq;
    double[] min;
    double[] max;

    ColumnStats() {}

    static ColumnStats of(Shard s) {
        int d = s.numFeatures;
        ColumnStats c = new ColumnStats();
        c.count = s.rows;
        c.sum = new double[d];
        c.sumSq = new double[d];
        c.min = new double[d];
        c.max = new double[d];
        java.util.Arrays.fill(c.min, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(c.max, Double.NEGATIVE_INFINITY);
        for (int r = 0; r < s.rows; r++) {
            for (int j = 0; j < d; j++) {
                double v = s.features[r * d + j];
                c.sum[j] += v;
                c.sumSq[j] += v * v;
                c.min[j] = Math.min(c.min[j], v);
                c.max[j] = Math.max(c.max[j], v);
            }
        }
        return c;
    }

    ColumnStats merge(ColumnStats o) {
        count += o.count;
        for (int j = 0; j < sum.length; j++) {
            sum[j] += o.sum[j];
            sumSq[j] += o.sumSq[j];
            min[j] = Math.min(min[j], o.min[j]);
            max[j] = Math.max(max[j], o.max[j]);
        }
        return this;
    }

    /** The scaler's state: center and divisor per column (a constant column gets divisor 1). */
    FeatureScaler.State fit(String method) {
        int d = sum.length;
        float[] center = new float[d];
        float[] divisor = new float[d];
        for (int j = 0; j < d; j++) {
            if (method.equals("STANDARDIZE")) {
                double mean = sum[j] / count;
                double var = Math.max(0, sumSq[j] / count - mean * mean);
                center[j] = (float) mean;
                divisor[j] = var > 0 ? (float) Math.sqrt(var) : 1f;
            } else {
                center[j] = (float) min[j];
                divisor[j] = max[j] > min[j] ? (float) (max[j] - min[j]) : 1f;
            }
        }
        return new FeatureScaler.State(method, center, divisor);
    }
}
