package io.treegrad.driver.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.io.Checkpoint;
import io.treegrad.optim.OptimizerState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Saving, retention, the LATEST pointer, and what a crash or a damaged file does to them. */
class CheckpointStoreTest {
    @TempDir
    java.nio.file.Path tmp;

    static FileSystem local() throws IOException {
        return FileSystem.get(URI.create("file:///"), new Configuration());
    }

    Path dir() {
        return new Path(tmp.resolve("run-1/checkpoints").toUri());
    }

    java.nio.file.Path localFile(String name) {
        return tmp.resolve("run-1/checkpoints").resolve(name);
    }

    /** A small but complete checkpoint whose values depend on the step (Adam state, float64). */
    static Checkpoint checkpoint(long step) {
        int n = 1000;
        double[] p = new double[n];
        double[] m = new double[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = Math.sin(step + 0.01 * i);
            m[i] = Math.cos(step * i) * 1e-3;
            v[i] = 1e-6 * (i + step);
        }
        LinkedHashMap<String, INDArray> buffers = new LinkedHashMap<>();
        buffers.put("m", Nd4j.createFromArray(m));
        buffers.put("v", Nd4j.createFromArray(v));
        return new Checkpoint(step, step / 10, step % 10, 42, Nd4j.createFromArray(p),
                new OptimizerState("adam", step, buffers), null, "seed: 42\n", Map.of("step", Long.toString(step)));
    }

