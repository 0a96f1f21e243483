package io.treegrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.loss.SoftmaxCrossEntropyLoss;
import io.treegrad.loss.Targets;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class GradientSumTest {

    @Test
    void addAndMergeSumInPlaceAndTheMeanDividesOnce() {
        GradientSum a = GradientSum.empty().add(Nd4j.createFromArray(1f, 2f), 3.0, 2);
        GradientSum b = GradientSum.empty().add(Nd4j.createFromArray(10f, 20f), 5.0, 3);
        GradientSum empty = GradientSum.empty();
        assertTrue(empty.isEmpty());
        GradientSum total = empty.merge(a).merge(b).merge(GradientSum.empty());
        assertSame(empty, total);
        assertEquals(5, total.count());
        assertEquals(8.0, total.lossSum(), 0);
        assertEquals(0, total.correct());
        GradientSum fitted = GradientSum.empty().merge(GradientSum.empty().add(Nd4j.createFromArray(1f), 0, 4).addFit(3, 0.5))
                .merge(GradientSum.empty().add(Nd4j.createFromArray(1f), 0, 4).addFit(1, 0.25));
        assertEquals(4, fitted.correct(), "the training fit adds up over partials");
        assertEquals(0.75, fitted.squaredErrors(), 0);
        assertArrayEquals(new float[] {11f / 5, 22f / 5}, total.meanGradient().toFloatVector(), 1e-7f);
        assertThrows(IllegalStateException.class, () -> total.merge(GradientSum.empty()
                .add(Nd4j.createFromArray(1f, 2f, 3f), 0, 1)));
    }

    @Test
    void mergingKeepsTheSlowestComputeTimeAndAddsUpMergeTime() {
        GradientSum a = GradientSum.empty().add(Nd4j.createFromArray(new float[100_000]), 1, 1).computedIn(7_000);
        GradientSum b = GradientSum.empty().add(Nd4j.createFromArray(new float[100_000]), 1, 1).computedIn(9_000);
        GradientSum c = GradientSum.empty().add(Nd4j.createFromArray(new float[100_000]), 1, 1).computedIn(3_000);
        assertEquals(0, a.mergeNanos());
        GradientSum ab = a.merge(b);              // adds 100k floats: takes measurable time
        long first = ab.mergeNanos();
        assertTrue(first > 0, "a merge that adds buffers takes time");
        GradientSum all = GradientSum.empty().merge(c).merge(ab);
        assertEquals(9_000, all.computeNanos(), "the critical path is the slowest partial");
        assertTrue(all.mergeNanos() >= first, "merge time of subtrees is carried up");
    }

    @Test
    void survivesSerialization() throws Exception {
        GradientSum a = GradientSum.empty().add(Nd4j.createFromArray(1.5, -2.0), 1.25, 4);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(a);
        }
        GradientSum back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (GradientSum) in.readObject();
        }
        assertEquals(4, back.count());
        assertArrayEquals(new double[] {1.5 / 4, -0.5}, back.meanGradient().toDoubleVector(), 0);
    }

    /**
     * Splitting a batch across "tasks" and merging their sums gives the gradient of the whole batch:
     * the property the data-parallel driver rests on.
     */
    @Test
    void partialSumsOfSplitBatchesEqualTheWholeBatchGradient() {
        Model model = Model.build(ModelSpec.mlp(6, new int[] {5}, 3, "tanh"), DataType.DOUBLE, 4);
        Objective objective = new Objective(model, new SoftmaxCrossEntropyLoss(), null);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 10, 6);
        int[] y = {0, 1, 2, 2, 1, 0, 0, 1, 2, 1};

        double wholeLoss = objective.accumulateGradient(x, Targets.labels(y), Mode.EVAL);
        INDArray whole = model.parameters().grads().dup().divi(10);
        model.parameters().zeroGrad();

        GradientSum sum = GradientSum.empty();
        int[][] parts = {{0, 3}, {3, 4}, {4, 10}};
        for (int[] p : parts) {
            int[] labels = java.util.Arrays.copyOfRange(y, p[0], p[1]);
            double loss = objective.accumulateGradient(x.get(NDArrayIndex.interval(p[0], p[1]), NDArrayIndex.all()),
                    Targets.labels(labels), Mode.EVAL);
            sum.merge(GradientSum.empty().add(model.parameters().grads(), loss, labels.length));
            model.parameters().zeroGrad();
        }
        assertEquals(10, sum.count());
        assertEquals(wholeLoss / 10, sum.meanLoss(), 1e-14);
        assertArrayEquals(whole.toDoubleVector(), sum.meanGradient().toDoubleVector(), 1e-14);
    }
}
