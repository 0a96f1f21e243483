package io.treegrad.data;

/** What a reader does with a record it cannot turn into finite numbers and a valid label. */
public enum BadRecordPolicy {
    /** Stop at the first bad record with a {@link MalformedDataException} (the default). */
    FAIL,
    /** Drop the record, count it by {@link BadRecordReason} in the {@link ReadReport}, go on. */
    SKIP
}
