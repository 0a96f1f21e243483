package io.treegrad.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Crafted input files for the reader tests. */
final class TextFiles {
    private TextFiles() {}

    static Path write(Path dir, String name, String content) {
        return write(dir, name, content.getBytes(StandardCharsets.UTF_8));
    }

    static Path write(Path dir, String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(String plain) { return gzip(plain.getBytes(StandardCharsets.UTF_8)); }

    /** Fails unless the error's message contains every part (file name, line, token, expectation). */
    static void assertMessage(MalformedDataException e, String... parts) {
        for (String part : parts) {
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(part),
                    "message lacks '" + part + "': " + e.getMessage());
        }
    }
}
