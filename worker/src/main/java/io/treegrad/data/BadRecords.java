package io.treegrad.data;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;

/** A reader's bad-record bookkeeping: throws under FAIL, counts under SKIP. */
final class BadRecords {
    private final String source;
    private final BadRecordPolicy policy;
    private final String unit;
    private final EnumMap<BadRecordReason, Long> counts = new EnumMap<>(BadRecordReason.class);
    private final List<String> examples = new ArrayList<>();

    /** @param unit how a position is named in messages: "line" or "record" */
    BadRecords(String source, BadRecordPolicy policy, String unit) {
        this.source = source;
        this.policy = policy;
        this.unit = unit;
    }

    /** Records a bad record at {@code position}: throws under FAIL, else counts it. */
    void reject(long position, BadRecordReason reason, String what) throws MalformedDataException {
        String message = source + " " + unit + " " + position + ": " + what;
        if (policy == BadRecordPolicy.FAIL) {
            throw new MalformedDataException(source, position, reason, message);
        }
        counts.merge(reason, 1L, Long::sum);
        if (examples.size() < ReadReport.MAX_EXAMPLES) {
            examples.add(message);
        }
    }

    long skipped() {
        long total = 0;
        for (long c : counts.values()) {
            total += c;
        }
        return total;
    }

    ReadReport report(long kept, long blankLines) {
        return new ReadReport(source, kept, counts, examples, blankLines);
    }

    /** The error for an input with no usable record: empty, or every record skipped. */
    MalformedDataException noRecords(String emptyWhat, long blankLines) {
        long skipped = skipped();
        if (skipped == 0) {
            return MalformedDataException.fileLevel(source, emptyWhat);
        }
        return MalformedDataException.fileLevel(source, "no usable records: all " + skipped
                + " were bad and skipped (" + report(0, blankLines) + "); first: " + examples.get(0));
    }
}
