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
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/** Opening inputs: gzip is recognised by its magic bytes (1f 8b), not by the file name. */
final class Sources {
    private Sources() {}

    static final int BUFFER = 1 << 16;
    /** How many leading bytes a "not gzip" message shows. */
    private static final int GZ_PEEK = 8;

    /** The file as stored (callers decompress it with {@link #decompressed}); a missing one says how to fetch it. */
    static InputStream open(Path file) throws IOException {
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such file (for the datasets of "
                    + "this project, run jobs/fetch-datasets)");
        }
    }

    /**
     * {@code in}, buffered, through gzip if its first two bytes are the gzip magic. Gzip data is
     * recognised under any name; a non-empty {@code source} named {@code *.gz} that is not gzip
     * (a failed download, an HTML error page) is an error rather than text parsed as records.
     */
    static InputStream decompressed(InputStream in, String source) throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
        buffered.mark(GZ_PEEK);
        byte[] first = buffered.readNBytes(GZ_PEEK);
        buffered.reset();
        if (first.length >= 2 && (first[0] & 0xff) == 0x1f && (first[1] & 0xff) == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(buffered, BUFFER), BUFFER);
        }
        if (first.length > 0 && source.toLowerCase(Locale.ROOT).endsWith(".gz")) {
            throw MalformedDataException.fileLevel(source, "not gzip data: the name ends in .gz but the file starts"
                    + " with bytes " + HexFormat.ofDelimiter(" ").formatHex(first) + " where gzip starts with 1f 8b;"
                    + " expected gzip (a truncated or failed download?), or drop the .gz if the file is not compressed");
        }
        return buffered;
    }

    static BufferedReader lines(InputStream in, String source) throws IOException {
        return new BufferedReader(new InputStreamReader(decompressed(in, source), StandardCharsets.UTF_8), BUFFER);
    }

    /** How a file is named in messages: its path as given. */
    static String name(Path file) { return file.toString(); }

    /** A gzip stream that ends early or has bad checksums, as an error about the source. */
    static MalformedDataException corrupt(String source, IOException e) {
        return MalformedDataException.fileLevel(source, "corrupt or truncated gzip data ("
                + e.getMessage() + "); expected a complete file");
    }
}
