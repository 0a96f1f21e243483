package io.treegrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.autodiff.Tensor;
import io.treegrad.loss.L2Penalty;
import io.treegrad.loss.SoftmaxCrossEntropyLoss;
import io.treegrad.loss.Targets;
import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ObjectiveTest {
    private static final ModelSpec SPEC = new ModelSpec(12, List.of(LayerSpec.linear(16), LayerSpec.activation("relu"),
            LayerSpec.dropout(0.25), LayerSpec.linear(5)));
    private static final int[] LABELS = {0, 4, 1, 3, 2, 2, 0, 1};

    /** The workspace step computes what the plain engine computes outside any workspace. */
    @Test
    void stepGradientEqualsThePlainEngineGradient() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 12);
        Model a = Model.build(SPEC, DataType.DOUBLE, 3);
        double loss = new Objective(a, new SoftmaxCrossEntropyLoss(), new L2Penalty(0.01))
                .accumulateGradient(x, Targets.labels(LABELS), Mode.train(77));

        Model b = Model.build(SPEC, DataType.DOUBLE, 3);
        Tensor plain = Tensor.softmaxCrossEntropy(b.forward(Tensor.of(x), Mode.train(77)), LABELS)
                .add(new L2Penalty(0.01).of(b.weights()));
        plain.backward(Tensor.scalar(DataType.DOUBLE, 8));

        assertEquals(plain.item() * 8, loss, 1e-12);
        assertArrayEquals(b.parameters().grads().toDoubleVector(), a.parameters().grads().toDoubleVector(), 0);
    }

    @Test
    void stepsReuseOneWorkspaceBlock() {
        Model m = Model.build(SPEC, DataType.FLOAT, 3);
        Objective objective = new Objective(m, new SoftmaxCrossEntropyLoss(), null);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 12);
        long[] sizes = new long[4];
        for (int i = 0; i < sizes.length; i++) {
            objective.accumulateGradient(x, Targets.labels(LABELS), Mode.train(i));
            MemoryWorkspace ws = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread("treegrad-step");
            sizes[i] = ws.getCurrentSize();
        }
        assertTrue(sizes[1] > 0, "the workspace learned its size on the first step");
        assertEquals(sizes[1], sizes[3], "no growth after the first steps: " + java.util.Arrays.toString(sizes));
        assertTrue(m.parameters().grads().amaxNumber().doubleValue() > 0, "the gradient escaped into the flat buffer");
    }

    /**
     * The running training fit is the plain engine's training-mode outputs scored by hand: argmax
     * against the label, and Σ (output − target)² for regression.
     */
    @Test
    void stepCountsTheFitOfItsTrainingOutputs() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 12);
        Objective o = new Objective(Model.build(SPEC, DataType.DOUBLE, 3), new SoftmaxCrossEntropyLoss(), null);
        o.accumulateGradient(x, Targets.labels(LABELS), Mode.train(77));
        INDArray out = Model.build(SPEC, DataType.DOUBLE, 3).forward(Tensor.of(x), Mode.train(77)).value();
        long right = 0;
        for (int r = 0; r < LABELS.length; r++) {
            int best = 0;
            for (int c = 1; c < 5; c++) {
                best = out.getDouble(r, c) > out.getDouble(r, best) ? c : best;
            }
            right += best == LABELS[r] ? 1 : 0;
        }
        assertEquals(right, o.lastCorrect());
        assertEquals(0.0, o.lastSquaredError());

        ModelSpec reg = new ModelSpec(12, List.of(LayerSpec.linear(4), LayerSpec.activation("tanh"), LayerSpec.linear(1)));
        INDArray y = Nd4j.rand(DataType.DOUBLE, 8, 1);
        Objective r = new Objective(Model.build(reg, DataType.DOUBLE, 5), new io.treegrad.loss.MeanSquaredError(), null);
        r.accumulateGradient(x, Targets.values(y), Mode.train(1));
        INDArray pred = Model.build(reg, DataType.DOUBLE, 5).forward(Tensor.of(x), Mode.train(1)).value();
        double sq = 0;
        for (int i = 0; i < 8; i++) {
            double d = pred.getDouble(i, 0) - y.getDouble(i, 0);
            sq += d * d;
        }
        assertEquals(sq, r.lastSquaredError(), 1e-12);
        assertEquals(0, r.lastCorrect());
    }

    /** argmax per row, first largest on ties, for FLOAT and DOUBLE outputs in either order and as a view. */
    @Test
    void batchEvaluationCountsArgmaxHitsForEveryTypeAndLayout() {
        float[][] rows = {{0.1f, 0.7f, 0.2f}, {0.5f, 0.5f, -1f}, {-3f, -2f, -1f}, {2f, 1f, 2f}};
        int[] labels = {1, 0, 2, 2};   // hits: row 0, row 1 (tie: first), row 2; row 3's first max is 0
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray c = Nd4j.createFromArray(rows).castTo(type);
            INDArray padded = Nd4j.zeros(type, 6, 5);
            padded.get(NDArrayIndex.interval(1, 5), NDArrayIndex.interval(1, 4)).assign(c);
            for (INDArray outputs : new INDArray[] {c, c.dup('f'), padded.get(NDArrayIndex.interval(1, 5), NDArrayIndex.interval(1, 4))}) {
                assertEquals(3, new Objective.BatchEvaluation(Double.NaN, outputs).correct(labels),
                        type + " order " + outputs.ordering() + " view " + outputs.isView());
            }
        }
    }
}
