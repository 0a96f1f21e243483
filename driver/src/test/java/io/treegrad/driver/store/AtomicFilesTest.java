package io.treegrad.driver.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replace-by-rename on the local Hadoop file system: whole old or whole new, never a partial file. */
class AtomicFilesTest {
    @TempDir
    java.nio.file.Path tmp;

    static FileSystem local() throws IOException {
        return FileSystem.get(URI.create("file:///"), new Configuration());
    }

    Path target() {
        return new Path(tmp.resolve("sub/dir/data.bin").toUri());
    }

    static byte[] read(FileSystem fs, Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }

    /** Every name in the target's directory, hidden ones (temporaries, .crc) included. */
    List<String> names() throws IOException {
        try (Stream<java.nio.file.Path> s = Files.list(tmp.resolve("sub/dir"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void writesANewFileAndReplacesAnOldOneLeavingNothingElse() throws IOException {
        FileSystem fs = local();
        AtomicFiles.write(fs, target(), out -> out.write(bytes(100_000, 1)));
        assertArrayEquals(bytes(100_000, 1), read(fs, target()));

        AtomicFiles.write(fs, target(), out -> out.write("short".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("short", new String(read(fs, target()), StandardCharsets.US_ASCII));
        assertEquals(List.of("data.bin"), names(), "no temporary or .crc files left");
    }

    @Test
    void aBodyThatFailsHalfwayLeavesThePreviousFileIntact() throws IOException {
        FileSystem fs = local();
        byte[] before = bytes(50_000, 2);
        AtomicFiles.write(fs, target(), out -> out.write(before));
        IOException boom = new IOException("disk full");

        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(fs, target(), out -> {
            out.write(bytes(60_000, 3), 0, 30_000);
            throw boom;
        }));

        assertSame(boom, thrown, "the body's own exception comes out");
        assertArrayEquals(before, read(fs, target()));
        assertEquals(List.of("data.bin"), names(), "the temporary file is removed");

        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(fs, target(), out -> {
            out.write(1);
            throw new IllegalStateException("bug in the writer");
        }));
        assertArrayEquals(before, read(fs, target()));
        assertEquals(List.of("data.bin"), names());
    }

    @Test
    void aFailureWithNoPreviousFileLeavesNoFile() throws IOException {
        FileSystem fs = local();
        assertThrows(IOException.class, () -> AtomicFiles.write(fs, target(), out -> {
            out.write(bytes(10, 0));
            throw new IOException("no");
        }));
        assertFalse(fs.exists(target()));
        assertEquals(List.of(), names());
    }

    @Test
    void aBodyMayCloseTheStreamItIsGiven() throws IOException {
        FileSystem fs = local();
        AtomicFiles.write(fs, target(), out -> {
            try (OutputStream o = out) {
                o.write(bytes(10, 4));
            }
        });
        assertArrayEquals(bytes(10, 4), read(fs, target()));
    }

    @Test
    void replacesAFileWrittenEarlierThroughTheChecksummedFileSystem() throws IOException {
        FileSystem fs = local();
        try (OutputStream out = fs.create(target(), true)) {   // leaves a .data.bin.crc beside it
            out.write(bytes(1000, 5));
        }
        assertTrue(names().contains(".data.bin.crc"));

        AtomicFiles.write(fs, target(), out -> out.write(bytes(2000, 6)));

        assertArrayEquals(bytes(2000, 6), read(fs, target()), "read through the checksummed FS: no stale .crc");
        assertEquals(List.of("data.bin"), names());
    }

    @Test
    void onAFileSystemThatCannotRenameOverItDeletesThenRenames() throws IOException {
        CrashingFileSystem fs = new CrashingFileSystem();
        AtomicFiles.write(fs, target(), out -> out.write(bytes(100, 7)));
        AtomicFiles.write(fs, target(), out -> out.write(bytes(300, 8)));
        assertArrayEquals(bytes(300, 8), read(fs, target()));

        fs.crashWriting(".data.bin", 150);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(fs, target(), out -> out.write(bytes(300, 9))));
        assertTrue(e.getMessage().contains("simulated crash"), e.getMessage());
        assertArrayEquals(bytes(300, 8), read(fs, target()));
        assertEquals(List.of("data.bin"), names());
    }

    @Test
    void refusesToReplaceADirectory() throws IOException {
        FileSystem fs = local();
        fs.mkdirs(target());
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(fs, target(), out -> out.write(1)));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        assertTrue(Arrays.stream(fs.listStatus(target().getParent())).allMatch(s -> s.getPath().getName().equals("data.bin")));
    }
}
