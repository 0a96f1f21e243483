package io.treegrad.io;

import static io.treegrad.io.TestFiles.assertBitsEqual;
import static io.treegrad.io.TestFiles.bytes;
import static io.treegrad.io.TestFiles.in;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.data.FeatureScaler;
import io.treegrad.loss.SoftmaxCrossEntropyLoss;
import io.treegrad.loss.Targets;
import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.Optimizer;
import io.treegrad.optim.OptimizerSpec;
import io.treegrad.optim.OptimizerState;
import io.treegrad.optim.ScheduleSpec;
import io.treegrad.train.Objective;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import java.util.stream.Stream;

/**
 * A checkpoint resumes a run bit for bit: a real model trained with dropout and an adaptive
 * optimizer, stopped, written to bytes, read into a freshly built model and optimizer, and run on,
 * ends exactly where the uninterrupted run ends.
 */
class CheckpointTest {
    static final ModelSpec SPEC = new ModelSpec(5, List.of(LayerSpec.linear(8), LayerSpec.activation("tanh"),
            LayerSpec.dropout(0.2), LayerSpec.linear(3)));
    static final int ROWS = 32;
    static final int BATCH = 8;
    static final int STEPS = 12;
    static final int SPLIT = 5;
    static final long SEED = 20240917L;

    /** Fixed data and labels: the batch of step s is rows [(s mod 4)·8, +8). */
    static final class Run {
        final DataType type;
        final INDArray x;
        final int[] labels = new int[ROWS];

        Run(DataType type) {
            this.type = type;
            double[] v = new double[ROWS * 5];
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.sin(0.37 * i) + 0.1 * (i % 7);
            }
            x = Nd4j.createFromArray(v).castTo(type).reshape(ROWS, 5);
            for (int i = 0; i < ROWS; i++) {
                labels[i] = (i * 7) % 3;
            }
        }

        long cursor(long step) {
            return step % (ROWS / BATCH);
        }

