package io.treegrad.io;

import static io.treegrad.io.TestFiles.assertBitsEqual;
import static io.treegrad.io.TestFiles.bytes;
import static io.treegrad.io.TestFiles.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.treegrad.data.FeatureScaler;
import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.nn.Parameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A trained model's file: named per-parameter tensors, spec, config, scaler, provenance; and the wrong-model errors. */
class ModelFileTest {
    static final ModelSpec SPEC = new ModelSpec(6, List.of(LayerSpec.linear(5, "he"), LayerSpec.activation("relu"),
            LayerSpec.dropout(0.25), LayerSpec.leakyRelu(0.02), LayerSpec.linear(3)));
    static final String CONFIG = "model:\n  inputs: 6\noptimizer:\n  type: adam\n  lr: 0.001\n";

    static Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("treegrad_version", "0.1.0-SNAPSHOT");
        p.put("git_commit", "38decf3");
        p.put("data", "file:///data/train.csv");
        p.put("seed", "42");
        p.put("step", "1200");
        p.put("created", "2025-01-02T03:04:05Z");
        return p;
    }

    static FeatureScaler scaler() {
        return FeatureScaler.fromState(new FeatureScaler.State("STANDARDIZE",
                new float[] {0.5f, -1f, 2f, 0f, 3.25f, 1e-3f}, new float[] {1f, 2f, 0.5f, 1f, 7f, 1e-4f}));
    }

    enum Type {
        FLOAT(DataType.FLOAT), DOUBLE(DataType.DOUBLE);

        final DataType type;

        Type(DataType type) {
            this.type = type;
        }
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void roundTripKeepsEverythingAndTheModelPredictsTheSame(Type type) throws Exception {
        Model model = Model.build(SPEC, type.type, 7);
        byte[] file = bytes(ModelFile.of(model, scaler(), CONFIG, provenance())::write);

        ModelFile read = ModelFile.read(in(file), "model.safetensors");

        assertBitsEqual(model.parameters().values(), read.parameters(), "flat parameters");
        assertEquals(SPEC, read.spec());
        assertEquals(CONFIG, read.config());
        assertEquals(provenance(), read.provenance());
        assertEquals("STANDARDIZE", read.scaler().orElseThrow().method().name());
        assertArrayEquals(scaler().center(), read.scaler().orElseThrow().center());
        assertArrayEquals(scaler().divisor(), read.scaler().orElseThrow().divisor());
        assertEquals(List.of("layer0.weight", "layer0.bias", "layer4.weight", "layer4.bias"),
                read.layout().stream().map(ModelFile.Layout::name).toList());

        Model loaded = read.toModel();
        INDArray x = Nd4j.linspace(-2.0, 2.0, 24, type.type).reshape(4, 6);
        assertBitsEqual(model.predict(x), loaded.predict(x), "predictions of the loaded model");
    }

    @Test
    void eachParameterIsItsOwnNamedTensorWithTheModelsShape() throws Exception {
        Model model = Model.build(SPEC, DataType.FLOAT, 7);
        Safetensors.Contents c = Safetensors.read(in(bytes(ModelFile.of(model, null, "", Map.of())::write)), "m");

        for (Parameters.Entry e : model.parameters().entries()) {
            assertBitsEqual(e.tensor().value(), c.tensor(e.name()), e.name());
        }
        assertEquals(ModelFile.FORMAT, c.metadata().get("treegrad.format"));
        assertEquals("{\"inputs\":6,\"layers\":[{\"type\":\"linear\",\"units\":5,\"init\":\"he\"},{\"type\":\"relu\"},"
                + "{\"type\":\"dropout\",\"rate\":0.25},{\"type\":\"leaky_relu\",\"rate\":0.02},"
                + "{\"type\":\"linear\",\"units\":3}]}", c.metadata().get("treegrad.model_spec"));
        assertTrue(c.metadata().keySet().stream().noneMatch(k -> k.startsWith("treegrad.scaler")), "no scaler, no scaler keys");
    }

    @Test
    void numpyReadsTheModelsTensorsAndMetadata(@TempDir Path dir) throws Exception {
        TestFiles.assumeNumpy();
        Model model = Model.build(SPEC, DataType.FLOAT, 7);
        Path file = dir.resolve("model.safetensors");
        ModelFile.of(model, scaler(), CONFIG, provenance()).write(file);

        JsonNode r = new ObjectMapper().readTree(TestFiles.python(TestFiles.NUMPY_READER, file.toString()));

        assertTrue(r.get("sha256_ok").asBoolean());
        JsonNode w = r.get("tensors").get("layer0.weight");
        assertEquals("[6,5]", w.get("shape").toString());
        double[] values = new ObjectMapper().convertValue(w.get("values"), double[].class);
        INDArray expected = model.parameters().get("layer0.weight").value();
        assertEquals(expected.getDouble(1, 2), values[1 * 5 + 2], 0.0, "row-major, as numpy indexes it");
        assertEquals(CONFIG, r.get("metadata").get("treegrad.config").asText());
        assertEquals("38decf3", r.get("metadata").get("provenance.git_commit").asText());
        assertEquals("[6]", r.get("tensors").get("scaler.center").get("shape").toString());
    }

    @Test
    void loadingIntoADifferentShapeSaysWhichParameterDiffers() throws Exception {
        ModelSpec wide = ModelSpec.mlp(784, new int[] {256}, 10, "relu");
        ModelSpec narrow = ModelSpec.mlp(784, new int[] {128}, 10, "relu");
        ModelFile file = ModelFile.read(in(bytes(ModelFile.of(Model.build(wide, DataType.FLOAT, 1), null, "", Map.of())::write)),
                "runs/a/model.safetensors");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> file.loadInto(Model.build(narrow, DataType.FLOAT, 1)));
        assertEquals("runs/a/model.safetensors: checkpoint of a different model shape: layer0.weight is [784, 256]"
                + " in the file, [784, 128] in the model", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> file.loadInto(Model.build(ModelSpec.logisticRegression(784, 10), DataType.FLOAT, 1)));
        assertTrue(e.getMessage().contains("different model: the file has parameters [layer0.weight, layer0.bias,"
                + " layer2.weight, layer2.bias], the model [layer0.weight, layer0.bias]"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> file.loadInto(Model.build(wide, DataType.DOUBLE, 1)));
        assertTrue(e.getMessage().contains("FLOAT in the file but DOUBLE in the model"), e.getMessage());
    }

    @Test
    void aCheckpointIsNotAModelFileAndCorruptionNamesTheFile() throws Exception {
        byte[] ckpt = bytes(CheckpointTest.sampleCheckpoint(DataType.FLOAT)::write);
        TensorFileException e = assertThrows(TensorFileException.class, () -> ModelFile.read(in(ckpt), "ckpt-3.safetensors"));
        assertEquals("ckpt-3.safetensors: not a treegrad model file (treegrad-model/1): its treegrad.format is"
                + " 'treegrad-checkpoint/1'", e.getMessage());

        byte[] model = bytes(ModelFile.of(Model.build(SPEC, DataType.FLOAT, 7), null, "", Map.of())::write);
        model[model.length - 3] ^= 0x40;
        e = assertThrows(TensorFileException.class, () -> ModelFile.read(in(model), "out/model.safetensors"));
        assertTrue(e.getMessage().startsWith("out/model.safetensors: checksum mismatch"), e.getMessage());
    }

    @Test
    void aPlainSafetensorsFileIsNotATreegradModel(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("other.safetensors");
        Files.write(file, bytes(out -> Safetensors.write(out, Map.of("w", Nd4j.ones(DataType.FLOAT, 2)), Map.of())));
        TensorFileException e = assertThrows(TensorFileException.class, () -> ModelFile.read(file));
        assertTrue(e.getMessage().contains("not a treegrad model file: a safetensors file without treegrad.format"),
                e.getMessage());
    }
}
