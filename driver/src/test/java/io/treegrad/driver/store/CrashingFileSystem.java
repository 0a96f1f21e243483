package io.treegrad.driver.store;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system, except that a write to a file whose name starts with a chosen prefix dies
 * after a chosen number of bytes, as a full disk or a killed executor would. It is not the raw
 * local file system, so {@link AtomicFiles} takes its generic (delete-then-rename) path on it.
 */
public final class CrashingFileSystem extends FilterFileSystem {
    private String prefix;
    private long afterBytes;

    public CrashingFileSystem() throws IOException {
        super(new RawLocalFileSystem());
        initialize(URI.create("file:///"), new Configuration());
    }

    /** Makes the next writes to files named {@code prefix...} fail after {@code afterBytes} bytes. */
    public void crashWriting(String prefix, long afterBytes) {
        this.prefix = prefix;
        this.afterBytes = afterBytes;
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        FSDataOutputStream real = super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
        if (prefix == null || !f.getName().startsWith(prefix)) {
            return real;
        }
        long limit = afterBytes;
        return new FSDataOutputStream(new OutputStream() {
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > limit) {
                    int part = (int) (limit - written);
                    real.write(b, off, part);
                    written += part;
                    real.flush();
                    throw new IOException("simulated crash: " + f.getName() + " died after " + limit + " bytes");
                }
                real.write(b, off, len);
                written += len;
            }

            @Override
            public void flush() throws IOException {
                real.flush();
            }

            @Override
            public void close() throws IOException {
                real.close();
            }
        }, null);
    }
}