        void steps(Model model, Optimizer opt, long from, long to) {
            Objective objective = new Objective(model, new SoftmaxCrossEntropyLoss(), null);
            for (long s = from; s < to; s++) {
                int start = (int) cursor(s) * BATCH;
                INDArray xb = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + BATCH),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
                model.parameters().zeroGrad();
                objective.accumulateGradient(xb, Targets.labels(Arrays.copyOfRange(labels, start, start + BATCH)),
                        Mode.train(SEED + s));
                model.parameters().grads().divi(BATCH);
                opt.step(model.parameters().values(), model.parameters().grads());
            }
        }
    }

    static Optimizer adam() {
        return OptimizerSpec.of("adam").withLr(0.05).withWeightDecay(0.01).withClipNorm(1.0)
                .withSchedule(ScheduleSpec.cosine(STEPS, 1e-3).withWarmup(2)).build();
    }

    static Stream<Arguments> optimizersAndTypes() {
        return Stream.of(DataType.FLOAT, DataType.DOUBLE).flatMap(t -> Stream.of(
                Arguments.of("adam", t), Arguments.of("momentum", t), Arguments.of("sgd", t)));
    }

    static Optimizer optimizer(String kind) {
        return switch (kind) {
            case "adam" -> adam();
            case "momentum" -> OptimizerSpec.of("sgd").withLr(0.1).withMomentum(0.9).withNesterov(true).build();
            default -> OptimizerSpec.of("sgd").withLr(0.1).build();
        };
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("optimizersAndTypes")
    void resumingFromTheFileContinuesBitForBit(String kind, DataType type) throws Exception {
        Run run = new Run(type);
        Model straight = Model.build(SPEC, type, SEED);
        Optimizer straightOpt = optimizer(kind);
        run.steps(straight, straightOpt, 0, STEPS);

        Model first = Model.build(SPEC, type, SEED);
        Optimizer firstOpt = optimizer(kind);
        run.steps(first, firstOpt, 0, SPLIT);
        Checkpoint saved = Checkpoint.capture(first.parameters(), firstOpt, SPLIT, SPLIT / (ROWS / BATCH),
                run.cursor(SPLIT), SEED, null, "seed: " + SEED + "\n", Map.of("step", Integer.toString(SPLIT)));
        run.steps(first, firstOpt, SPLIT, SPLIT + 2);   // training on must not change what was captured
        byte[] file = bytes(saved::write);

        Checkpoint read = Checkpoint.read(in(file), "ckpt-5.safetensors");
        Model resumed = Model.build(SPEC, type, SEED + 999);   // other initial values: the file must overwrite them
        Optimizer resumedOpt = optimizer(kind);
        read.restoreInto(resumed.parameters(), resumedOpt);
        assertEquals(SPLIT, read.step());
        assertEquals(run.cursor(SPLIT), read.batchCursor());
        run.steps(resumed, resumedOpt, read.step(), STEPS);

        assertBitsEqual(straight.parameters().values(), resumed.parameters().values(), "θ after resuming");
        OptimizerState a = straightOpt.state();
        OptimizerState b = resumedOpt.state();
        assertEquals(a.step(), b.step());
        assertEquals(a.buffers().keySet(), b.buffers().keySet());
        for (String name : a.buffers().keySet()) {
            assertBitsEqual(a.buffers().get(name), b.buffers().get(name), "optimizer buffer " + name);
        }
    }

    static Checkpoint sampleCheckpoint(DataType type) {
        Run run = new Run(type);
        Model model = Model.build(SPEC, type, SEED);
        Optimizer opt = adam();
        run.steps(model, opt, 0, 3);
        FeatureScaler scaler = FeatureScaler.fromState(new FeatureScaler.State("MIN_MAX",
                new float[] {0, 1, 2, 3, 4}, new float[] {1, 2, 4, 8, 16}));
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("treegrad_version", "0.1.0-SNAPSHOT");
        provenance.put("data", "hdfs://nn/data/train.csv");
        return Checkpoint.capture(model.parameters(), opt, 3, 0, 3, -42L, scaler, "model: {}\n", provenance);
    }

    @ParameterizedTest
    @MethodSource("types")
    void everyFieldRoundTripsExactly(DataType type) throws Exception {
        Checkpoint c = sampleCheckpoint(type);
        Checkpoint r = Checkpoint.read(in(bytes(c::write)), "c");

        assertEquals(3, r.step());
        assertEquals(0, r.epoch());
        assertEquals(3, r.batchCursor());
        assertEquals(-42L, r.seed());
        assertEquals("model: {}\n", r.config());
        assertEquals(c.provenance(), r.provenance());
        assertEquals(List.copyOf(c.provenance().keySet()), List.copyOf(r.provenance().keySet()));
        assertBitsEqual(c.params(), r.params(), "params");
        assertEquals("adam", r.optimizer().optimizer());
        assertEquals(3, r.optimizer().step());
        assertEquals(List.copyOf(c.optimizer().buffers().keySet()), List.copyOf(r.optimizer().buffers().keySet()));
        for (String name : c.optimizer().buffers().keySet()) {
            assertBitsEqual(c.optimizer().buffers().get(name), r.optimizer().buffers().get(name), name);
        }
        assertEquals(FeatureScaler.Method.MIN_MAX, r.scaler().method());
        assertArrayEquals(c.scaler().center(), r.scaler().center());
        assertArrayEquals(c.scaler().divisor(), r.scaler().divisor());
    }

    static Stream<DataType> types() {
        return Stream.of(DataType.FLOAT, DataType.DOUBLE);
    }

    @Test
    void theFileHoldsNamedTensorsAndReadableMetadata() throws Exception {
        Checkpoint c = sampleCheckpoint(DataType.DOUBLE);
        Safetensors.Contents s = Safetensors.read(in(bytes(c::write)), "c");

        assertEquals(List.of("params", "optim.m", "optim.v", "scaler.center", "scaler.divisor"), List.copyOf(s.tensors().keySet()));
        assertEquals(DataType.DOUBLE, s.tensor("optim.m").dataType());
        assertEquals(DataType.FLOAT, s.tensor("scaler.center").dataType());
        assertEquals("treegrad-checkpoint/1", s.metadata().get("treegrad.format"));
        assertEquals("3", s.metadata().get("treegrad.step"));
        assertEquals("-42", s.metadata().get("treegrad.seed"));
        assertEquals("[\"m\",\"v\"]", s.metadata().get("treegrad.optimizer.buffers"));
        assertEquals("hdfs://nn/data/train.csv", s.metadata().get("provenance.data"));
    }

    @Test
    void aCheckpointWithoutScalerOrStateReadsBackWithout(@TempDir Path dir) throws Exception {
        Model model = Model.build(SPEC, DataType.FLOAT, 1);
        Checkpoint c = Checkpoint.capture(model.parameters(), OptimizerSpec.of("sgd").withLr(0.1).build(), 0, 0, 0, 1,
                null, "", Map.of());
        Path file = dir.resolve("ckpt-0.safetensors");
        c.write(file);
        Checkpoint r = Checkpoint.read(file);
        assertNull(r.scaler());
        assertTrue(r.optimizer().buffers().isEmpty());
        assertBitsEqual(c.params(), r.params(), "params");
    }

    @Test
    void corruptionAndMismatchesAreClearErrors() throws Exception {
        byte[] file = bytes(sampleCheckpoint(DataType.FLOAT)::write);
        byte[] flipped = file.clone();
        flipped[file.length - 100] ^= 0x10;
        TensorFileException e = assertThrows(TensorFileException.class,
                () -> Checkpoint.read(in(flipped), "hdfs://nn/run/ckpt-3.safetensors"));
        assertTrue(e.getMessage().startsWith("hdfs://nn/run/ckpt-3.safetensors: checksum mismatch"), e.getMessage());

        byte[] cut = Arrays.copyOf(file, file.length / 2);
        e = assertThrows(TensorFileException.class, () -> Checkpoint.read(in(cut), "ckpt-3.safetensors"));
        assertTrue(e.getMessage().startsWith("ckpt-3.safetensors: truncated"), e.getMessage());

        byte[] model = bytes(ModelFile.of(Model.build(SPEC, DataType.FLOAT, 1), null, "", Map.of())::write);
        e = assertThrows(TensorFileException.class, () -> Checkpoint.read(in(model), "model.safetensors"));
        assertTrue(e.getMessage().contains("not a treegrad checkpoint"), e.getMessage());

        Checkpoint c = Checkpoint.read(in(file), "c");
        Model other = Model.build(ModelSpec.logisticRegression(5, 3), DataType.FLOAT, 1);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> c.restoreInto(other.parameters(), adam()));
        assertTrue(wrong.getMessage().contains("checkpoint of a different model: 75 × FLOAT parameters in the"
                + " checkpoint, 18 × FLOAT in the model"), wrong.getMessage());
        Model same = Model.build(SPEC, DataType.FLOAT, 1);
        INDArray before = same.parameters().values().dup();
        assertThrows(IllegalArgumentException.class,
                () -> c.restoreInto(same.parameters(), OptimizerSpec.of("rmsprop").build()));
        assertBitsEqual(before, same.parameters().values(), "a refused restore leaves the parameters alone");
        assertNotEquals(0, before.length());
    }

    @Test
    void optimizerBuffersMustMatchTheParameters() {
        LinkedHashMap<String, INDArray> buffers = new LinkedHashMap<>();
        buffers.put("velocity", Nd4j.zeros(DataType.FLOAT, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Checkpoint(1, 0, 0, 0,
                Nd4j.zeros(DataType.FLOAT, 4), new OptimizerState("momentum", 1, buffers), null, "", Map.of()));
        assertTrue(e.getMessage().contains("'velocity' is 3 × FLOAT but the params are 4 × FLOAT"), e.getMessage());
    }
}
