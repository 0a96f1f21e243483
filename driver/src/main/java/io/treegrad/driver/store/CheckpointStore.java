package io.treegrad.driver.store;

import io.treegrad.io.Checkpoint;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The checkpoints of one run in one directory of any Hadoop file system:
 * <pre>
 * dir/ckpt-100.safetensors   one {@link Checkpoint} per saved step (see its class comment)
 * dir/ckpt-200.safetensors
 * dir/LATEST                 "ckpt-200.safetensors\n": the newest committed checkpoint
 * </pre>
 * {@link #save} writes the checkpoint file atomically ({@link AtomicFiles}), then the pointer, then
 * deletes old ones: a crash at any moment leaves {@code LATEST} naming a complete checkpoint. A
 * checkpoint file newer than the pointer was written but never committed (the run died between
 * the two writes); it is not used, and the run overwrites it when it gets there again.
 *
 * <p>One writer per directory: {@link #save} deletes any temporary files it finds there (left by
 * a writer that was killed).
 */
public final class CheckpointStore {
    public static final String POINTER = "LATEST";
    private static final Pattern NAME = Pattern.compile("ckpt-(\\d{1,18})\\.safetensors");
    private static final int MAX_POINTER_BYTES = 1024;
    private static final String FALL_BACK = "CheckpointStore.latestValid() falls back to the newest older checkpoint that reads";

    private final FileSystem fs;
    private final Path dir;
    private final int keepLast;

    /** A checkpoint file in the directory. */
    public record Stored(long step, Path path, long bytes) {}

    /** A checkpoint file passed over by {@link #latestValid()}, and why. */
    public record Skipped(Path path, String reason) {}

    /**
     * What {@link #latestValid()} found: the checkpoint, where, and what it passed over first
     * (newest first; empty when {@code LATEST} itself was readable).
     */
    public record Recovered(Checkpoint checkpoint, Path path, List<Skipped> skipped) {}

    /**
     * @param keepLast how many checkpoints {@link #save} keeps (the newest, by step, up to the one
     *                 just saved); at least 1
     */
    public CheckpointStore(FileSystem fs, Path dir, int keepLast) {
        if (keepLast < 1) {
            throw new IllegalArgumentException("checkpoint keepLast: must be >= 1, got " + keepLast);
        }
        this.fs = Objects.requireNonNull(fs, "fs");
        this.dir = fs.makeQualified(Objects.requireNonNull(dir, "dir"));
        this.keepLast = keepLast;
    }

    public Path dir() {
        return dir;
    }

    /** Where the checkpoint of {@code step} is (or would be) stored. */
    public Path pathOf(long step) {
        return new Path(dir, "ckpt-" + step + ".safetensors");
    }

    private Path pointerPath() {
        return new Path(dir, POINTER);
    }

    /**
     * Writes {@code checkpoint} as {@code ckpt-<step>.safetensors}, points {@code LATEST} at it,
     * then deletes the checkpoints beyond the newest {@code keepLast} at or below its step, and any
     * temporary files left by a killed writer. Checkpoints of higher steps (from a run that went
     * further before it was rewound) are left alone.
     *
     * @return the checkpoint's path
     */
    public Path save(Checkpoint checkpoint) throws IOException {
        Path file = pathOf(checkpoint.step());
        AtomicFiles.write(fs, file, checkpoint::write);
        byte[] pointer = (file.getName() + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(fs, pointerPath(), out -> out.write(pointer));
        prune(checkpoint.step());
        return file;
    }

    private void prune(long savedStep) throws IOException {
        List<Stored> older = new ArrayList<>(list().stream().filter(s -> s.step() <= savedStep).toList());
        older.sort(Comparator.comparingLong(Stored::step).reversed());
        for (Stored s : older.subList(Math.min(keepLast, older.size()), older.size())) {
            if (!fs.delete(s.path(), false) && fs.exists(s.path())) {
                throw new IOException("saved " + pathOf(savedStep) + " but could not delete the old checkpoint " + s.path());
            }
        }
        for (FileStatus f : statuses()) {
            if (AtomicFiles.isTemp(f.getPath().getName())) {
                fs.delete(f.getPath(), false);
            }
        }
    }

    /** The checkpoint files, oldest step first (temporary files and others ignored). */
    public List<Stored> list() throws IOException {
        List<Stored> out = new ArrayList<>();
        for (FileStatus f : statuses()) {
            Matcher m = NAME.matcher(f.getPath().getName());
            if (f.isFile() && m.matches()) {
                out.add(new Stored(Long.parseLong(m.group(1)), f.getPath(), f.getLen()));
            }
        }
        out.sort(Comparator.comparingLong(Stored::step));
        return out;
    }

    private FileStatus[] statuses() throws IOException {
        try {
            return fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return new FileStatus[0];
        }
    }

    /**
     * The checkpoint {@code LATEST} names; without a pointer (a first save that died before
     * writing it, or an object store caught between deleting and renaming it), the newest
     * checkpoint file. Empty when there is none.
     *
     * @throws IOException naming the file when the pointer or the checkpoint it names is missing,
     *                     truncated or corrupt; this does not fall back silently to an older
     *                     checkpoint: {@link #latestValid()} does, and says what it skipped
     */
    public Optional<Checkpoint> latest() throws IOException {
        Optional<Path> named;
        try {
            named = readPointer();
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; " + FALL_BACK, e);
        }
        Path file;
        if (named.isPresent()) {
            file = named.get();
        } else {
            List<Stored> all = list();
            if (all.isEmpty()) {
                return Optional.empty();
            }
            file = all.get(all.size() - 1).path();
        }
        try {
            return Optional.of(read(file));
        } catch (IOException e) {
            throw new IOException("the latest checkpoint " + file + (named.isPresent() ? " (named by " + pointerPath() + ")" : "")
                    + " is unreadable: " + e.getMessage() + "; " + FALL_BACK, e);
        }
    }

    /**
     * The newest checkpoint that reads cleanly: the one {@code LATEST} names, else the next older
     * one, and so on; if the pointer itself is unreadable, the newest file by step. Everything
     * passed over is reported in {@link Recovered#skipped()}, including checkpoints newer than
     * the pointer (never committed). Empty when the directory has no checkpoint.
     *
     * @throws IOException if there are checkpoint files but none of them reads, listing why
     */
    public Optional<Recovered> latestValid() throws IOException {
        List<Skipped> skipped = new ArrayList<>();
        Optional<Path> named;
        try {
            named = readPointer();
        } catch (IOException e) {
            skipped.add(new Skipped(pointerPath(), e.getMessage()));
            named = Optional.empty();
        }
        List<Stored> all = list();
        List<Path> candidates = new ArrayList<>();
        long limit = Long.MAX_VALUE;
        if (named.isPresent()) {
            Path pointed = named.get();
            candidates.add(pointed);
            limit = stepOf(pointed);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            Stored s = all.get(i);
            if (s.step() > limit) {
                skipped.add(new Skipped(s.path(), "newer than " + POINTER + " (" + named.get().getName()
                        + "): written but never committed"));
            } else if (s.step() < limit) {
                candidates.add(s.path());
            }
        }
        for (Path p : candidates) {
            try {
                return Optional.of(new Recovered(read(p), p, List.copyOf(skipped)));
            } catch (IOException e) {
                skipped.add(new Skipped(p, e.getMessage()));
            }
        }
        if (skipped.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder why = new StringBuilder("no readable checkpoint in " + dir + ":");
        for (Skipped s : skipped) {
            why.append("\n  ").append(s.path().getName()).append(": ").append(s.reason());
        }
        throw new IOException(why.toString());
    }

    /** Reads one checkpoint file; errors name it. */
    public Checkpoint read(Path file) throws IOException {
        try (FSDataInputStream in = fs.open(file)) {
            return Checkpoint.read(in, file.toString());
        }
    }

    /** The path {@code LATEST} names; empty if there is no pointer. */
    private Optional<Path> readPointer() throws IOException {
        Path p = pointerPath();
        Optional<String> pointer = AtomicFiles.readPointer(fs, p, MAX_POINTER_BYTES);
        if (pointer.isEmpty()) {
            return Optional.empty();
        }
        String text = pointer.get();
        if (text.length() > MAX_POINTER_BYTES || !NAME.matcher(text).matches()) {
            String shown = text.length() > 80 ? text.substring(0, 80) + "..." : text;
            throw new IOException("checkpoint pointer " + p + " is corrupt: it holds '" + shown
                    + "', expected a checkpoint file name such as ckpt-200.safetensors");
        }
        Path file = new Path(dir, text);
        if (!fs.exists(file)) {
            throw new FileNotFoundException("checkpoint pointer " + p + " names " + file + ", which does not exist");
        }
        return Optional.of(file);
    }

    private static long stepOf(Path file) {
        Matcher m = NAME.matcher(file.getName());
        if (!m.matches()) {
            throw new IllegalStateException("not a checkpoint file name: " + file);
        }
        return Long.parseLong(m.group(1));
    }
}
