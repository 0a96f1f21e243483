package io.treegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The optimizer's state: checkpoint and resume bit for bit, lazy allocation in the parameters'
 * type, no allocation per step, and the errors for arguments and states that do not fit.
 */
class OptimizerStateTest {
    private static final int N = 257;
    private static final int STEPS = 10;
    private static final int SPLIT = 4;

    /** Every optimizer, with weight decay, a schedule and clipping where they add code paths. */
    static final List<OptimizerSpec> SPECS = List.of(
            OptimizerSpec.of("sgd").withLr(0.05),
            OptimizerSpec.of("sgd").withLr(0.05).withWeightDecay(0.01).withClipNorm(2.0),
            OptimizerSpec.of("sgd").withLr(0.05).withMomentum(0.9)
                    .withSchedule(ScheduleSpec.step(3, 0.5).withWarmup(2)),
            OptimizerSpec.of("sgd").withLr(0.05).withMomentum(0.9).withNesterov(true).withWeightDecay(0.01),
            OptimizerSpec.of("adagrad").withLr(0.1).withWeightDecay(0.01)
                    .withSchedule(ScheduleSpec.inverseTime(0.2)),
            OptimizerSpec.of("rmsprop").withWeightDecay(0.01).withSchedule(ScheduleSpec.exponential(0.9)),
            OptimizerSpec.of("adam").withLr(0.01).withWeightDecay(0.01).withClipNorm(1.0),
            OptimizerSpec.of("adamw").withLr(0.01).withSchedule(ScheduleSpec.cosine(8, 1e-4).withWarmup(2)));

    static Stream<Arguments> specsAndTypes() {
        return SPECS.stream().flatMap(s -> Stream.of(DataType.FLOAT, DataType.DOUBLE)
                .map(t -> Arguments.of(Named.of(describe(s), s), t)));
    }

    static Stream<Arguments> specs() {
        return SPECS.stream().map(s -> Arguments.of(Named.of(describe(s), s)));
    }

    static String describe(OptimizerSpec s) {
        return s.build().toString() + (s.clipNorm() == null ? "" : " clip " + s.clipNorm());
    }

    /**
     * A deterministic gradient that depends on θ and on the step: g = h ⊙ θ − b + sin(s + i)/4,
     * so the trajectory depends on the whole optimizer state.
     */
    static final class Problem {
        final INDArray h;
        final INDArray b;
        final INDArray noise;

        Problem(DataType type) {
            Nd4j.getRandom().setSeed(7);
            h = Nd4j.rand(DataType.DOUBLE, N).addi(0.5).castTo(type);
            b = Nd4j.randn(DataType.DOUBLE, N).castTo(type);
            noise = Nd4j.zeros(type, N);
        }

        INDArray theta0() {
            Nd4j.getRandom().setSeed(11);
            return Nd4j.randn(DataType.DOUBLE, N).muli(2).castTo(h.dataType());
        }

        void gradient(INDArray theta, long step, INDArray out) {
            for (int i = 0; i < N; i++) {
                noise.putScalar(i, Math.sin(step + i) / 4);
            }
            theta.mul(h, out);
            out.subi(b).addi(noise);
        }

