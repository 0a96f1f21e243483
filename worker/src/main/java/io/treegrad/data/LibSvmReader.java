package io.treegrad.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.Arrays;

/**
 * LibSVM / SVMlight sparse text, plain or gzip: {@code label index:value index:value ...} a line,
 * indices 1-based and strictly increasing, absent features 0. Densified into a {@link Dataset}
 * of {@code numFeatures} columns (feature {@code i} in column {@code i-1}): the count given, or
 * the largest index seen.
 *
 * <p>Labels default to {@link LabelSpec#mapped()}: {@code -1}/{@code +1} become classes 0 and 1
 * with {@link Dataset#classNames()} {@code ["-1", "1"]}. A {@code #} starts a comment to the end
 * of the line.
 */
public final class LibSvmReader extends LineReader {
    private final int numFeatures;
    private final LabelSpec labels;
    private final BadRecordPolicy policy;

    private LibSvmReader(Builder b) {
        this.numFeatures = b.numFeatures;
        this.labels = b.labels;
        this.policy = b.policy;
    }

    public static Builder builder() { return new Builder(); }

    public static final class Builder {
        private int numFeatures;
        private LabelSpec labels = LabelSpec.mapped();
        private BadRecordPolicy policy = BadRecordPolicy.FAIL;

        private Builder() {}

        /**
         * The feature count; an index above it is a bad record. Give it for a test set, whose
         * largest index may be below the training set's. Default: inferred as the largest index.
         */
        public Builder numFeatures(int d) {
            if (d < 1) {
                throw new IllegalArgumentException("numFeatures must be >= 1, got " + d);
            }
            this.numFeatures = d;
            return this;
        }

        public Builder labels(LabelSpec spec) {
            if (spec.kind() == LabelSpec.Kind.NONE) {
                throw new IllegalArgumentException("every LibSVM line starts with a label; "
                        + "read it as mapped(), classIds() or regression()");
            }
            this.labels = spec;
            return this;
        }

        public Builder policy(BadRecordPolicy p) {
            this.policy = p;
            return this;
        }

        public LibSvmReader build() { return new LibSvmReader(this); }
    }

    @Override
    ReadResult parse(BufferedReader reader, String source) throws IOException {
        BadRecords bad = new BadRecords(source, policy, "line");
        LabelSink sink = new LabelSink(labels);
        // CSR: the pairs of record r are at rowStart[r] .. rowStart[r+1]-1
        int[] rowStart = new int[1025];
        int[] index = new int[1 << 14];
        float[] value = new float[1 << 14];
        int n = 0;
        int nnz = 0;
        int maxIndex = 0;
        int[] rowIndex = new int[64];
        float[] rowValue = new float[64];
        long lineNo = 0;
        long blank = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            int hash = line.indexOf('#');
            String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (text.isEmpty()) {
                blank++;
                continue;
            }
            String[] tokens = text.split("[ \\t]+");
            if (tokens.length - 1 > rowIndex.length) {
                rowIndex = new int[tokens.length - 1];
                rowValue = new float[tokens.length - 1];
            }
            int pairs = parseRecord(tokens, sink, rowIndex, rowValue, bad, lineNo);
            if (pairs < 0) {
                continue;
            }
            if (n + 2 > rowStart.length) {
                rowStart = Arrays.copyOf(rowStart, rowStart.length * 2);
            }
            if (nnz + pairs > index.length) {
                int size = Math.max(nnz + pairs, index.length * 2);
                index = Arrays.copyOf(index, size);
                value = Arrays.copyOf(value, size);
            }
            System.arraycopy(rowIndex, 0, index, nnz, pairs);
            System.arraycopy(rowValue, 0, value, nnz, pairs);
            nnz += pairs;
            if (pairs > 0) {
                maxIndex = Math.max(maxIndex, rowIndex[pairs - 1]);
            }
            sink.commit();
            n++;
            rowStart[n] = nnz;
        }
        if (n == 0) {
            throw bad.noRecords(lineNo == 0 ? "empty file; expected LibSVM records 'label index:value ...'"
                    : "no records, only blank or comment lines", blank);
        }
        int d = numFeatures > 0 ? numFeatures : maxIndex;
        if (d == 0) {
            throw MalformedDataException.fileLevel(source, "no record has any feature, so the feature "
                    + "count cannot be inferred; give it with numFeatures(d)");
        }
        if ((long) n * d > Integer.MAX_VALUE - 8) {
            throw MalformedDataException.fileLevel(source, n + " records x " + d
                    + " features do not fit one dense float[]; split the input");
        }
        float[] x = new float[n * d];
        for (int r = 0; r < n; r++) {
            for (int k = rowStart[r]; k < rowStart[r + 1]; k++) {
                x[r * d + index[k] - 1] = value[k];
            }
        }
        return new ReadResult(sink.build(x, n, d), bad.report(n, blank));
    }

    /** Parses one line's label and pairs; the number of pairs, or -1 if the record was rejected. */
    private int parseRecord(String[] tokens, LabelSink sink, int[] rowIndex, float[] rowValue,
                            BadRecords bad, long lineNo) throws MalformedDataException {
        try {
            if (labels.kind() == LabelSpec.Kind.MAPPED) {
                Tokens.parseFloat(tokens[0]);  // LibSVM labels are numbers even when mapped
            }
            sink.parse(tokens[0]);
        } catch (Tokens.BadToken e) {
            bad.reject(lineNo, e.reason, "label " + e.detail);
            return -1;
        }
        int previous = 0;
        for (int t = 1; t < tokens.length; t++) {
            String pair = tokens[t];
            int colon = pair.indexOf(':');
            if (colon < 0) {
                bad.reject(lineNo, BadRecordReason.MALFORMED_PAIR, "token " + (t + 1) + " is "
                        + Tokens.quote(pair) + "; expected index:value such as 7:0.5");
                return -1;
            }
            long idx = Tokens.parseIndex(pair.substring(0, colon));
            String where = " in " + Tokens.quote(pair);
            if (idx < 0) {
                bad.reject(lineNo, BadRecordReason.BAD_FEATURE_INDEX, "feature index "
                        + Tokens.quote(pair.substring(0, colon)) + where + " is not an index; expected an integer >= 1");
                return -1;
            }
            if (idx < 1) {
                bad.reject(lineNo, BadRecordReason.BAD_FEATURE_INDEX, "feature index " + idx + where
                        + "; indices are 1-based, expected >= 1");
                return -1;
            }
            if (idx <= previous) {
                bad.reject(lineNo, BadRecordReason.BAD_FEATURE_INDEX, "feature index " + idx + where
                        + " after index " + previous + "; expected strictly increasing indices");
                return -1;
            }
            if (numFeatures > 0 && idx > numFeatures) {
                bad.reject(lineNo, BadRecordReason.BAD_FEATURE_INDEX, "feature index " + idx + where
                        + " exceeds the " + numFeatures + " features given; expected 1.." + numFeatures);
                return -1;
            }
            if (idx > Integer.MAX_VALUE - 8) {
                bad.reject(lineNo, BadRecordReason.BAD_FEATURE_INDEX, "feature index " + idx + where
                        + " is too large for a dense row");
                return -1;
            }
            try {
                rowValue[t - 1] = Tokens.parseFloat(pair.substring(colon + 1));
            } catch (Tokens.BadToken e) {
                bad.reject(lineNo, e.reason, "value of feature " + idx + where + " " + e.detail);
                return -1;
            }
            rowIndex[t - 1] = (int) idx;
            previous = (int) idx;
        }
        return tokens.length - 1;
    }
}
