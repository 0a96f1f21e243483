package io.treegrad.data;

/** Why a record was rejected; the key of the skip counts in a {@link ReadReport}. */
public enum BadRecordReason {
    /** A CSV line with more or fewer fields than the header or the first record. */
    WRONG_FIELD_COUNT("wrong field count"),
    /** A token that is not a decimal number ({@code "abc"}, {@code "1,5"}, {@code ""}). */
    NOT_A_NUMBER("not a number"),
    /** NaN, infinity, or a number outside the float32 range. */
    NOT_FINITE("not finite"),
    /** A class label that is a number but not an integer ({@code 2.5}). */
    NOT_A_CLASS_ID("label not an integer class id"),
    /** A class label below 0 or at least the number of classes. */
    LABEL_OUT_OF_RANGE("label out of range"),
    /** LibSVM: an index below 1, not above the previous one, or above the feature count. */
    BAD_FEATURE_INDEX("bad feature index"),
    /** LibSVM: a feature token that is not {@code index:value}. */
    MALFORMED_PAIR("malformed index:value pair");

    private final String description;

    BadRecordReason(String description) { this.description = description; }

    public String description() { return description; }
}
