package io.treegrad.driver.store;

import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.StreamCapabilities;

/**
 * Replaces a file on any Hadoop {@link FileSystem} so that readers see the old file or the new one,
 * never a partial one: the body writes a temporary file in the same directory
 * ({@code .<name>.tmp-<uuid>}, hidden from Hadoop's input formats), which is synced and then
 * renamed over the target. If the body throws, the temporary file is deleted and the target is
 * left as it was.
 *
 * <p>What each kind of file system guarantees:
 * <ul>
 *   <li><b>Local ({@code file://})</b>: the temporary file is fsync'd, then renamed with one
 *       {@code rename(2)}, which replaces the target atomically. We write through the raw local
 *       file system, so no {@code .crc} side file is made (the checksum side file and the data
 *       would be two renames, not one); our files carry their own sha256. The directory is not
 *       fsync'd: after a power cut the rename may be undone, leaving the whole old file.</li>
 *   <li><b>HDFS ({@code hdfs://})</b>: {@code hsync}, then rename with {@code OVERWRITE}: one
 *       atomic NameNode operation.</li>
 *   <li><b>S3 ({@code s3a://}) and other object stores</b>: an object appears whole when its
 *       upload completes (never partially written), but rename is copy + delete and there is no
 *       atomic overwrite: the target is deleted, then the copy made, so for a moment the target
 *       does not exist, and a crash in between can leave the temporary object and no target.
 *       Readers must not rely on one file alone: {@link CheckpointStore} writes its
 *       {@code LATEST} pointer last and, when the pointer is missing, takes the newest complete
 *       checkpoint.</li>
 * </ul>
 * One writer per target: two concurrent writers each replace the file whole, the last rename wins.
 */
public final class AtomicFiles {
    static final String TEMP_INFIX = ".tmp-";

    private AtomicFiles() {}

