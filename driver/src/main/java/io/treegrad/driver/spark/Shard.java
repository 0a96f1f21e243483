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
        int from = firstRow(index, n, parts);
        return block(index, from, n, all.slice(from, firstRow(index + 1, n, parts)));
    }

    /** The first row of partition {@code index} of {@code parts} over {@code n} rows: index·n/parts. */
    static int firstRow(int index, long n, int parts) {
        return (int) (index * n / parts);
    }

    /** Partition {@code index}: {@code rows} are rows [firstRow, firstRow + rows.numRows()) of totalRows. */
    static Shard block(int index, int firstRow, int totalRows, Dataset rows) {
        Shard s = new Shard();
        s.index = index;
        s.firstRow = firstRow;
        s.totalRows = totalRows;
        s.rows = rows.numRows();
        s.numFeatures = rows.numFeatures();
        s.numClasses = rows.numClasses();
        s.features = rows.features();
        s.labels = rows.labelKind() == Dataset.LabelKind.CLASSES ? rows.labels() : null;
        s.targets = rows.labelKind() == Dataset.LabelKind.TARGETS ? rows.targets() : null;
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
