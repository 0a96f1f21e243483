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
            try {
                io.delete(temp, false);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
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

    /** The local file system without its .crc layer; any other one as it is. */
    static FileSystem storage(FileSystem fs) {
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
