package io.treegrad.driver.store;

import io.treegrad.io.Json;
import io.treegrad.io.ModelFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A trained model's output directory on any Hadoop file system:
 * <pre>
 * dir/model.safetensors   the {@link ModelFile}: parameters, spec, scaler, config and provenance
 * dir/config.yaml         the resolved config, as text (a copy of the file's treegrad.config)
 * dir/provenance.json     {"key": "value", ...} (a copy of the file's provenance.* metadata)
 * </pre>
 * Each file is replaced atomically ({@link AtomicFiles}); the model file goes first and is the
 * authority (it carries the config and provenance itself); the other two are for people and
 * tools that do not read safetensors headers. A crash between the writes can leave the side files
 * of the previous model next to the new one, never a partial file.
 */
public final class ModelStore {
    public static final String MODEL = "model.safetensors";
    public static final String CONFIG = "config.yaml";
    public static final String PROVENANCE = "provenance.json";

    private final FileSystem fs;
    private final Path dir;

    public ModelStore(FileSystem fs, Path dir) {
        this.fs = Objects.requireNonNull(fs, "fs");
        this.dir = fs.makeQualified(Objects.requireNonNull(dir, "dir"));
    }

    public Path dir() {
        return dir;
    }

    public Path modelPath() {
        return new Path(dir, MODEL);
    }

    /** Writes the three files, each atomically, model first. */
    public void save(ModelFile model) throws IOException {
        AtomicFiles.write(fs, modelPath(), model::write);
        byte[] config = model.config().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(fs, new Path(dir, CONFIG), out -> out.write(config));
        byte[] provenance = provenanceJson(model.provenance()).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(fs, new Path(dir, PROVENANCE), out -> out.write(provenance));
    }

    /** Reads {@code model.safetensors}; errors name it. */
    public ModelFile load() throws IOException {
        Path p = modelPath();
        FSDataInputStream in;
        try {
            in = fs.open(p);
        } catch (FileNotFoundException e) {
            String expected = "; expected the model directory a train run writes (<output.dir>/model), with " + MODEL
                    + " in it";
            if (fs.exists(dir) && fs.getFileStatus(dir).isFile()) {
                throw new FileNotFoundException(dir + ": is a file, not a model directory" + expected);
            }
            throw new FileNotFoundException(p + ": no such file" + expected);
        }
        try (in) {
            return ModelFile.read(in, p.toString());
        }
    }

    /** One key per line, in the map's order. */
    static String provenanceJson(Map<String, String> provenance) {
        StringBuilder sb = new StringBuilder("{");
        String sep = "\n";
        for (Map.Entry<String, String> e : provenance.entrySet()) {
            sb.append(sep).append("  ").append(Json.write(e.getKey())).append(": ").append(Json.write(e.getValue()));
            sep = ",\n";
        }
        return sb.append(provenance.isEmpty() ? "}\n" : "\n}\n").toString();
    }
}
