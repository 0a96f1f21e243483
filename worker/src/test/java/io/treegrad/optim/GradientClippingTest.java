package io.treegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** clip_grad_norm_ semantics over one flat buffer. */
class GradientClippingTest {
    @Test
    void scalesAGradientAboveTheLimitToTheLimitAndReturnsThePreClipNorm() {
        INDArray g = Nd4j.createFromArray(3.0, 4.0);
        double norm = GradientClipping.clipByGlobalNorm(g, 1.0);
        assertEquals(5.0, norm, 1e-15);
        double c = 1.0 / (5.0 + 1e-6);                 // torch: max_norm / (norm + 1e-6)
        assertArrayEquals(new double[] {3 * c, 4 * c}, g.toDoubleVector(), 1e-15);
        assertEquals(1.0, Math.hypot(g.getDouble(0), g.getDouble(1)), 1e-6);
    }

    @Test
    void leavesAGradientWithinTheLimitUnchanged() {
        INDArray g = Nd4j.createFromArray(0.3f, -0.4f);
        assertEquals(0.5, GradientClipping.clipByGlobalNorm(g, 0.5 + 2e-6), 1e-7);
        assertArrayEquals(new float[] {0.3f, -0.4f}, g.toFloatVector(), 0f);
    }

    @Test
    void float32() {
        INDArray g = Nd4j.createFromArray(30f, 40f, 0f);
        assertEquals(50.0, GradientClipping.clipByGlobalNorm(g, 5), 1e-5);
        assertArrayEquals(new float[] {3f, 4f, 0f}, g.toFloatVector(), 1e-5f);
        assertEquals(DataType.FLOAT, g.dataType());
    }

    @Test
    void aViewIsClippedByItsOwnNorm() {
        INDArray all = Nd4j.createFromArray(100.0, 3.0, 4.0, 100.0);
        INDArray view = all.get(NDArrayIndex.interval(1, 3));
        assertEquals(5.0, GradientClipping.clipByGlobalNorm(view, 2.5), 1e-15);
        assertArrayEquals(new double[] {100, 1.5, 2, 100}, all.toDoubleVector(), 1e-6);
    }

    @Test
    void aNonFiniteGradientIsLeftForTheDivergenceCheck() {
        INDArray g = Nd4j.createFromArray(1.0, Double.NaN, 2.0);
        assertTrue(Double.isNaN(GradientClipping.clipByGlobalNorm(g, 1.0)));
        assertEquals(1.0, g.getDouble(0), 0.0);
        INDArray inf = Nd4j.createFromArray(1.0, Double.POSITIVE_INFINITY);
        assertEquals(Double.POSITIVE_INFINITY, GradientClipping.clipByGlobalNorm(inf, 1.0), 0.0);
        assertEquals(1.0, inf.getDouble(0), 0.0);
    }

    @Test
    void theLimitMustBePositive() {
        assertEquals("maxNorm: must be > 0, got 0.0", assertThrows(IllegalArgumentException.class,
                () -> GradientClipping.clipByGlobalNorm(Nd4j.ones(2), 0)).getMessage());
    }

    @Test
    void anOptimizerClipsTheCallersGradientInPlaceBeforeTheUpdate() {
        Optimizer sgd = new Sgd(1.0).clipGradNorm(1.0);
        INDArray theta = Nd4j.zeros(DataType.DOUBLE, 2);
        INDArray g = Nd4j.createFromArray(6.0, 8.0);
        sgd.step(theta, g);
        assertEquals(10.0, sgd.lastGradNorm(), 1e-14);
        double c = 1.0 / (10.0 + 1e-6);
        assertArrayEquals(new double[] {6 * c, 8 * c}, g.toDoubleVector(), 1e-15);
        assertArrayEquals(new double[] {-6 * c, -8 * c}, theta.toDoubleVector(), 1e-15);
        assertTrue(Double.isNaN(new Sgd(1.0).lastGradNorm()));
    }
}
