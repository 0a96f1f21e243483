package io.treegrad.io;

import java.io.IOException;

/**
 * A file that cannot be read as the promised safetensors, model or checkpoint file: not that
 * format at all, truncated, corrupt (checksum mismatch), or of another model. The message starts
 * with the source, e.g. {@code hdfs://nn/run/ckpt-200.safetensors: truncated: the data section
 * should be 4096 bytes (from the header) but the file ends after 1000 of them}.
 */
public final class TensorFileException extends IOException {
    private final String source;

    public TensorFileException(String source, String message) {
        super(source + ": " + message);
        this.source = source;
    }

    public TensorFileException(String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
        this.source = source;
    }

    /** The file or stream the problem is in, as the caller named it. */
    public String source() {
        return source;
    }
}
