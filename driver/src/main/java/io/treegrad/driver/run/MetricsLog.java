package io.treegrad.driver.run;

import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code metrics.jsonl} in the run's output directory: one JSON object per line, flushed (hflush)
 * after each, so a crash loses at most the line being written. Values are numbers or strings.
 */
public final class MetricsLog implements Closeable {
    private final FSDataOutputStream out;

    /**
     * Starts the log; a resumed run ({@code resumeStep >= 0}) keeps the lines up to that step and
     * drops what an interrupted run wrote past its last checkpoint. (The file is rewritten, not
     * appended to: not every Hadoop FileSystem supports append.)
     */
    public MetricsLog(FileSystem fs, Path file, long resumeStep) throws IOException {
        java.util.List<String> kept = new java.util.ArrayList<>();
        if (resumeStep >= 0 && fs.exists(file)) {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    java.util.regex.Matcher m = STEP.matcher(line);
                    if (m.find() && Long.parseLong(m.group(1)) <= resumeStep) {
                        kept.add(line);
                    }
                }
            }
        }
        out = fs.create(file, true);
        for (String line : kept) {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        out.hflush();
    }

    private static final java.util.regex.Pattern STEP = java.util.regex.Pattern.compile("^\\{\"step\": (\\d+)");

    public void write(Map<String, ?> record) throws IOException {
        out.write((json(record) + "\n").getBytes(StandardCharsets.UTF_8));
        out.hflush();
    }

    /** A flat JSON object (numbers, strings, booleans, nested maps). */
    public static String json(Map<String, ?> record) {
        StringBuilder s = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, ?> e : record.entrySet()) {
            if (!first) {
                s.append(", ");
            }
            first = false;
            s.append('"').append(escape(e.getKey())).append("\": ").append(value(e.getValue()));
        }
        return s.append('}').toString();
    }

    @SuppressWarnings("unchecked")
    private static String value(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map<?, ?> m) {
            return json((Map<String, ?>) m);
        }
        if (v instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.6g", d);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        return '"' + escape(v.toString()) + '"';
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
