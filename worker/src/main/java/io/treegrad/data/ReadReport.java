package io.treegrad.data;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a reader did with its input: records kept, records skipped by reason (under
 * {@link BadRecordPolicy#SKIP}) with the first few messages, blank lines ignored.
 */
public final class ReadReport {
    /** How many skip messages are kept as examples. */
    public static final int MAX_EXAMPLES = 5;

    private final String source;
    private final long recordsKept;
    private final Map<BadRecordReason, Long> skipped;
    private final List<String> examples;
    private final long blankLines;

    ReadReport(String source, long recordsKept, EnumMap<BadRecordReason, Long> skipped,
               List<String> examples, long blankLines) {
        this.source = source;
        this.recordsKept = recordsKept;
        this.skipped = Collections.unmodifiableMap(new EnumMap<>(skipped));
        this.examples = List.copyOf(examples);
        this.blankLines = blankLines;
    }

    public String source() { return source; }

    /** Records in the dataset. */
    public long recordsKept() { return recordsKept; }

    /** Records dropped, all reasons together. */
    public long skipped() {
        long total = 0;
        for (long c : skipped.values()) {
            total += c;
        }
        return total;
    }

    public long skipped(BadRecordReason reason) { return skipped.getOrDefault(reason, 0L); }

    /** Skip counts by reason; reasons that never occurred are absent. */
    public Map<BadRecordReason, Long> skippedByReason() { return skipped; }

    /** The messages of the first {@value #MAX_EXAMPLES} skipped records, in input order. */
    public List<String> examples() { return examples; }

    /** Lines of a text format that hold no record (empty, whitespace, LibSVM comment-only): ignored. */
    public long blankLinesIgnored() { return blankLines; }

    /** {@code heart.svm: 268 records kept, 2 skipped (1 not a number, 1 bad feature index)}. */
    @Override public String toString() {
        StringBuilder s = new StringBuilder(source).append(": ").append(recordsKept).append(" records kept");
        long total = skipped();
        if (total > 0) {
            s.append(", ").append(total).append(" skipped (");
            String sep = "";
            for (Map.Entry<BadRecordReason, Long> e : skipped.entrySet()) {
                s.append(sep).append(e.getValue()).append(' ').append(e.getKey().description());
                sep = ", ";
            }
            s.append(')');
        }
        if (blankLines > 0) {
            s.append(", ").append(blankLines).append(" blank lines ignored");
        }
        return s.toString();
    }
}
