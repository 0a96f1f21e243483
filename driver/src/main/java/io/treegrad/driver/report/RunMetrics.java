package io.treegrad.driver.report;

import io.treegrad.driver.store.AtomicFiles;
import io.treegrad.io.Json;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's {@code metrics.jsonl} ({@link io.treegrad.driver.run.MetricsLog}), read back for the
 * report: one JSON object per logged step, steps strictly increasing. Every line is checked; the
 * first bad one fails the read, naming the file and the line.
 */
final class RunMetrics {
    /** Keys every line must carry, as numbers. */
    private static final List<String> REQUIRED = List.of("step", "train_loss", "samples_per_sec");

    private final List<Map<String, Object>> lines;

    private RunMetrics(List<Map<String, Object>> lines) {
        this.lines = Collections.unmodifiableList(lines);
    }

    static RunMetrics read(FileSystem fs, Path file) throws IOException {
        BufferedReader in;
        try {
            // every line is checked below; a .crc left beside an edited file would only say "checksum error"
            in = new BufferedReader(new InputStreamReader(AtomicFiles.storage(fs).open(file), StandardCharsets.UTF_8));
        } catch (FileNotFoundException e) {
            throw new FileNotFoundException(file + ": no such file; expected the output.dir of a train run, with"
                    + " metrics.jsonl in it");
        }
        List<Map<String, Object>> lines = new ArrayList<>();
        try (in) {
            long previous = Long.MIN_VALUE;
            int number = 0;
            for (String text = in.readLine(); text != null; text = in.readLine()) {
                number++;
                Map<String, Object> line = parse(text, file, number);
                long step = ((Number) line.get("step")).longValue();
                if (step <= previous) {
                    throw bad(file, number, "step " + step + " is not after the previous line's step " + previous
                            + "; expected increasing steps");
                }
                previous = step;
                lines.add(line);
            }
        }
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(file + ": empty; expected one JSON object per logged step");
        }
        return new RunMetrics(lines);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String text, Path file, int number) {
        Object value;
        try {
            value = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw bad(file, number, "not valid JSON: " + e.getMessage());
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw bad(file, number, "expected a JSON object, got " + (value == null ? "null" : value.getClass()
                    .getSimpleName()));
        }
        for (String key : REQUIRED) {
            if (!(map.get(key) instanceof Number)) {
                throw bad(file, number, map.containsKey(key) ? "\"" + key + "\" is not a number"
                        : "no \"" + key + "\"; expected the keys a train run logs (" + String.join(", ", REQUIRED)
                        + ", ...)");
            }
        }
        if (!(map.get("step") instanceof Long)) {
            throw bad(file, number, "\"step\" is not a whole number");
        }
        return (Map<String, Object>) map;
    }

    private static IllegalArgumentException bad(Path file, int line, String what) {
        return new IllegalArgumentException(file + " line " + line + ": " + what);
    }

    List<Map<String, Object>> lines() {
        return lines;
    }

    Map<String, Object> last() {
        return lines.get(lines.size() - 1);
    }

    double[] steps() {
        double[] s = new double[lines.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = ((Number) lines.get(i).get("step")).doubleValue();
        }
        return s;
    }

    /** Whether any line has {@code key}. */
    boolean has(String key) {
        return lines.stream().anyMatch(l -> l.get(key) instanceof Number);
    }

    /** {@code key} per line; NaN where a line does not have it (e.g. test metrics between evaluations). */
    double[] series(String key) {
        double[] s = new double[lines.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = lines.get(i).get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        return s;
    }

    /** {@code key.sub} (a nested object such as {@code step_ms.compute}) per line; NaN where missing. */
    double[] series(String key, String sub) {
        double[] s = new double[lines.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = lines.get(i).get(key) instanceof Map<?, ?> m && m.get(sub) instanceof Number n
                    ? n.doubleValue() : Double.NaN;
        }
        return s;
    }

    /** Whether any line has {@code key.sub}. */
    boolean has(String key, String sub) {
        for (double v : series(key, sub)) {
            if (!Double.isNaN(v)) {
                return true;
            }
        }
        return false;
    }
}
