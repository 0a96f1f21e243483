package io.treegrad.driver.store;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Named, numbered models on any Hadoop file system:
 * <pre>
 * root/NAME/versions/1/   model.safetensors, config.yaml, provenance.json (a {@link ModelStore}
 *                         directory), summary.json and metrics.jsonl of the run, when it had them
 * root/NAME/versions/2/
 * root/NAME/current       "2\n": the version in use, replaced atomically ({@link AtomicFiles})
 * root/NAME/history       "1\n...": the versions current held before, oldest first
 * </pre>
 * {@link #register} copies a run into a hidden temporary directory, checks the model's checksum by
 * loading the copy, and only then renames the directory to {@code versions/<n>}: a version that is
 * listed is complete. Registering never changes {@code current}; {@link #promote} does, after
 * loading the model, and {@link #rollback} moves it back along {@code history}.
 *
 * <p>Crash safety of the two pointers: promote appends to {@code history} first, then replaces
 * {@code current}; rollback replaces {@code current} first, then drops the history entry. A crash
 * between the two writes leaves a last history entry equal to {@code current}, which rollback
 * passes over. One writer per model name: two concurrent registrations may pick the same number
 * (the second then fails), two concurrent promotions race on the pointer, and {@link #register}
 * deletes the temporary directories it finds (left by a register that was killed).
 */
public final class ModelRegistry {
    public static final String VERSIONS = "versions";
    public static final String CURRENT = "current";
    public static final String HISTORY = "history";
    public static final String SUMMARY = "summary.json";
    public static final String METRICS = "metrics.jsonl";
    /** Letters, digits, '.', '_' and '-'; not starting with '.' (hidden names are our temporaries). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,8}");
    private static final int MAX_POINTER_BYTES = 64;

    private final FileSystem fs;
    private final Path root;

    /** One registered version: its number and directory, and what its files say about it. */
    public record Version(int number, Path dir, Optional<String> created, Map<String, String> provenance,
                          Map<String, Object> summary) {}

    public ModelRegistry(FileSystem fs, Path root) {
        this.fs = Objects.requireNonNull(fs, "fs");
        this.root = fs.makeQualified(Objects.requireNonNull(root, "root"));
    }

    public Path root() {
        return root;
    }

    /** The model names in the registry, sorted. */
    public List<String> models() throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus f : list(root, "registry " + root + " does not exist; expected a directory made by 'models register'")) {
            if (f.isDirectory() && NAME.matcher(f.getPath().getName()).matches()) {
                names.add(f.getPath().getName());
            }
        }
        names.sort(Comparator.naturalOrder());
        return names;
    }

    /**
     * Copies the run's {@code model/} files, {@code summary.json} and {@code metrics.jsonl} into
     * the next version, {@code max + 1} (1 for a new name). Does not promote it.
     *
     * @return the new version number
     * @throws IOException if the run has no readable model (nothing is then left in the registry)
     */
    public int register(String name, Path runOutputDir) throws IOException {
        Path modelDir = new Path(runOutputDir, "model");
        if (!fs.exists(new Path(modelDir, ModelStore.MODEL))) {
            throw new FileNotFoundException(new Path(modelDir, ModelStore.MODEL) + ": no such file; expected a train run's"
                    + " output.dir, with model/" + ModelStore.MODEL + " in it");
        }
        Path versions = new Path(modelDir(name), VERSIONS);
        FileSystem io = AtomicFiles.storage(fs);
        if (io.exists(versions)) {
            for (FileStatus f : io.listStatus(versions)) {
                if (AtomicFiles.isTemp(f.getPath().getName())) {   // left by a register that was killed
                    io.delete(f.getPath(), true);
                }
            }
        }
        List<Version> existing = fs.exists(versions) ? versions(name) : List.of();
        int n = existing.isEmpty() ? 1 : existing.get(existing.size() - 1).number() + 1;
        Path target = new Path(versions, String.valueOf(n));
        Path temp = new Path(versions, ".v" + n + AtomicFiles.TEMP_INFIX + UUID.randomUUID());
        try {
            if (!io.mkdirs(temp)) {
                throw new IOException("could not create " + temp);
            }
            for (FileStatus f : fs.listStatus(modelDir)) {
                if (f.isFile() && !AtomicFiles.isTemp(f.getPath().getName()) && !f.getPath().getName().endsWith(".crc")) {
                    copy(f.getPath(), new Path(temp, f.getPath().getName()), io);
                }
            }
            for (String side : new String[] {SUMMARY, METRICS}) {
                Path p = new Path(runOutputDir, side);
                if (fs.exists(p)) {
                    copy(p, new Path(temp, side), io);
                }
            }
            try {
                new ModelStore(fs, temp).load();
            } catch (IOException | RuntimeException e) {
                throw withDetail(new IOException("not registering " + runOutputDir + " as " + name + " version " + n
                        + ": its model does not load (checked in the copy): " + e.getMessage()), e);
            }
            if (io.exists(target)) {   // a rename onto an existing directory would move temp inside it
                throw new IOException("cannot register " + name + " version " + n + ": " + target
                        + " appeared meanwhile (another writer?); run register again");
            }
            if (!io.rename(temp, target)) {
                throw new IOException("could not rename " + temp + " to " + target);
            }
            return n;
        } catch (IOException | RuntimeException | Error e) {
            AtomicFiles.deleteAfterFailure(io, temp, e);
            throw e;
        }
    }

    /** The complete versions of {@code name}, oldest first (temporary directories ignored). */
    public List<Version> versions(String name) throws IOException {
        Path versions = new Path(requireModel(name), VERSIONS);
        List<Version> out = new ArrayList<>();
        for (FileStatus f : list(versions, versions + " does not exist; expected the versions of model '" + name + "'")) {
            String v = f.getPath().getName();
            if (f.isDirectory() && VERSION.matcher(v).matches()) {
                out.add(describe(Integer.parseInt(v), f.getPath()));
            }
        }
        out.sort(Comparator.comparingInt(Version::number));
        return out;
    }

    /** One version; errors name the model and list the versions there are. */
    public Version version(String name, int number) throws IOException {
        Path dir = versionDir(name, number);
        if (!fs.exists(dir)) {
            throw new FileNotFoundException("model '" + name + "' has no version " + number + " (" + dir
                    + " does not exist); versions: " + numbers(versions(name)));
        }
        return describe(number, dir);
    }

    /** The version {@code current} names; empty before the first promotion. */
    public Optional<Integer> current(String name) throws IOException {
        Path p = new Path(requireModel(name), CURRENT);
        Optional<String> pointer = AtomicFiles.readPointer(fs, p, MAX_POINTER_BYTES);
        if (pointer.isEmpty()) {
            return Optional.empty();
        }
        String text = pointer.get();
        if (text.length() > MAX_POINTER_BYTES || !VERSION.matcher(text).matches()) {
            throw new IOException("model pointer " + p + " is corrupt: it holds '" + abbreviate(text)
                    + "', expected a version number such as 2");
        }
        return Optional.of(Integer.parseInt(text));
    }

    /**
     * Makes {@code number} current after checking that its model loads, and records the version
     * it replaces in {@code history}. Promoting the current version changes nothing.
     *
     * @return the previous current version, if any
     * @throws IOException if the version does not exist or its model does not load; nothing changes
     */
    public Optional<Integer> promote(String name, int number) throws IOException {
        Version v = version(name, number);
        requireLoads(name, v);
        Optional<Integer> previous = current(name);
        if (previous.isPresent() && previous.get() == number) {
            return previous;
        }
        if (previous.isPresent()) {
            List<Integer> history = history(name);
            history.add(previous.get());
            writeNumbers(new Path(modelDir(name), HISTORY), history);
        }
        writeNumbers(new Path(modelDir(name), CURRENT), List.of(number));
        return previous;
    }

    /**
     * Makes the version before the current one current again (the last {@code history} entry
     * that differs from it) and drops it from the history.
     *
     * @return the version now current
     * @throws IOException if there is nothing to roll back to, or that version no longer loads
     */
    public int rollback(String name) throws IOException {
        Optional<Integer> current = current(name);
        List<Integer> history = history(name);
        while (!history.isEmpty() && current.isPresent() && history.get(history.size() - 1).equals(current.get())) {
            history.remove(history.size() - 1);   // left by a crash between the two writes (see the class comment)
        }
        if (history.isEmpty()) {
            throw new IOException("cannot roll back model '" + name + "': " + new Path(modelDir(name), HISTORY)
                    + " holds no earlier version (current: " + current.map(String::valueOf).orElse("none")
                    + "); promote a version instead");
        }
        int target = history.remove(history.size() - 1);
        requireLoads(name, version(name, target));
        writeNumbers(new Path(modelDir(name), CURRENT), List.of(target));
        writeNumbers(new Path(modelDir(name), HISTORY), history);
        return target;
    }

    private List<Integer> history(String name) throws IOException {
        Path p = new Path(modelDir(name), HISTORY);
        Optional<String> read = SmallFiles.readText(fs, p);
        if (read.isEmpty()) {
            return new ArrayList<>();
        }
        String text = read.get();
        List<Integer> out = new ArrayList<>();
        int line = 0;
        for (String s : text.split("\n")) {
            line++;
            if (s.isBlank()) {
                continue;
            }
            if (!VERSION.matcher(s.strip()).matches()) {
                throw new IOException(p + " line " + line + ": '" + abbreviate(s) + "' is not a version number");
            }
            out.add(Integer.parseInt(s.strip()));
        }
        return out;
    }

    private void requireLoads(String name, Version v) throws IOException {
        try {
            new ModelStore(fs, v.dir()).load();
        } catch (IOException | RuntimeException e) {
            throw withDetail(new IOException("model '" + name + "' version " + v.number()
                    + " does not load, so it cannot be made current: " + e.getMessage()), e);
        }
    }

    /**
     * {@code e} attached as suppressed, not as the cause: the CLI reports an exception's root
     * cause, and this message already carries the cause's and says what it stopped.
     */
    private static IOException withDetail(IOException e, Throwable detail) {
        e.addSuppressed(detail);
        return e;
    }

    private void writeNumbers(Path p, List<Integer> numbers) throws IOException {
        StringBuilder sb = new StringBuilder();
        numbers.forEach(n -> sb.append(n).append('\n'));
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(fs, p, out -> out.write(bytes));
    }

    private Version describe(int number, Path dir) throws IOException {
        Map<String, String> provenance = new LinkedHashMap<>();
        jsonObject(new Path(dir, ModelStore.PROVENANCE)).forEach((k, v) -> provenance.put(k, String.valueOf(v)));
        Map<String, Object> summary = jsonObject(new Path(dir, SUMMARY));
        return new Version(number, dir, Optional.ofNullable(provenance.get("created")), provenance, summary);
    }

    private Map<String, Object> jsonObject(Path p) throws IOException {
        return readJsonObject(fs, p);
    }

    /**
     * A small JSON object file's entries (a summary, provenance, a retrain outcome); empty when the
     * file does not exist. Errors name the file.
     */
    public static Map<String, Object> readJsonObject(FileSystem fs, Path p) throws IOException {
        return SmallFiles.readJsonObject(fs, p).orElse(Map.of());
    }

    private void copy(Path from, Path to, FileSystem io) throws IOException {
        try (InputStream in = fs.open(from); OutputStream out = io.create(to, false)) {
            in.transferTo(out);
        }
    }

    private Path modelDir(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("model name '" + name + "' (under " + root
                    + "): expected letters, digits, '.', '_' and '-', not starting with '.'");
        }
        return new Path(root, name);
    }

    private Path requireModel(String name) throws IOException {
        Path dir = modelDir(name);
        if (!fs.exists(dir)) {
            String known = fs.exists(root) ? "; models: " + String.join(", ", models()) : "";
            throw new FileNotFoundException("no model '" + name + "' in registry " + root + " (" + dir + " does not exist)"
                    + (known.equals("; models: ") ? "; the registry is empty" : known));
        }
        return dir;
    }

    private Path versionDir(String name, int number) {
        return new Path(new Path(modelDir(name), VERSIONS), String.valueOf(number));
    }

    private FileStatus[] list(Path dir, String missing) throws IOException {
        try {
            return fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            throw new FileNotFoundException(missing);
        }
    }

    private static String numbers(List<Version> versions) {
        return versions.isEmpty() ? "none" : String.join(", ", versions.stream().map(v -> String.valueOf(v.number())).toList());
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
