package io.treegrad.driver.store;

import io.treegrad.io.Json;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The small text files a run and a registry keep beside the model ({@code summary.json},
 * {@code provenance.json}, {@code config.yaml}), read whole from any Hadoop file system, with a
 * size cap so that a wrong path to a huge file fails at once instead of filling the heap.
 */
public final class SmallFiles {
    public static final long MAX_BYTES = 1 << 20;

    private SmallFiles() {}

    /** The file's text; empty when it does not exist. */
    public static Optional<String> readText(FileSystem fs, Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IOException(p + ": larger than " + MAX_BYTES + " bytes; expected a small text file");
            }
            return Optional.of(new String(bytes, StandardCharsets.UTF_8));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * A JSON object file's entries in file order; empty when the file does not exist.
     *
     * @throws IOException naming the file when it is not a JSON object
     */
    public static Optional<Map<String, Object>> readJsonObject(FileSystem fs, Path p) throws IOException {
        Optional<String> text = readText(fs, p);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Object parsed;
        try {
            parsed = Json.parse(text.get());
        } catch (IllegalArgumentException e) {
            throw new IOException(p + ": not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new IOException(p + ": expected a JSON object");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), v));
        return Optional.of(out);
    }
}
