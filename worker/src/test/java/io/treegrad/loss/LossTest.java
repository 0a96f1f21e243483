package io.treegrad.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.autodiff.GradCheck;
import io.treegrad.autodiff.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Loss values against PyTorch (torch 1.13, float64, reduction 'mean'), and their gradients. */
class LossTest {
    private static final DataType F64 = DataType.DOUBLE;
    private static final double[][] Y = {{0.5, -1.0}, {2.0, 0.25}, {-0.3, 1.5}};
    private static final double[][] T = {{0.0, -1.5}, {1.0, 3.0}, {0.2, 1.5}};

    private static Tensor y() {
        return Tensor.of(F64, Y).requiresGrad(true);
    }

    private static Targets t() {
        return Targets.values(Nd4j.createFromArray(T));
    }

    @Test
    void meanSquaredError() {
        assertEquals(1.5520833333333333, new MeanSquaredError().compute(y(), t()).item(), 1e-15);
        GradCheck.check(in -> new MeanSquaredError().compute(in[0], t()), y());
    }

    @Test
    void huber() {
        assertEquals(0.5208333333333334, new Huber(1.0).compute(y(), t()).item(), 1e-15);
        assertEquals(0.3333333333333333, new Huber(0.5).compute(y(), t()).item(), 1e-15);
        GradCheck.withOptions().jvp(true).verify(in -> new Huber(0.5).compute(in[0], t()), y());
    }

    @Test
    void binaryCrossEntropyWithLogitsIsStableForLargeLogits() {
        Tensor z = Tensor.of(F64, new double[][] {{3.0}, {-2.0}, {0.1}, {50.0}, {-60.0}}).requiresGrad(true);
        Tensor loss = new BinaryCrossEntropyWithLogits().compute(z, Targets.labels(new int[] {1, 0, 1, 0, 0}));
        assertEquals(10.163982404538057, loss.item(), 1e-12);
        GradCheck.check(in -> new BinaryCrossEntropyWithLogits().compute(in[0],
                Targets.values(Nd4j.createFromArray(new double[][] {{1}, {0}, {0.3}, {0}, {0}}))), z);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BinaryCrossEntropyWithLogits().compute(z, Targets.labels(new int[] {1, 0, 2, 0, 0})));
        assertTrue(e.getMessage().contains("label 2 at row 2"), e.getMessage());
    }

    @Test
    void softmaxCrossEntropy() {
        Tensor logits = Tensor.of(F64, new double[][] {{2.0, 1.0, 0.1}, {0.5, 2.5, -1.0}});
        assertEquals(2.035104111700061,
                new SoftmaxCrossEntropyLoss().compute(logits, Targets.labels(new int[] {0, 2})).item(), 1e-15);
    }

    /**
     * FLOAT and DOUBLE logits go through a host copy (one Java pass): loss and first-order gradient
     * against ND4J's log-softmax op, for C, F and offset-view logits, large ones included; HALF keeps
     * the op path (unchanged) and agrees to its precision.
     */
    @Test
    void softmaxCrossEntropyOnTheHostMatchesNd4jsLogSoftmax() {
        int[] labels = {0, 4, 2, 2, 1, 3, 0};
        Nd4j.getRandom().setSeed(11);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF}) {
            INDArray base = Nd4j.rand(DataType.DOUBLE, 7, 5).subi(0.5).muli(6);
            if (type != DataType.HALF) {
                base.putScalar(3, 1, 90.0);   // exp(90) overflows a float: the stable path must not
            }
            INDArray big = Nd4j.zeros(DataType.DOUBLE, 9, 8);
            big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 9),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 6)).assign(base);
            INDArray view = big.castTo(type).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 9),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 6));
            INDArray logProb = Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax(base,
                    Nd4j.createUninitialized(DataType.DOUBLE, 7, 5)))[0];
            double expected = 0;
            INDArray grad = org.nd4j.linalg.ops.transforms.Transforms.exp(logProb, true);
            for (int i = 0; i < 7; i++) {
                expected -= logProb.getDouble(i, labels[i]) / 7;
                grad.putScalar(i, labels[i], grad.getDouble(i, labels[i]) - 1);
            }
            grad.muli(3.0 / 7);   // the backward below is seeded with 3
            double tol = type == DataType.HALF ? 2e-2 : type == DataType.FLOAT ? 1e-5 : 1e-12;
            for (INDArray z : new INDArray[] {base.castTo(type), base.castTo(type).dup('f'), view}) {
                Tensor logits = Tensor.of(z).requiresGrad(true);
                Tensor loss = new SoftmaxCrossEntropyLoss().compute(logits, Targets.labels(labels));
                String what = type + " order " + z.ordering() + " view " + z.isView();
                assertEquals(expected, loss.item(), tol * Math.abs(expected), what + ": loss");
                loss.backward(Tensor.scalar(type, 3.0));
                double[] g = logits.grad().value().castTo(DataType.DOUBLE).dup('c').data().asDouble();
                double[] e = grad.dup('c').data().asDouble();
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], g[i], tol + tol * Math.abs(e[i]), what + ": gradient element " + i);
                }
            }
        }
    }

    @Test
    void l2PenaltyIsLambdaTimesTheSquaredNormAndItsGradientTwoLambdaW() {
        Tensor w1 = Tensor.of(F64, 1, -2).requiresGrad(true);
        Tensor w2 = Tensor.of(F64, new double[][] {{3}}).requiresGrad(true);
        Tensor p = new L2Penalty(0.1).of(List.of(w1, w2));
        assertEquals(0.1 * (1 + 4 + 9), p.item(), 1e-15);
        p.backward();
        assertEquals(-0.4, w1.grad().value().getDouble(1), 1e-15);
        assertEquals(0.6, w2.grad().value().getDouble(0, 0), 1e-15);
    }

    @Test
    void lossesByNameAndTheirErrors() {
        assertTrue(Loss.named("cross-entropy", null) instanceof SoftmaxCrossEntropyLoss);
        assertTrue(Loss.named("MSE", null) instanceof MeanSquaredError);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Loss.named("hinge", null));
        assertTrue(e.getMessage().contains("'hinge'") && e.getMessage().contains("expected"), e.getMessage());
        INDArray wrong = Nd4j.zeros(F64, 3, 1);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new MeanSquaredError().compute(y(), Targets.values(wrong)));
        assertTrue(shape.getMessage().contains("[3, 1]") && shape.getMessage().contains("[3, 2]"), shape.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new SoftmaxCrossEntropyLoss().compute(y(), t()), "cross-entropy needs labels");
    }
}