        void run(Optimizer opt, INDArray theta, INDArray grad, int from, int to) {
            for (int s = from; s < to; s++) {
                gradient(theta, s, grad);
                opt.step(theta, grad);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("specsAndTypes")
    void resumingFromACheckpointContinuesBitForBit(OptimizerSpec spec, DataType type) {
        Problem p = new Problem(type);
        Optimizer straight = spec.build();
        INDArray theta = p.theta0();
        INDArray grad = Nd4j.zeros(type, N);
        p.run(straight, theta, grad, 0, STEPS);

        Optimizer first = spec.build();
        INDArray theta2 = p.theta0();
        p.run(first, theta2, grad, 0, SPLIT);
        OptimizerState saved = throughJavaArrays(first.state());
        double[] savedTheta = theta2.toDoubleVector();     // exact for float32 and float64

        Optimizer resumed = spec.build();
        resumed.restore(saved);
        assertEquals(SPLIT, resumed.stepCount());
        INDArray theta3 = Nd4j.createFromArray(savedTheta).castTo(type);
        p.run(resumed, theta3, grad, SPLIT, STEPS);

        assertEquals(STEPS, resumed.stepCount());
        assertArrayEquals(theta.toDoubleVector(), theta3.toDoubleVector(), 0.0, "θ after resuming");
        assertEquals(straight.lastLearningRate(), resumed.lastLearningRate(), 0.0);
        OptimizerState a = straight.state();
        OptimizerState b = resumed.state();
        assertEquals(a.buffers().keySet(), b.buffers().keySet());
        for (String name : a.buffers().keySet()) {
            assertArrayEquals(a.buffers().get(name).toDoubleVector(), b.buffers().get(name).toDoubleVector(), 0.0,
                    name);
        }
        // and the run did go somewhere: resuming without the state would not reproduce it
        if (!a.buffers().isEmpty()) {
            Optimizer amnesiac = spec.build();
            amnesiac.restore(new OptimizerState(amnesiac.name(), SPLIT, zeroed(saved.buffers())));
            INDArray theta4 = Nd4j.createFromArray(savedTheta).castTo(type);
            p.run(amnesiac, theta4, grad, SPLIT, STEPS);
            assertNotEquals(theta.getDouble(0), theta4.getDouble(0));
        }
    }

    /** A checkpoint writes each buffer as a plain float[] / double[] and reads it back. */
    private static OptimizerState throughJavaArrays(OptimizerState s) {
        LinkedHashMap<String, INDArray> copies = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : s.buffers().entrySet()) {
            INDArray b = e.getValue();
            copies.put(e.getKey(), b.dataType() == DataType.FLOAT
                    ? Nd4j.createFromArray(b.toFloatVector())
                    : Nd4j.createFromArray(b.toDoubleVector()));
        }
        return new OptimizerState(s.optimizer(), s.step(), copies);
    }

    private static LinkedHashMap<String, INDArray> zeroed(Map<String, INDArray> buffers) {
        LinkedHashMap<String, INDArray> z = new LinkedHashMap<>();
        buffers.forEach((k, v) -> z.put(k, Nd4j.zeros(v.dataType(), v.length())));
        return z;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void stateIsAllocatedOnTheFirstStepInTheParametersType(OptimizerSpec spec) {
        Optimizer opt = spec.build();
        OptimizerState before = opt.state();
        assertEquals(0, before.step());
        assertTrue(before.buffers().isEmpty());
        Problem p = new Problem(DataType.FLOAT);
        p.run(opt, p.theta0(), Nd4j.zeros(DataType.FLOAT, N), 0, 1);
        OptimizerState after = opt.state();
        assertEquals(1, after.step());
        assertEquals(opt.stateNames(), List.copyOf(after.buffers().keySet()));
        for (INDArray b : after.buffers().values()) {
            assertEquals(DataType.FLOAT, b.dataType());
            assertEquals(N, b.length());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void aSnapshotIsACopy(OptimizerSpec spec) {
        Optimizer opt = spec.build();
        Problem p = new Problem(DataType.DOUBLE);
        INDArray theta = p.theta0();
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, N);
        p.run(opt, theta, grad, 0, 2);
        OptimizerState snapshot = opt.state();
        Map<String, double[]> values = new LinkedHashMap<>();
        snapshot.buffers().forEach((k, v) -> values.put(k, v.toDoubleVector()));
        p.run(opt, theta, grad, 2, 4);
        assertEquals(2, snapshot.step());
        snapshot.buffers().forEach((k, v) -> assertArrayEquals(values.get(k), v.toDoubleVector(), 0.0, k));

        // and restoring copies too: changing the snapshot afterwards does not reach the optimizer
        Optimizer other = spec.build();
        other.restore(snapshot);
        snapshot.buffers().values().forEach(v -> v.assign(1e6));
        other.state().buffers().forEach((k, v) -> assertArrayEquals(values.get(k), v.toDoubleVector(), 0.0, k));
    }

    /**
     * After the first step, a step allocates no array: run inside a workspace, anything it allocated
     * would land there. And the state, allocated on a first step taken inside a workspace that is
     * then recycled every step, still lives outside it (else recycling would corrupt the run).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    @SuppressWarnings("try")
    void aStepAllocatesNothingAndStateOutlivesWorkspaces(OptimizerSpec spec) {
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(16L * N * 8)
                .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.NONE).build();
        Problem p = new Problem(DataType.FLOAT);
        INDArray grad = Nd4j.zeros(DataType.FLOAT, N);

        Optimizer reference = spec.build();
        INDArray expected = p.theta0();
        p.run(reference, expected, grad, 0, 6);

        Optimizer opt = spec.build();
        INDArray theta = p.theta0();
        for (int s = 0; s < 6; s++) {
            p.gradient(theta, s, grad);
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "optim-probe")) {
                long before = ws.getPrimaryOffset();
                opt.step(theta, grad);
                long allocated = ws.getPrimaryOffset() - before;
                if (s > 0) {
                    assertTrue(allocated < 4L * N, "step " + (s + 1) + " allocated " + allocated
                            + " bytes in the workspace (one buffer is " + 4L * N + ")");
                }
            }
        }
        assertArrayEquals(expected.toFloatVector(), theta.toFloatVector(), 0f);
    }

    @Test
    void restoreChecksTheOptimizerAndItsBuffers() {
        Adam adam = new Adam(0.01);
        Problem p = new Problem(DataType.DOUBLE);
        p.run(adam, p.theta0(), Nd4j.zeros(DataType.DOUBLE, N), 0, 2);
        OptimizerState saved = adam.state();

        IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class,
                () -> new AdamW(0.01).restore(saved));
        assertEquals("cannot restore 'adam' optimizer state into a 'adamw' optimizer", wrongType.getMessage());

        LinkedHashMap<String, INDArray> onlyM = new LinkedHashMap<>();
        onlyM.put("m", saved.buffers().get("m"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new Adam(0.01).restore(new OptimizerState("adam", 2, onlyM)));
        assertEquals("adam state must have buffers [m, v], got [m] (at step 2)", missing.getMessage());

        LinkedHashMap<String, INDArray> ragged = new LinkedHashMap<>(saved.buffers());
        ragged.put("v", Nd4j.zeros(DataType.DOUBLE, N + 1));
        assertThrows(IllegalArgumentException.class, () -> new Adam(0.01).restore(new OptimizerState("adam", 2, ragged)));

        // a state that fits another model fails at the next step, naming both sizes
        Adam restored = new Adam(0.01);
        restored.restore(saved);
        IllegalStateException otherModel = assertThrows(IllegalStateException.class,
                () -> restored.step(Nd4j.zeros(DataType.DOUBLE, 5), Nd4j.zeros(DataType.DOUBLE, 5)));
        assertEquals("adam state is 257 × DOUBLE but params are 5 × DOUBLE: was it restored from another model's"
                + " checkpoint?", otherModel.getMessage());

        // restoring a fresh state resets
        restored.restore(new OptimizerState("adam", 0, new LinkedHashMap<>()));
        assertEquals(0, restored.stepCount());
        restored.step(Nd4j.zeros(DataType.FLOAT, 5), Nd4j.ones(DataType.FLOAT, 5));
        assertEquals(1, restored.stepCount());
    }

    @Test
    void stepRejectsArgumentsThatAreNotOneFlatBufferPair() {
        Sgd sgd = new Sgd(0.1);
        INDArray p = Nd4j.zeros(DataType.FLOAT, 6);
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> sgd.step(p.reshape(2, 3), p.reshape(2, 3)));
        assertEquals("sgd.step: params and grad must be flat (rank 1), got shapes [2, 3] and [2, 3]",
                rank.getMessage());
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> sgd.step(p, Nd4j.zeros(DataType.FLOAT, 5)));
        assertEquals("sgd.step: params are 6 × FLOAT but grad is 5 × FLOAT; they must match", length.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sgd.step(p, Nd4j.zeros(DataType.DOUBLE, 6)));
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> sgd.step(Nd4j.zeros(DataType.INT32, 6), Nd4j.zeros(DataType.INT32, 6)));
        assertTrue(type.getMessage().startsWith("sgd.step: params must be FLOAT or DOUBLE, got INT"), type.getMessage());
        INDArray column = Nd4j.zeros(DataType.FLOAT, 6, 2).getColumn(0);
        assertThrows(IllegalArgumentException.class, () -> sgd.step(column, column.dup()));
        assertEquals(0, sgd.stepCount());
    }

    /** The flat buffer may be a contiguous view at an offset into a larger one. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void stepsOnAViewAtAnOffsetTouchOnlyTheView(OptimizerSpec spec) {
        Problem p = new Problem(DataType.DOUBLE);
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, N);
        Optimizer plain = spec.build();
        INDArray expected = p.theta0();
        p.run(plain, expected, grad, 0, 3);

        INDArray big = Nd4j.valueArrayOf(new long[] {N + 7}, -3.0, DataType.DOUBLE);
        INDArray theta = big.get(NDArrayIndex.interval(3, 3 + N));
        theta.assign(p.theta0());
        INDArray bigGrad = Nd4j.zeros(DataType.DOUBLE, N + 5);
        INDArray gradView = bigGrad.get(NDArrayIndex.interval(5, 5 + N));
        Optimizer viewed = spec.build();
        for (int s = 0; s < 3; s++) {
            p.gradient(theta, s, gradView);
            viewed.step(theta, gradView);
        }
        assertArrayEquals(expected.toDoubleVector(), theta.toDoubleVector(), 0.0);
        double[] all = big.toDoubleVector();
        for (int i : new int[] {0, 1, 2, N + 3, N + 4, N + 5, N + 6}) {
            assertEquals(-3.0, all[i], 0.0, "outside the view at " + i);
        }
    }

    @Test
    void aScheduleThatGivesNoUsableRateStopsTheStep() {
        Sgd sgd = new Sgd(step -> step < 2 ? 0.1 : Double.NaN, 0);
        INDArray theta = Nd4j.ones(DataType.DOUBLE, 3);
        sgd.step(theta, Nd4j.ones(DataType.DOUBLE, 3));
        sgd.step(theta, Nd4j.ones(DataType.DOUBLE, 3));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> sgd.step(theta, Nd4j.ones(DataType.DOUBLE, 3)));
        assertTrue(e.getMessage().contains("gave lr = NaN at step 3"), e.getMessage());
        assertArrayEquals(new double[] {0.8, 0.8, 0.8}, theta.toDoubleVector(), 1e-15);
        assertFalse(sgd.stepCount() > 2);
    }
}
