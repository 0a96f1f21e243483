package io.treegrad.data;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * A reader of line-oriented text records (gzip or plain, detected by magic bytes): opening files,
 * naming the source in messages and reporting a corrupt stream happen here, the parsing in each
 * format's {@link #parse}.
 */
public abstract class LineReader {
    LineReader() {}

    public final ReadResult read(Path file) throws IOException {
        try (InputStream in = Sources.open(file)) {
            return read(in, Sources.name(file));
        }
    }

    /** Reads {@code in} to its end (gzip or plain); {@code source} names it in messages. */
    public final ReadResult read(InputStream in, String source) throws IOException {
        try {
            return parse(Sources.lines(in, source), source);
        } catch (ZipException | EOFException e) {
            throw Sources.corrupt(source, e);
        }
    }

    abstract ReadResult parse(BufferedReader reader, String source) throws IOException;
}
