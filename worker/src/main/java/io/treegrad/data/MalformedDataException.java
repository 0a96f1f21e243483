package io.treegrad.data;

import java.io.IOException;

/**
 * Input that cannot be read as the promised format. The message names the source, the line or
 * record, what was found and what was expected, e.g.
 * {@code iris.csv line 7: field 3 is "abc", not a number; expected a decimal number such as 1.5}.
 */
public final class MalformedDataException extends IOException {
    private final String source;
    private final long line;
    private final BadRecordReason reason;

    /**
     * @param line   the 1-based line (text formats) or 0-based record index (binary and columnar
     *               formats) the problem is at, or -1 when it concerns the whole file
     * @param reason why the record is bad, or null for a file-level problem (empty, truncated,
     *               wrong header) that no policy can skip
     */
    MalformedDataException(String source, long line, BadRecordReason reason, String message) {
        super(message);
        this.source = source;
        this.line = line;
        this.reason = reason;
    }

    /** A problem with {@code source} as a whole (empty, wrong schema, no usable records): no policy skips it. */
    public static MalformedDataException fileLevel(String source, String message) {
        return new MalformedDataException(source, -1, null, source + ": " + message);
    }

    public String source() { return source; }

    /** The line (text formats, 1-based) or record (binary and columnar formats, 0-based); -1 for the file. */
    public long line() { return line; }

    /** Why the record is bad; null for a problem with the file as a whole. */
    public BadRecordReason reason() { return reason; }
}
