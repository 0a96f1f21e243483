package io.treegrad.data;

import java.io.Serializable;
import java.util.EnumMap;

/**
 * Checks records that a columnar format (Parquet) hands over as typed values, a row of feature
 * numbers and a numeric label, by the rules the text readers apply to tokens: every feature a
 * finite float32, every row {@code numFeatures} long, a class label an integer in range, a
 * regression target finite. Rows are named by their source (the file) and their 0-based row number
 * in it:
 *
 * <pre>
 * part-00000.parquet row 17: label column 'label' is 2.5, not an integer; expected an integer class id
 * part-00000.parquet row 40: column 'features' has 63 values, expected 64 (num_features)
 * </pre>
 *
 * <p>Under {@link BadRecordPolicy#FAIL} the first bad row throws a {@link MalformedDataException};
 * under {@link BadRecordPolicy#SKIP} {@link #check} returns null and the row is counted.
 * Representation problems that only the caller can see (a null element, a sparse index outside the
 * vector) go through {@link #reject}, so they follow the same policy.
 */
public final class ColumnarRecords {
    private final LabelSpec labels;
    private final BadRecordPolicy policy;
    private final String featuresColumn;
    private final String labelColumn;
    private final int numFeatures;
    private final String numFeaturesOrigin;
    private final EnumMap<BadRecordReason, Long> skipped = new EnumMap<>(BadRecordReason.class);

    /** One good row: float32 features and the class id or regression target. */
    public static final class Record implements Serializable {
        private static final long serialVersionUID = 1L;

        private float[] features;
        private int label;
        private float target;

        private Record() {}  // Kryo

        public float[] features() { return features; }

        /** The class id (classification). */
        public int label() { return label; }

        /** The target (regression). */
        public float target() { return target; }
    }

    /**
     * @param labels            {@link LabelSpec#classIds(int)}, {@link LabelSpec#classIds()} or
     *                          {@link LabelSpec#regression()}
     * @param numFeatures       the length every row must have
     * @param numFeaturesOrigin where that length comes from, completing "expected 64 ...":
     *                          {@code "(num_features)"}, {@code "as in the first row (x.parquet row 0)"}
     */
    public ColumnarRecords(LabelSpec labels, BadRecordPolicy policy, String featuresColumn, String labelColumn,
                           int numFeatures, String numFeaturesOrigin) {
        if (labels.kind() != LabelSpec.Kind.CLASS_IDS && labels.kind() != LabelSpec.Kind.REGRESSION) {
            throw new IllegalArgumentException("columnar labels are class ids or regression targets, not " + labels);
        }
        if (numFeatures < 1) {
            throw new IllegalArgumentException("numFeatures must be >= 1, got " + numFeatures);
        }
        this.labels = labels;
        this.policy = policy;
        this.featuresColumn = featuresColumn;
        this.labelColumn = labelColumn;
        this.numFeatures = numFeatures;
        this.numFeaturesOrigin = numFeaturesOrigin;
    }

    /**
     * Checks one row.
     *
     * @param features its feature values (dense), or null when the cell is null
     * @param label    its label: an {@link Integer}, {@link Long}, {@link Double} ..., or null
     * @return the record, or null when the row is bad and skipped
     */
    public Record check(String source, long row, double[] features, Number label) throws MalformedDataException {
        if (features == null) {
            return reject(source, row, BadRecordReason.NOT_A_NUMBER, "column '" + featuresColumn
                    + "' is null; expected " + numFeatures + " numbers");
        }
        if (features.length != numFeatures) {
            return wrongLength(source, row, features.length);
        }
        float[] x = new float[numFeatures];
        for (int j = 0; j < numFeatures; j++) {
            double v = features[j];
            float f = (float) v;
            if (!Double.isFinite(v) || Float.isInfinite(f)) {
                return reject(source, row, BadRecordReason.NOT_FINITE, "column '" + featuresColumn + "' element " + j
                        + " is " + v + (Double.isFinite(v) ? ", outside the float32 range (|x| <= 3.4e38);"
                        + " expected a finite float32 value" : ", not finite; expected a finite number"));
            }
            x[j] = f;
        }
        Record r = new Record();
        r.features = x;
        return labels.kind() == LabelSpec.Kind.REGRESSION ? target(source, row, label, r) : classId(source, row, label, r);
    }

    /** Rejects a row for a problem the caller found: throws under FAIL, else counts it and returns null. */
    public Record reject(String source, long row, BadRecordReason reason, String what) throws MalformedDataException {
        String message = source + " row " + row + ": " + what;
        if (policy == BadRecordPolicy.FAIL) {
            throw new MalformedDataException(source, row, reason, message);
        }
        skipped.merge(reason, 1L, Long::sum);
        return null;
    }

    /** Rejects a row of {@code length} features, not {@link #numFeatures()} (for a caller that sees the length first). */
    public Record wrongLength(String source, long row, long length) throws MalformedDataException {
        return reject(source, row, BadRecordReason.WRONG_FIELD_COUNT, "column '" + featuresColumn + "' has "
                + length + " values, expected " + numFeatures + " " + numFeaturesOrigin);
    }

    /** The length every row must have. */
    public int numFeatures() {
        return numFeatures;
    }

    /** Rows rejected so far (under SKIP). */
    public long skipped() {
        return skipped.values().stream().mapToLong(Long::longValue).sum();
    }

    private Record classId(String source, long row, Number label, Record r) throws MalformedDataException {
        String what = "label column '" + labelColumn + "' is ";
        if (label == null) {
            return reject(source, row, BadRecordReason.NOT_A_NUMBER, what + "null; expected an integer class id");
        }
        long id;
        if (isIntegral(label)) {
            id = label.longValue();
        } else {
            double v = label.doubleValue();
            if (!Double.isFinite(v)) {
                return reject(source, row, BadRecordReason.NOT_FINITE, what + label
                        + ", not finite; expected an integer class id");
            }
            if (v != Math.rint(v)) {
                return reject(source, row, BadRecordReason.NOT_A_CLASS_ID, what + label
                        + ", not an integer; expected an integer class id");
            }
            id = (long) v;  // saturates beyond the long range, which is out of range below
        }
        int k = labels.numClasses();
        if (id < 0 || (k > 0 && id >= k) || id > Integer.MAX_VALUE - 1) {
            return reject(source, row, BadRecordReason.LABEL_OUT_OF_RANGE, what + label + ", out of range; "
                    + (k > 0 ? "expected a class id in 0.." + (k - 1) + " (" + k + " classes)"
                    : "expected a class id >= 0"));
        }
        r.label = (int) id;
        return r;
    }

    private Record target(String source, long row, Number label, Record r) throws MalformedDataException {
        String what = "label column '" + labelColumn + "' is ";
        if (label == null) {
            return reject(source, row, BadRecordReason.NOT_A_NUMBER, what + "null; expected a finite number");
        }
        double v = label.doubleValue();
        float t = (float) v;
        if (!Double.isFinite(v) || Float.isInfinite(t)) {
            return reject(source, row, BadRecordReason.NOT_FINITE, what + label + (Double.isFinite(v)
                    ? ", outside the float32 range (|x| <= 3.4e38); expected a finite float32 value"
                    : ", not finite; expected a finite number"));
        }
        r.target = t;
        return r;
    }

    private static boolean isIntegral(Number n) {
        return n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte;
    }
}
