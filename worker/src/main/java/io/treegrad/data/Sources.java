package io.treegrad.data;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opening inputs: gzip is recognised by its magic bytes (1f 8b), not by the file name. */
final class Sources {
    private Sources() {}

    static final int BUFFER = 1 << 16;

    /** The file, decompressed if it is gzip. */
    static InputStream open(Path file) throws IOException {
        try {
            return decompressed(Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file (for the datasets of "
                    + "this project, run jobs/fetch-datasets)");
        }
    }

    /** {@code in}, buffered, through gzip if its first two bytes are the gzip magic. */
    static InputStream decompressed(InputStream in) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(buffered, BUFFER), BUFFER);
        }
        return buffered;
    }

    static BufferedReader lines(InputStream in) throws IOException {
        return new BufferedReader(new InputStreamReader(decompressed(in), StandardCharsets.UTF_8), BUFFER);
    }

    /** How a file is named in messages: its path as given. */
    static String name(Path file) { return file.toString(); }

    /** A gzip stream that ends early or has bad checksums, as an error about the source. */
    static MalformedDataException corrupt(String source, IOException e) {
        return MalformedDataException.fileLevel(source, "corrupt or truncated gzip data ("
                + e.getMessage() + "); expected a complete file");
    }
}
