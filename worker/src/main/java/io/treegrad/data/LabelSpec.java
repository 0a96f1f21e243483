package io.treegrad.data;

/**
 * How a text reader interprets the label field of a record.
 *
 * <ul>
 *   <li>{@link #classIds(int)}: integer class ids {@code 0..k-1} ({@code 3}, {@code 3.0});
 *       any other id is a {@link BadRecordReason#LABEL_OUT_OF_RANGE} record.</li>
 *   <li>{@link #classIds()}: integer class ids {@code >= 0}, the class count inferred as the
 *       largest id + 1.</li>
 *   <li>{@link #mapped()}: any distinct labels ({@code -1}/{@code +1}, {@code 1..7}, or text),
 *       mapped to {@code 0..k-1} in sorted order: numeric order when every label is a number
 *       (then {@code 1}, {@code +1} and {@code 1.0} are one class), else string order. The
 *       mapping is kept as {@link Dataset#classNames()}.</li>
 *   <li>{@link #regression()}: a finite float target.</li>
 *   <li>{@link #none()}: no label field; every field is a feature.</li>
 * </ul>
 */
public final class LabelSpec {
    /** The interpretations above. */
    public enum Kind { CLASS_IDS, MAPPED, REGRESSION, NONE }

    private final Kind kind;
    private final int numClasses;

    private LabelSpec(Kind kind, int numClasses) {
        this.kind = kind;
        this.numClasses = numClasses;
    }

    public static LabelSpec classIds(int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        return new LabelSpec(Kind.CLASS_IDS, numClasses);
    }

    public static LabelSpec classIds() { return new LabelSpec(Kind.CLASS_IDS, 0); }

    public static LabelSpec mapped() { return new LabelSpec(Kind.MAPPED, 0); }

    public static LabelSpec regression() { return new LabelSpec(Kind.REGRESSION, 0); }

    public static LabelSpec none() { return new LabelSpec(Kind.NONE, 0); }

    public Kind kind() { return kind; }

    /** The declared class count of {@link #classIds(int)}; 0 when inferred or not classes. */
    public int numClasses() { return numClasses; }

    @Override public String toString() {
        return kind == Kind.CLASS_IDS && numClasses > 0 ? "classIds(" + numClasses + ")"
                : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