    /**
     * Writes {@code target} through {@code body}, atomically where the file system allows (see the
     * class comment). The stream handed to {@code body} must not be closed by it (closing is
     * ignored); parent directories are created.
     *
     * @throws IOException whatever {@code body} threw (the target then is unchanged), or a failure
     *                     to write, sync or rename, naming the files
     */
    public static void write(FileSystem fs, Path target, IOConsumer<OutputStream> body) throws IOException {
        FileSystem io = storage(fs);
        Path file = io.makeQualified(target);
        FileStatus existing = statusOrNull(io, file);
        if (existing != null && existing.isDirectory()) {
            throw new IOException("cannot write " + file + ": it is a directory");
        }
        Path temp = tempFor(file);
        try {
            try (FSDataOutputStream out = io.create(temp, false)) {
                body.accept(new FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        out.flush();    // the caller closes the real stream after syncing it
                    }
                });
                out.flush();
                if (out.hasCapability(StreamCapabilities.HSYNC)) {
                    out.hsync();
                }
            }
            if (fs instanceof ChecksumFileSystem checksummed) {
                // a .crc left by an earlier non-atomic write would no longer match the new data
                io.delete(checksummed.getChecksumFile(file), false);
            }
            replace(io, temp, file);
        } catch (IOException | RuntimeException | Error e) {
            deleteAfterFailure(io, temp, e);
            throw e;
        }
    }

    /**
     * Replaces the directory {@code target} by one holding exactly {@code files} (name to content),
     * so that {@code target} is never seen half written: the files go into a hidden sibling
     * ({@code .<name>.tmp-<uuid>}), then the old directory is renamed aside, the new one renamed to
     * {@code target}, and the old one deleted. If writing fails, the old directory is left as it was.
     * Between the two renames (two operations, not one: no file system here swaps directories
     * atomically) {@code target} is briefly absent; a crash right there leaves the complete old
     * directory under a hidden {@code .<name>.tmp-old-<uuid>} name, which the next call deletes, as
     * it does the staging directories of earlier calls that were killed. One writer per target.
     *
     * @throws IOException a failure to write or rename, naming the paths (the old directory is then
     *                     in place)
     */
    public static void replaceDirectory(FileSystem fs, Path target, java.util.Map<String, byte[]> files)
            throws IOException {
        FileSystem io = storage(fs);
        Path dir = io.makeQualified(target);
        Path parent = dir.getParent();
        String leftover = "." + dir.getName() + TEMP_INFIX;
        if (io.exists(parent)) {
            for (FileStatus f : io.listStatus(parent)) {
                if (f.getPath().getName().startsWith(leftover)) {   // left by a writer that was killed
                    io.delete(f.getPath(), true);
                }
            }
        }
        FileStatus existing = statusOrNull(io, dir);
        if (existing != null && !existing.isDirectory()) {
            throw new IOException("cannot write the directory " + dir + ": it is a file");
        }
        Path staging = tempFor(dir);
        try {
            if (!io.mkdirs(staging)) {
                throw new IOException("could not create " + staging);
            }
            for (java.util.Map.Entry<String, byte[]> f : files.entrySet()) {
                try (FSDataOutputStream out = io.create(new Path(staging, f.getKey()), false)) {
                    out.write(f.getValue());
                    if (out.hasCapability(StreamCapabilities.HSYNC)) {
                        out.hsync();
                    }
                }
            }
            Path old = null;
            if (existing != null) {
                old = new Path(parent, leftover + "old-" + UUID.randomUUID());
                if (!io.rename(dir, old)) {
                    throw new IOException("could not rename " + dir + " to " + old + " to make way for the new one");
                }
            }
            if (!io.rename(staging, dir)) {
                IOException e = new IOException("could not rename " + staging + " to " + dir);
                if (old != null && !io.rename(old, dir)) {
                    e.addSuppressed(new IOException("and could not move the old " + old + " back to " + dir));
                }
                throw e;
            }
            if (old != null) {
                io.delete(old, true);   // if this fails, the next call deletes it
            }
        } catch (IOException | RuntimeException | Error e) {
            deleteAfterFailure(io, staging, e);
            throw e;
        }
    }

    /**
     * Deletes what a failed write left ({@code temp}, a file or a directory); a failure to delete is
     * added to {@code failure}, which stays the one the caller throws.
     */
    static void deleteAfterFailure(FileSystem io, Path temp, Throwable failure) {
        try {
            io.delete(temp, true);
        } catch (IOException | RuntimeException cleanup) {
            failure.addSuppressed(cleanup);
        }
    }

    /** The name of the temporary file {@link #write} uses for {@code target}. */
    static Path tempFor(Path target) {
        return new Path(target.getParent(), "." + target.getName() + TEMP_INFIX + UUID.randomUUID());
    }

    /** Whether {@code name} is one of {@link #write}'s temporary files (of any target). */
    static boolean isTemp(String name) {
        return name.startsWith(".") && name.contains(TEMP_INFIX);
    }

    /**
     * The local file system without its .crc layer; any other one as it is. Also for reading a file
     * that is checked otherwise (a line-by-line parse, its own sha256): a stale {@code .crc} beside
     * an edited or truncated file would hide where the file is wrong behind a checksum error.
     */
    public static FileSystem storage(FileSystem fs) {
        return fs instanceof ChecksumFileSystem c && c.getRawFileSystem() instanceof RawLocalFileSystem
                ? c.getRawFileSystem() : fs;
    }

    private static void replace(FileSystem io, Path temp, Path target) throws IOException {
        if (io instanceof RawLocalFileSystem) {
            // rename(2) replaces an existing target atomically; Hadoop's OVERWRITE rename would delete it first
            if (!io.rename(temp, target)) {
                throw new IOException("could not rename " + temp + " to " + target);
            }
            return;
        }
        // HDFS: one atomic rename-with-overwrite; object stores: delete, then copy (see the class comment)
        FileUtil.rename(io, temp, target, Options.Rename.OVERWRITE);
    }

    private static FileStatus statusOrNull(FileSystem fs, Path p) throws IOException {
        try {
            return fs.getFileStatus(p);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    /**
     * The text of a small pointer file ({@code LATEST}, {@code current}), stripped; empty if there is
     * none. At most {@code maxBytes + 1} bytes are read, so a caller sees that a file is too long
     * (its text is then longer than any valid pointer) without reading a huge one.
     */
    public static java.util.Optional<String> readPointer(FileSystem fs, Path p, int maxBytes) throws IOException {
        byte[] bytes;
        try (java.io.InputStream in = fs.open(p)) {
            bytes = in.readNBytes(maxBytes + 1);
        } catch (FileNotFoundException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new String(bytes, java.nio.charset.StandardCharsets.UTF_8).strip());
    }
}
