package io.treegrad.driver.spark;

import io.treegrad.data.Dataset;
import io.treegrad.data.FeatureScaler;
import java.io.Serializable;

/**
 * One partition's contiguous block of rows [firstRow, firstRow + rows) of a dataset of totalRows,
 * as float features (scaled once) and labels or targets. Built and cached on the executors.
 */
public final class Shard implements Serializable {
    private static final long serialVersionUID = 1L;

    int index;
    int firstRow;
    int totalRows;
    int rows;
    int numFeatures;
    int numClasses;
    float[] features;
    int[] labels;     // classification
    float[] targets;  // regression

    Shard() {}

    /** Partition {@code index} of {@code parts}: rows [index·N/parts, (index+1)·N/parts). */
    static Shard of(Dataset all, int index, int parts) {
        int n = all.numRows();
        int from = (int) ((long) index * n / parts);
        int to = (int) ((long) (index + 1) * n / parts);
        Dataset d = all.slice(from, to);
        Shard s = new Shard();
        s.index = index;
        s.firstRow = from;
        s.totalRows = n;
        s.rows = to - from;
        s.numFeatures = all.numFeatures();
        s.numClasses = all.numClasses();
        s.features = d.features();
        s.labels = all.labelKind() == Dataset.LabelKind.CLASSES ? d.labels() : null;
        s.targets = all.labelKind() == Dataset.LabelKind.TARGETS ? d.targets() : null;
        return s;
    }

    Shard scaled(FeatureScaler.State state) {
        if (state != null) {
            FeatureScaler.fromState(state).transformInPlace(features, rows);
        }
        return this;
    }

    public int rows() {
        return rows;
    }

    public int totalRows() {
        return totalRows;
    }

    public int numFeatures() {
        return numFeatures;
    }

    public int numClasses() {
        return numClasses;
    }

    public boolean isRegression() {
        return targets != null;
    }
}
