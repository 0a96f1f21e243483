package io.treegrad.driver.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.data.FeatureScaler;
import io.treegrad.io.Json;
import io.treegrad.io.ModelFile;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** A model's output directory: model.safetensors, config.yaml and provenance.json, each written whole. */
class ModelStoreTest {
    @TempDir
    java.nio.file.Path tmp;

    static final String CONFIG = "model:\n  type: mlp\n  hidden: [16]\nseed: 3\n";

    static Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("treegrad_version", "0.1.0-SNAPSHOT");
        p.put("data", "file:///data/\"quoted\" path.csv");
        p.put("step", "900");
        return p;
    }

    Path dir() {
        return new Path(tmp.resolve("out/model").toUri());
    }

    List<String> names() throws IOException {
        try (Stream<java.nio.file.Path> s = Files.list(tmp.resolve("out/model"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesTheThreeFilesAndLoadsTheModelBack() throws IOException {
        FileSystem fs = FileSystem.get(URI.create("file:///"), new Configuration());
        Model model = Model.build(ModelSpec.mlp(4, new int[] {16}, 3, "relu"), DataType.FLOAT, 3);
        FeatureScaler scaler = FeatureScaler.divideBy(4, 255f);
        ModelStore store = new ModelStore(fs, dir());
        store.save(ModelFile.of(model, scaler, CONFIG, provenance()));

        assertEquals(List.of("config.yaml", "model.safetensors", "provenance.json"), names());
        assertEquals(CONFIG, Files.readString(tmp.resolve("out/model/config.yaml")));
        String json = Files.readString(tmp.resolve("out/model/provenance.json"));
        assertEquals(provenance(), Json.parse(json));
        assertTrue(json.startsWith("{\n  \"treegrad_version\": \"0.1.0-SNAPSHOT\",\n"), json);

        ModelFile loaded = store.load();
        assertArrayEquals(model.parameters().values().toFloatVector(), loaded.parameters().toFloatVector(), 0f);
        assertEquals(CONFIG, loaded.config());
        assertEquals(provenance(), loaded.provenance());
        assertEquals(FeatureScaler.Method.DIVIDE, loaded.scaler().orElseThrow().method());

        Model other = Model.build(ModelSpec.mlp(4, new int[] {16}, 3, "relu"), DataType.FLOAT, 4);
        store.save(ModelFile.of(other, null, "", Map.of()));
        assertArrayEquals(other.parameters().values().toFloatVector(), store.load().parameters().toFloatVector(), 0f);
        assertEquals("", Files.readString(tmp.resolve("out/model/config.yaml")));
        assertEquals("{}\n", Files.readString(tmp.resolve("out/model/provenance.json")));
        assertEquals(List.of("config.yaml", "model.safetensors", "provenance.json"), names(), "nothing else left");
    }

    @Test
    void aCrashWhileWritingTheModelLeavesThePreviousOneWholeAndReadable() throws IOException {
        CrashingFileSystem fs = new CrashingFileSystem();
        ModelStore store = new ModelStore(fs, dir());
        ModelSpec spec = ModelSpec.mlp(4, new int[] {16}, 3, "relu");
        Model first = Model.build(spec, DataType.FLOAT, 3);
        store.save(ModelFile.of(first, null, CONFIG, provenance()));
        java.nio.file.Path file = tmp.resolve("out/model/model.safetensors");
        byte[] before = Files.readAllBytes(file);

        fs.crashWriting(".model.safetensors", before.length / 2);
        Model second = Model.build(spec, DataType.FLOAT, 4);
        IOException e = assertThrows(IOException.class, () -> store.save(ModelFile.of(second, null, "", Map.of())));
        assertTrue(e.getMessage().contains("simulated crash"), e.getMessage());

        assertArrayEquals(before, Files.readAllBytes(file), "the previous model, byte for byte");
        ModelFile read = new ModelStore(FileSystem.get(URI.create("file:///"), new Configuration()), dir()).load();
        assertArrayEquals(first.parameters().values().toFloatVector(), read.parameters().toFloatVector(), 0f);
        assertEquals(CONFIG, Files.readString(tmp.resolve("out/model/config.yaml")), "its side files too");
        assertEquals(List.of("config.yaml", "model.safetensors", "provenance.json"), names(), "no temporary file left");
    }

    @Test
    void aMissingModelIsAnErrorNamingThePath() throws IOException {
        FileSystem fs = FileSystem.get(URI.create("file:///"), new Configuration());
        ModelStore store = new ModelStore(fs, dir());
        IOException e = assertThrows(IOException.class, store::load);
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