    static void assertSameCheckpoint(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.step(), actual.step());
        assertEquals(expected.epoch(), actual.epoch());
        assertEquals(expected.batchCursor(), actual.batchCursor());
        assertArrayEquals(expected.params().toDoubleVector(), actual.params().toDoubleVector(), 0.0, "params, bit for bit");
        for (String name : expected.optimizer().buffers().keySet()) {
            assertArrayEquals(expected.optimizer().buffers().get(name).toDoubleVector(),
                    actual.optimizer().buffers().get(name).toDoubleVector(), 0.0, name);
        }
    }

    List<String> names() throws IOException {
        try (Stream<java.nio.file.Path> s = Files.list(tmp.resolve("run-1/checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    String pointer() throws IOException {
        return Files.readString(localFile("LATEST"), StandardCharsets.UTF_8);
    }

    @Test
    void saveKeepsTheLastNAndPointsLatestAtTheNewest() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 3);
        for (long step = 100; step <= 500; step += 100) {
            Path saved = store.save(checkpoint(step));
            assertEquals("ckpt-" + step + ".safetensors", saved.getName());
        }

        assertEquals(List.of(300L, 400L, 500L), store.list().stream().map(CheckpointStore.Stored::step).toList());
        assertEquals(List.of("LATEST", "ckpt-300.safetensors", "ckpt-400.safetensors", "ckpt-500.safetensors"), names(),
                "no temporary or .crc files");
        assertEquals("ckpt-500.safetensors\n", pointer());
        assertSameCheckpoint(checkpoint(500), store.latest().orElseThrow());
        CheckpointStore.Recovered r = store.latestValid().orElseThrow();
        assertEquals("ckpt-500.safetensors", r.path().getName());
        assertEquals(List.of(), r.skipped());
    }

    @Test
    void stepsSortByNumberNotByName() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 2);
        store.save(checkpoint(9));
        store.save(checkpoint(10));
        store.save(checkpoint(100));
        assertEquals(List.of(10L, 100L), store.list().stream().map(CheckpointStore.Stored::step).toList());
        assertEquals(100, store.latest().orElseThrow().step());
    }

    @Test
    void anEmptyOrMissingDirectoryHasNoCheckpoint() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 1);
        assertEquals(Optional.empty(), store.latest());
        assertEquals(Optional.empty(), store.latestValid());
        assertEquals(List.of(), store.list());
        assertThrows(IllegalArgumentException.class, () -> new CheckpointStore(local(), dir(), 0));
    }

    @Test
    void aCrashWhileWritingACheckpointLeavesThePreviousOneLatest() throws IOException {
        CrashingFileSystem fs = new CrashingFileSystem();
        CheckpointStore store = new CheckpointStore(fs, dir(), 5);
        store.save(checkpoint(10));
        long fullSize = store.list().get(0).bytes();

        fs.crashWriting(".ckpt-20.safetensors", fullSize / 2);
        IOException e = assertThrows(IOException.class, () -> store.save(checkpoint(20)));
        assertTrue(e.getMessage().contains("simulated crash"), e.getMessage());

        CheckpointStore reader = new CheckpointStore(local(), dir(), 5);
        assertSameCheckpoint(checkpoint(10), reader.latest().orElseThrow());
        assertEquals(List.of("LATEST", "ckpt-10.safetensors"), names(), "no half-written file or temporary left");
        assertEquals("ckpt-10.safetensors\n", pointer());
        CheckpointStore.Recovered r = reader.latestValid().orElseThrow();
        assertEquals(store.pathOf(10), r.path(), "what --resume takes");
        assertEquals(List.of(), r.skipped(), "nothing to pass over: the crash left no file behind");
    }

    @Test
    void aCrashWhileWritingThePointerLeavesTheNewCheckpointUncommitted() throws IOException {
        CrashingFileSystem fs = new CrashingFileSystem();
        CheckpointStore store = new CheckpointStore(fs, dir(), 5);
        store.save(checkpoint(10));

        fs.crashWriting(".LATEST", 5);
        assertThrows(IOException.class, () -> store.save(checkpoint(20)));

        assertEquals("ckpt-10.safetensors\n", pointer());
        assertEquals(10, store.latest().orElseThrow().step());
        CheckpointStore.Recovered r = store.latestValid().orElseThrow();
        assertEquals(10, r.checkpoint().step());
        assertEquals(1, r.skipped().size());
        assertEquals("ckpt-20.safetensors", r.skipped().get(0).path().getName());
        assertTrue(r.skipped().get(0).reason().contains("never committed"), r.skipped().get(0).reason());
    }

    @Test
    void aKilledWritersTemporaryFileIsIgnoredThenCleanedUp() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 5);
        store.save(checkpoint(10));
        Files.write(localFile(".ckpt-20.safetensors.tmp-0b5e"), new byte[] {1, 2, 3});

        assertEquals(List.of(10L), store.list().stream().map(CheckpointStore.Stored::step).toList());
        assertEquals(10, store.latest().orElseThrow().step());
        CheckpointStore.Recovered r = store.latestValid().orElseThrow();
        assertEquals(10, r.checkpoint().step());
        assertEquals(List.of(), r.skipped(), "a temporary file is not a checkpoint, not even a skipped one");
        store.save(checkpoint(20));
        assertEquals(List.of("LATEST", "ckpt-10.safetensors", "ckpt-20.safetensors"), names());
    }

    @Test
    void aTruncatedLatestIsAnErrorNamingItAndLatestValidFallsBack() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 5);
        store.save(checkpoint(10));
        store.save(checkpoint(20));
        java.nio.file.Path newest = localFile("ckpt-20.safetensors");
        byte[] full = Files.readAllBytes(newest);
        Files.write(newest, Arrays.copyOf(full, full.length / 2));

        IOException e = assertThrows(IOException.class, store::latest);
        assertTrue(e.getMessage().contains(store.pathOf(20).toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("latestValid()"), e.getMessage());

        CheckpointStore.Recovered r = store.latestValid().orElseThrow();
        assertSameCheckpoint(checkpoint(10), r.checkpoint());
        assertEquals(store.pathOf(10), r.path());
        assertEquals(1, r.skipped().size());
        assertEquals(store.pathOf(20), r.skipped().get(0).path());
        assertTrue(r.skipped().get(0).reason().contains("truncated"), r.skipped().get(0).reason());
    }

    @Test
    void aFlippedByteInLatestIsAChecksumMismatch() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 5);
        store.save(checkpoint(10));
        store.save(checkpoint(20));
        java.nio.file.Path newest = localFile("ckpt-20.safetensors");
        byte[] b = Files.readAllBytes(newest);
        b[b.length - 1234] ^= 0x08;
        Files.write(newest, b);

        IOException e = assertThrows(IOException.class, store::latest);
        assertTrue(e.getMessage().contains("ckpt-20.safetensors") && e.getMessage().contains("checksum mismatch"),
                e.getMessage());
        assertEquals(10, store.latestValid().orElseThrow().checkpoint().step());
    }

    @Test
    void aCorruptPointerIsAnErrorAndLatestValidTakesTheNewestFile() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 5);
        store.save(checkpoint(10));
        store.save(checkpoint(20));
        Files.writeString(localFile("LATEST"), "\u0000\u0000garbage");

        IOException e = assertThrows(IOException.class, store::latest);
        assertTrue(e.getMessage().contains("LATEST") && e.getMessage().contains("is corrupt"), e.getMessage());

        CheckpointStore.Recovered r = store.latestValid().orElseThrow();
        assertEquals(20, r.checkpoint().step());
        assertEquals("LATEST", r.skipped().get(0).path().getName());

        Files.writeString(localFile("LATEST"), "ckpt-30.safetensors\n");
        e = assertThrows(IOException.class, store::latest);
        assertTrue(e.getMessage().contains("ckpt-30.safetensors, which does not exist"), e.getMessage());
    }

    @Test
    void withoutAPointerTheNewestFileIsLatest() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 5);
        store.save(checkpoint(10));
        store.save(checkpoint(20));
        Files.delete(localFile("LATEST"));
        assertEquals(20, store.latest().orElseThrow().step());
    }

    @Test
    void noReadableCheckpointAtAllIsAnErrorListingEach() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 5);
        store.save(checkpoint(10));
        store.save(checkpoint(20));
        Files.write(localFile("ckpt-10.safetensors"), "PK\u0003\u0004 not ours".getBytes(StandardCharsets.ISO_8859_1));
        Files.write(localFile("ckpt-20.safetensors"), new byte[0]);

        IOException e = assertThrows(IOException.class, store::latestValid);
        assertTrue(e.getMessage().contains("no readable checkpoint"), e.getMessage());
        assertTrue(e.getMessage().contains("ckpt-20.safetensors: ") && e.getMessage().contains("empty"), e.getMessage());
        assertTrue(e.getMessage().contains("ckpt-10.safetensors: ") && e.getMessage().contains("not a safetensors file"),
                e.getMessage());
    }

    @Test
    void savingAnEarlierStepAfterARewindCommitsIt() throws IOException {
        CheckpointStore store = new CheckpointStore(local(), dir(), 2);
        store.save(checkpoint(10));
        store.save(checkpoint(20));
        store.save(checkpoint(30));
        store.save(checkpoint(25));   // the run was resumed from 20 and went another way

        assertEquals(25, store.latest().orElseThrow().step());
        assertEquals(List.of(20L, 25L, 30L), store.list().stream().map(CheckpointStore.Stored::step).toList());
        CheckpointStore.Recovered r = store.latestValid().orElseThrow();
        assertEquals(25, r.checkpoint().step());
        assertTrue(r.skipped().get(0).reason().contains("never committed"));
    }

    @Test
    void readsWhatOthersWroteThroughTheHadoopStream() throws IOException {
        FileSystem fs = local();
        CheckpointStore store = new CheckpointStore(fs, dir(), 1);
        Path file = store.save(checkpoint(7));
        try (InputStream in = fs.open(file); OutputStream copy = Files.newOutputStream(tmp.resolve("copy"))) {
            in.transferTo(copy);
        }
        assertSameCheckpoint(checkpoint(7), Checkpoint.read(tmp.resolve("copy")));
        assertFalse(Files.exists(localFile(".ckpt-7.safetensors.crc")));
    }
}
