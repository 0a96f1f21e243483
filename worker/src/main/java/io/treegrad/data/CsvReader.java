package io.treegrad.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Delimited text (CSV, TSV, whitespace-separated), plain or gzip, into a {@link Dataset}: one
 * record a line, one label column (by index or header name) read under a {@link LabelSpec}, every
 * other column a float feature.
 *
 * <pre>{@code
 * // sklearn's digits.csv.gz: no header, 64 pixels then the class id
 * Dataset digits = CsvReader.builder().labels(LabelSpec.classIds(10)).build()
 *         .read(Path.of("data/digits/digits.csv.gz")).dataset();
 * }</pre>
 *
 * <p>Fields are trimmed, and a field in double quotes loses them ({@code "1.5"} is 1.5); quoted
 * fields may not contain the delimiter. Every record must have the field count of the header, or
 * of the first record when there is none. Empty and whitespace-only lines hold no record and are
 * counted in {@link ReadReport#blankLinesIgnored()}. Line numbers in messages are 1-based and
 * count every line of the input, skipped ones included.
 */
public final class CsvReader extends LineReader {
    private final char delimiter;
    private final boolean whitespace;
    private final boolean header;
    private final int skipLines;
    private final int labelIndex;
    private final String labelName;
    private final LabelSpec labels;
    private final BadRecordPolicy policy;

    private CsvReader(Builder b) {
        this.delimiter = b.delimiter;
        this.whitespace = b.whitespace;
        this.header = b.header;
        this.skipLines = b.skipLines;
        this.labelIndex = b.labelIndex;
        this.labelName = b.labelName;
        this.labels = b.labels;
        this.policy = b.policy;
    }

    public static Builder builder() { return new Builder(); }

    /** Settings; the defaults read {@code a,b,c,label} with integer class ids in the last column. */
    public static final class Builder {
        private char delimiter = ',';
        private boolean whitespace;
        private boolean header;
        private int skipLines;
        private int labelIndex = -1;
        private String labelName;
        private LabelSpec labels = LabelSpec.classIds();
        private BadRecordPolicy policy = BadRecordPolicy.FAIL;

        private Builder() {}

        public Builder delimiter(char c) {
            if (c == '"' || c == '\n' || c == '\r') {
                throw new IllegalArgumentException("delimiter cannot be " + Tokens.quote(String.valueOf(c)));
            }
            this.delimiter = c;
            this.whitespace = false;
            return this;
        }

        /** Fields separated by runs of spaces and tabs (sklearn's diabetes files). */
        public Builder whitespaceDelimited() {
            this.whitespace = true;
            return this;
        }

        /** Whether the first line (after {@link #skipLines}) names the columns. */
        public Builder header(boolean hasHeader) {
            this.header = hasHeader;
            return this;
        }

        /**
         * Lines to ignore before the header or the first record, e.g. 1 for sklearn's CSVs,
         * whose first line is {@code n_samples,n_features,class names...}.
         */
        public Builder skipLines(int lines) {
            if (lines < 0) {
                throw new IllegalArgumentException("skipLines must be >= 0, got " + lines);
            }
            this.skipLines = lines;
            return this;
        }

        /** The label column, 0-based; negative counts from the end (-1, the default: the last). */
        public Builder labelColumn(int index) {
            this.labelIndex = index;
            this.labelName = null;
            return this;
        }

        /** The label column by its header name (needs {@link #header}(true)). */
        public Builder labelColumn(String name) {
            this.labelName = name;
            return this;
        }

        public Builder labels(LabelSpec spec) {
            this.labels = spec;
            return this;
        }

        public Builder policy(BadRecordPolicy p) {
            this.policy = p;
            return this;
        }

        public CsvReader build() {
            if (labelName != null && !header) {
                throw new IllegalArgumentException("labelColumn(\"" + labelName
                        + "\") names a column, which needs header(true)");
            }
            return new CsvReader(this);
        }
    }

    @Override
    ReadResult parse(BufferedReader reader, String source) throws IOException {
        BadRecords bad = new BadRecords(source, policy, "line");
        LabelSink sink = new LabelSink(labels);
        boolean hasLabel = labels.kind() != LabelSpec.Kind.NONE;
        List<String> fields = new ArrayList<>();
        long lineNo = 0;
        long blank = 0;
        String line;
        for (int i = 0; i < skipLines; i++) {
            if (reader.readLine() == null) {
                throw MalformedDataException.fileLevel(source, lineNo == 0
                        ? "empty file; expected delimited records"
                        : "no records: the file ends within the " + skipLines + " line(s) to skip");
            }
            lineNo++;
        }

        List<String> names = null;
        long headerLine = 0;
        int numFields = -1;
        int label = -1;
        long referenceLine = 0;
        float[] x = new float[1 << 16];
        int n = 0;
        float[] row = null;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (lineNo == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                line = line.substring(1);  // a UTF-8 byte order mark
            }
            if (line.isBlank()) {
                blank++;
                continue;
            }
            split(line, fields);
            if (header && names == null) {
                names = new ArrayList<>(fields);
                headerLine = lineNo;
                numFields = fields.size();
                label = resolveLabel(names, numFields, source, lineNo);
                referenceLine = lineNo;
                continue;
            }
            if (numFields < 0) {
                numFields = fields.size();
                label = resolveLabel(null, numFields, source, lineNo);
                referenceLine = lineNo;
            }
            if (fields.size() != numFields) {
                bad.reject(lineNo, BadRecordReason.WRONG_FIELD_COUNT, fields.size() + " fields, expected "
                        + numFields + " as in the " + (header ? "header" : "first record") + " on line "
                        + referenceLine + " (delimiter " + describeDelimiter() + ")");
                continue;
            }
            int d = hasLabel ? numFields - 1 : numFields;
            if (row == null) {
                row = new float[d];
            }
            if (parseRecord(fields, label, row, sink, names, bad, lineNo)) {
                if ((long) (n + 1) * d > Integer.MAX_VALUE - 8) {
                    throw MalformedDataException.fileLevel(source, "more than " + n + " records of " + d
                            + " features do not fit one float[]; split the input");
                }
                if ((n + 1) * d > x.length) {
                    x = Arrays.copyOf(x, (int) Math.min(Integer.MAX_VALUE - 8,
                            Math.max((long) (n + 1) * d, (long) x.length * 3 / 2)));
                }
                System.arraycopy(row, 0, x, n * d, d);
                if (hasLabel) {
                    sink.commit();
                }
                n++;
            }
        }
        if (n == 0) {
            String what = lineNo == 0 ? "empty file; expected delimited records"
                    : names != null ? "no records after the header on line " + headerLine
                    : lineNo == skipLines ? "no records after the " + skipLines + " line(s) to skip"
                    : "no records, only blank lines";
            throw bad.noRecords(what, blank);
        }
        int d = hasLabel ? numFields - 1 : numFields;
        Dataset data = sink.build(Arrays.copyOf(x, n * d), n, d);
        return new ReadResult(data, bad.report(n, blank));
    }

    /** Parses one record's fields into {@code row} and the label sink; false if it was rejected. */
    private boolean parseRecord(List<String> fields, int label, float[] row, LabelSink sink,
                                List<String> names, BadRecords bad, long lineNo) throws MalformedDataException {
        int j = 0;
        for (int f = 0; f < fields.size(); f++) {
            String token = fields.get(f);
            try {
                if (f == label) {
                    sink.parse(token);
                } else {
                    row[j++] = Tokens.parseFloat(token);
                }
            } catch (Tokens.BadToken e) {
                String which = (f == label ? "label field " : "field ") + (f + 1)
                        + (names != null ? " ('" + names.get(f) + "')" : "");
                bad.reject(lineNo, e.reason, which + " " + e.detail);
                return false;
            }
        }
        return true;
    }

    private int resolveLabel(List<String> names, int numFields, String source, long lineNo)
            throws MalformedDataException {
        if (labels.kind() == LabelSpec.Kind.NONE) {
            return -1;
        }
        if (labelName != null) {
            int at = names.indexOf(labelName);
            if (at < 0) {
                throw MalformedDataException.fileLevel(source, "no column named '" + labelName
                        + "' in the header on line " + lineNo + "; columns: " + String.join(", ", names));
            }
            return at;
        }
        int at = labelIndex < 0 ? numFields + labelIndex : labelIndex;
        if (at < 0 || at >= numFields) {
            throw MalformedDataException.fileLevel(source, "label column " + labelIndex + " does not exist: line "
                    + lineNo + " has " + numFields + " fields (delimiter " + describeDelimiter() + ")");
        }
        return at;
    }

    private void split(String line, List<String> out) {
        out.clear();
        int n = line.length();
        if (whitespace) {
            int i = 0;
            while (i < n) {
                while (i < n && isSpace(line.charAt(i))) {
                    i++;
                }
                int start = i;
                while (i < n && !isSpace(line.charAt(i))) {
                    i++;
                }
                if (i > start) {
                    out.add(unquote(line.substring(start, i)));
                }
            }
            return;
        }
        int start = 0;
        while (true) {
            int end = line.indexOf(delimiter, start);
            if (end < 0) {
                out.add(unquote(line.substring(start).strip()));
                return;
            }
            out.add(unquote(line.substring(start, end).strip()));
            start = end + 1;
        }
    }

    private static boolean isSpace(char c) { return c == ' ' || c == '\t'; }

    private static String unquote(String s) {
        return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"'
                ? s.substring(1, s.length() - 1) : s;
    }

    private String describeDelimiter() {
        if (whitespace) {
            return "spaces/tabs";
        }
        return delimiter == '\t' ? "'\\t'" : "'" + delimiter + "'";
    }
}
