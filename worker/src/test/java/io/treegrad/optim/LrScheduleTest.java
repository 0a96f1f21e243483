package io.treegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Schedule values at given steps (s = steps already taken), composition, and validation. */
class LrScheduleTest {
    private static final double TOL = 1e-15;

    private static double[] first(LrSchedule s, int n) {
        return LongStream.range(0, n).mapToDouble(s::lr).toArray();
    }

    @Test
    void constant() {
        LrSchedule s = LrSchedule.constant(0.1);
        assertEquals(0.1, s.lr(0), 0.0);
        assertEquals(0.1, s.lr(1_000_000), 0.0);
    }

    @Test
    void stepDecayMultipliesByGammaEveryKSteps() {
        assertArrayEquals(new double[] {1, 1, 1, 0.5, 0.5, 0.5, 0.25}, first(LrSchedule.stepDecay(1, 3, 0.5), 7), TOL);
    }

    @Test
    void exponential() {
        assertArrayEquals(new double[] {2, 1, 0.5, 0.25}, first(LrSchedule.exponential(2, 0.5), 4), TOL);
    }

    @Test
    void inverseTime() {
        assertArrayEquals(new double[] {1, 1 / 1.5, 0.5, 1 / 2.5}, first(LrSchedule.inverseTime(1, 0.5), 4), TOL);
    }

    @Test
    void cosineGoesFromLrToTheMinimumOverTStepsAndStaysThere() {
        LrSchedule s = LrSchedule.cosine(1, 0.1, 10);
        assertEquals(1.0, s.lr(0), TOL);
        assertEquals(0.55, s.lr(5), TOL);                                   // halfway: the mean
        assertEquals(0.1 + 0.9 * (1 + Math.cos(Math.PI * 0.3)) / 2, s.lr(3), TOL);
        assertEquals(0.1, s.lr(10), TOL);
        assertEquals(0.1, s.lr(25), TOL);                                   // torch's would rise again
    }

    @Test
    void warmupRampsLinearlyToTheNextScheduleWhichThenStartsAtItsStepZero() {
        assertArrayEquals(new double[] {0.25, 0.5, 0.75, 1, 1, 1},
                first(LrSchedule.warmup(4, LrSchedule.constant(1)), 6), TOL);
        // 2 warm-up steps, then ×0.1 every 2 steps counted from the end of the warm-up
        assertArrayEquals(new double[] {0.5, 1, 1, 1, 0.1, 0.1, 0.01},
                first(LrSchedule.warmup(2, LrSchedule.stepDecay(1, 2, 0.1)), 7), 1e-16);
        LrSchedule warmCosine = LrSchedule.warmup(5, LrSchedule.cosine(0.1, 0.001, 20));
        assertEquals(0.02, warmCosine.lr(0), TOL);
        assertEquals(0.1, warmCosine.lr(5), TOL);
        assertEquals(0.001, warmCosine.lr(25), TOL);
    }

    /** Step t (1-based) of an optimizer runs at lr(t − 1). */
    @Test
    void anOptimizerUsesTheRateOfTheStepsAlreadyTaken() {
        double[] used = new double[5];
        Sgd sgd = new Sgd(LrSchedule.warmup(2, LrSchedule.exponential(0.4, 0.5)), 0);
        INDArray theta = Nd4j.zeros(DataType.DOUBLE, 1);
        for (int t = 0; t < 5; t++) {
            sgd.step(theta, Nd4j.ones(DataType.DOUBLE, 1));
            used[t] = sgd.lastLearningRate();
        }
        assertArrayEquals(new double[] {0.2, 0.4, 0.4, 0.2, 0.1}, used, TOL);
        assertEquals(-1.3, theta.getDouble(0), 1e-15);                     // θ = −Σ lr_t·1
    }

    @Test
    void invalidSchedulesSayWhichArgumentAndWhatRange() {
        assertEquals("gamma: must be in (0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> LrSchedule.stepDecay(1, 3, 1.5)).getMessage());
        assertEquals("lr: must be > 0, got -0.1; every: must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> LrSchedule.stepDecay(-0.1, 0, 0.5)).getMessage());
        assertEquals("minLr: must be <= lr (0.1), got 0.2",
                assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(0.1, 0.2, 10)).getMessage());
        assertEquals("lr: must be a finite number, got NaN",
                assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(Double.NaN)).getMessage());
        assertEquals("steps: must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class,
                        () -> LrSchedule.warmup(0, LrSchedule.constant(1))).getMessage());
    }
}
