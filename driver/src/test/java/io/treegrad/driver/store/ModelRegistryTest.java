package io.treegrad.driver.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.io.ModelFile;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
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

/** Versions, the current pointer and its history, on the local Hadoop file system. */
class ModelRegistryTest {
    @TempDir
    java.nio.file.Path tmp;

    FileSystem fs() throws IOException {
        return FileSystem.get(URI.create("file:///"), new Configuration());
    }

    ModelRegistry registry() throws IOException {
        return new ModelRegistry(fs(), new Path(tmp.resolve("registry").toUri()));
    }

    /** A train run's output directory: model/ (three files), summary.json, metrics.jsonl. */
    Path run(String dir, int seed, double accuracy) throws IOException {
        java.nio.file.Path out = tmp.resolve(dir);
        Model model = Model.build(ModelSpec.mlp(4, new int[] {8}, 2, "tanh"), DataType.FLOAT, seed);
        new ModelStore(fs(), new Path(out.resolve("model").toUri()))
                .save(ModelFile.of(model, null, "seed: " + seed + "\n", Map.of("created", "2026-01-0" + seed + "T00:00:00Z")));
        Files.writeString(out.resolve("summary.json"), "{\"steps\": 30, \"test_accuracy\": " + accuracy + "}\n");
        Files.writeString(out.resolve("metrics.jsonl"), "{\"step\": 30}\n");
        return new Path(out.toUri());
    }

    java.nio.file.Path versionsDir() {
        return tmp.resolve("registry/heart/versions");
    }

    List<String> versionDirEntries() throws IOException {
        try (Stream<java.nio.file.Path> s = Files.list(versionsDir())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void registersNumberedCompleteVersionsWithoutPromoting() throws IOException {
        ModelRegistry r = registry();
        assertEquals(1, r.register("heart", run("a", 1, 0.8)));
        assertEquals(2, r.register("heart", run("b", 2, 0.9)));
        assertEquals(Optional.empty(), r.current("heart"));
        assertEquals(List.of("heart"), r.models());

        List<ModelRegistry.Version> versions = r.versions("heart");
        assertEquals(List.of(1, 2), versions.stream().map(ModelRegistry.Version::number).toList());
        assertEquals(Optional.of("2026-01-02T00:00:00Z"), versions.get(1).created());
        assertEquals(0.9, versions.get(1).summary().get("test_accuracy"));
        try (Stream<java.nio.file.Path> s = Files.list(versionsDir().resolve("1"))) {
            assertEquals(List.of("config.yaml", "metrics.jsonl", "model.safetensors", "provenance.json", "summary.json"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals("seed: 2\n", new ModelStore(fs(), versions.get(1).dir()).load().config());
    }

    @Test
    void promoteAndRollBackWalkTheHistory() throws IOException {
        ModelRegistry r = registry();
        r.register("heart", run("a", 1, 0.8));
        r.register("heart", run("b", 2, 0.9));
        assertEquals(Optional.empty(), r.promote("heart", 1));
        assertEquals(Optional.of(1), r.promote("heart", 2));
        assertEquals(Optional.of(2), r.current("heart"));
        assertEquals("2\n", Files.readString(tmp.resolve("registry/heart/current")));

        assertEquals(1, r.rollback("heart"));
        assertEquals(Optional.of(1), r.current("heart"));
        IOException none = assertThrows(IOException.class, () -> r.rollback("heart"));
        assertTrue(none.getMessage().contains("holds no earlier version (current: 1)"), none.getMessage());
        assertEquals(Optional.of(1), r.current("heart"));
    }

    @Test
    void rollbackPassesOverAHistoryEntryLeftByACrashedPromote() throws IOException {
        ModelRegistry r = registry();
        r.register("heart", run("a", 1, 0.8));
        r.register("heart", run("b", 2, 0.9));
        r.promote("heart", 1);
        // promote 2 died after appending "1" to history, before replacing current
        Files.writeString(tmp.resolve("registry/heart/history"), "1\n");
        assertThrows(IOException.class, () -> r.rollback("heart"));
        assertEquals(Optional.of(1), r.current("heart"));
    }

    @Test
    void refusesMissingVersionsAndCorruptModelsAndChangesNothing() throws IOException {
        ModelRegistry r = registry();
        r.register("heart", run("a", 1, 0.8));
        r.promote("heart", 1);
        IOException missing = assertThrows(IOException.class, () -> r.promote("heart", 7));
        assertTrue(missing.getMessage().contains("model 'heart' has no version 7"), missing.getMessage());
        assertTrue(missing.getMessage().contains("versions: 1"), missing.getMessage());

        assertEquals(2, r.register("heart", run("b", 2, 0.9)));
        java.nio.file.Path file = versionsDir().resolve("2/model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(file, bytes);
        IOException corrupt = assertThrows(IOException.class, () -> r.promote("heart", 2));
        assertTrue(corrupt.getMessage().contains("version 2 does not load"), corrupt.getMessage());
        assertEquals(Optional.of(1), r.current("heart"));
        assertFalse(Files.exists(tmp.resolve("registry/heart/history")), "nothing recorded for a refused promotion");
    }

    @Test
    void aRunWithATruncatedModelLeavesNoVersionAndNoTemporaryDirectory() throws IOException {
        ModelRegistry r = registry();
        r.register("heart", run("a", 1, 0.8));
        Path broken = run("b", 2, 0.9);
        java.nio.file.Path file = tmp.resolve("b/model/model.safetensors");
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2), StandardOpenOption.TRUNCATE_EXISTING);

        Files.createDirectories(versionsDir().resolve(".v2.tmp-killed/"));   // a register killed half-way
        Files.writeString(versionsDir().resolve(".v2.tmp-killed/model.safetensors"), "half");
        assertEquals(List.of(1), r.versions("heart").stream().map(ModelRegistry.Version::number).toList());

        IOException e = assertThrows(IOException.class, () -> r.register("heart", broken));
        assertTrue(e.getMessage().contains("its model does not load"), e.getMessage());
        assertEquals(List.of("1"), versionDirEntries());
        assertEquals(List.of(1), r.versions("heart").stream().map(ModelRegistry.Version::number).toList());
        assertEquals(2, r.register("heart", run("c", 3, 0.7)), "the number is not used up");
    }

    @Test
    void namesAndUnknownModelsAreClearErrors() throws IOException {
        ModelRegistry r = registry();
        r.register("heart", run("a", 1, 0.8));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> r.register("../x", run("b", 2, 0.9)));
        assertTrue(bad.getMessage().contains("model name '../x'"), bad.getMessage());
        IOException unknown = assertThrows(IOException.class, () -> r.versions("lung"));
        assertTrue(unknown.getMessage().contains("no model 'lung' in registry") && unknown.getMessage().contains("models: heart"),
                unknown.getMessage());
        IOException noRun = assertThrows(IOException.class, () -> r.register("heart", new Path(tmp.resolve("nowhere").toUri())));
        assertTrue(noRun.getMessage().contains("nowhere/model/model.safetensors: no such file"), noRun.getMessage());
    }
}
