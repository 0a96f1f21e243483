package io.treegrad.data;

import java.util.Arrays;
import java.util.List;

/**
 * {@code n} records of {@code d} float32 features, row-major in one {@code float[]} (record
 * {@code i}, feature {@code j} at {@code i*d + j}), with one of: integer class labels in
 * {@code 0..numClasses-1}, float regression targets, or no labels.
 *
 * <p>The arrays are shared, not copied, in both directions: the factories keep the arrays they are
 * given and the accessors return them, because a training set is tens to hundreds of megabytes and
 * the minibatcher reads it in place. Treat them as read-only; {@link FeatureScaler#transform}
 * and {@link #slice}/{@link #select} make new datasets. Values are finite whenever a reader of
 * this package made them.
 */
public final class Dataset {
    /** What the labels of a dataset are. */
    public enum LabelKind { CLASSES, TARGETS, NONE }

    private final float[] features;
    private final int numRows;
    private final int numFeatures;
    private final int[] labels;
    private final float[] targets;
    private final int numClasses;
    private final List<String> classNames;

    private Dataset(float[] features, int numRows, int numFeatures, int[] labels, float[] targets,
                    int numClasses, List<String> classNames) {
        if (numRows < 0 || numFeatures < 0) {
            throw new IllegalArgumentException("negative shape [" + numRows + ", " + numFeatures + "]");
        }
        if ((long) numRows * numFeatures != features.length) {
            throw new IllegalArgumentException("features has " + features.length + " values, expected "
                    + numRows + " x " + numFeatures + " = " + (long) numRows * numFeatures);
        }
        if (labels != null) {
            if (labels.length != numRows) {
                throw new IllegalArgumentException(labels.length + " labels for " + numRows + " rows");
            }
            if (numClasses < 1) {
                throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
            }
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0 || labels[i] >= numClasses) {
                    throw new IllegalArgumentException("label " + labels[i] + " of row " + i
                            + " is out of range; expected 0.." + (numClasses - 1));
                }
            }
            if (!classNames.isEmpty() && classNames.size() != numClasses) {
                throw new IllegalArgumentException(classNames.size() + " class names for "
                        + numClasses + " classes");
            }
        }
        if (targets != null && targets.length != numRows) {
            throw new IllegalArgumentException(targets.length + " targets for " + numRows + " rows");
        }
        this.features = features;
        this.numRows = numRows;
        this.numFeatures = numFeatures;
        this.labels = labels;
        this.targets = targets;
        this.numClasses = labels == null ? 0 : numClasses;
        this.classNames = List.copyOf(classNames);
    }

    /** Classification with class ids {@code 0..numClasses-1}. */
    public static Dataset classification(float[] features, int numRows, int numFeatures,
                                         int[] labels, int numClasses) {
        return new Dataset(features, numRows, numFeatures, labels, null, numClasses, List.of());
    }

    /**
     * Classification whose class {@code c} stood for {@code classNames.get(c)} in the input
     * (e.g. LibSVM's {@code -1}/{@code +1} as classes 0 and 1, names {@code ["-1", "1"]}).
     */
    public static Dataset classification(float[] features, int numRows, int numFeatures,
                                         int[] labels, List<String> classNames) {
        return new Dataset(features, numRows, numFeatures, labels, null, classNames.size(), classNames);
    }

    public static Dataset regression(float[] features, int numRows, int numFeatures, float[] targets) {
        return new Dataset(features, numRows, numFeatures, null, targets, 0, List.of());
    }

    public static Dataset unlabelled(float[] features, int numRows, int numFeatures) {
        return new Dataset(features, numRows, numFeatures, null, null, 0, List.of());
    }

    public int numRows() { return numRows; }

    public int numFeatures() { return numFeatures; }

    /** The row-major {@code [numRows, numFeatures]} matrix itself (not a copy). */
    public float[] features() { return features; }

    public float feature(int row, int col) {
        if (row < 0 || row >= numRows || col < 0 || col >= numFeatures) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") outside [" + numRows
                    + ", " + numFeatures + "]");
        }
        return features[row * numFeatures + col];
    }

    public LabelKind labelKind() {
        return labels != null ? LabelKind.CLASSES : targets != null ? LabelKind.TARGETS : LabelKind.NONE;
    }

    /** The class ids (not a copy); only for {@link LabelKind#CLASSES}. */
    public int[] labels() {
        if (labels == null) {
            throw new IllegalStateException("this dataset has " + describeLabels() + ", not class labels");
        }
        return labels;
    }

    /** The regression targets (not a copy); only for {@link LabelKind#TARGETS}. */
    public float[] targets() {
        if (targets == null) {
            throw new IllegalStateException("this dataset has " + describeLabels() + ", not regression targets");
        }
        return targets;
    }

    /** The number of classes; 0 unless {@link LabelKind#CLASSES}. */
    public int numClasses() { return numClasses; }

    /** What each class id stood for in the input; empty when the input used the ids themselves. */
    public List<String> classNames() { return classNames; }

    /** How many records each class has. */
    public int[] classCounts() {
        int[] counts = new int[numClasses];
        for (int y : labels()) {
            counts[y]++;
        }
        return counts;
    }

    /** Records {@code from} (inclusive) to {@code to} (exclusive), copied. */
    public Dataset slice(int from, int to) {
        if (from < 0 || to > numRows || from > to) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + numRows + " rows");
        }
        float[] x = Arrays.copyOfRange(features, from * numFeatures, to * numFeatures);
        return new Dataset(x, to - from, numFeatures,
                labels == null ? null : Arrays.copyOfRange(labels, from, to),
                targets == null ? null : Arrays.copyOfRange(targets, from, to), numClasses, classNames);
    }

    /** The given records, in the given order, copied. */
    public Dataset select(int[] rows) {
        float[] x = new float[rows.length * numFeatures];
        int[] y = labels == null ? null : new int[rows.length];
        float[] t = targets == null ? null : new float[rows.length];
        for (int k = 0; k < rows.length; k++) {
            int r = rows[k];
            if (r < 0 || r >= numRows) {
                throw new IndexOutOfBoundsException("row " + r + " of " + numRows);
            }
            System.arraycopy(features, r * numFeatures, x, k * numFeatures, numFeatures);
            if (y != null) {
                y[k] = labels[r];
            }
            if (t != null) {
                t[k] = targets[r];
            }
        }
        return new Dataset(x, rows.length, numFeatures, y, t, numClasses, classNames);
    }

    /** The same labels with other features, e.g. scaled ones ({@code newFeatures} is kept, not copied). */
    public Dataset withFeatures(float[] newFeatures, int newNumFeatures) {
        return new Dataset(newFeatures, numRows, newNumFeatures, labels, targets, numClasses, classNames);
    }

    /** These features with regression targets, e.g. from a second file (diabetes). */
    public Dataset withTargets(float[] newTargets) {
        return new Dataset(features, numRows, numFeatures, null, newTargets, 0, List.of());
    }

    private String describeLabels() {
        return labels != null ? numClasses + " classes" : targets != null ? "regression targets" : "no labels";
    }

    /** {@code Dataset[60000 x 784, 10 classes]}. */
    @Override public String toString() {
        return "Dataset[" + numRows + " x " + numFeatures + ", " + describeLabels() + "]";
    }
}
