package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FeatureScalerTest {
    /** Column 0: 1, 2, 3, 6; column 1 constant 5; column 2: -1, 1, -1, 1. */
    private static final Dataset TRAIN = Dataset.classification(new float[] {
        1, 5, -1,
        2, 5, 1,
        3, 5, -1,
        6, 5, 1}, 4, 3, new int[] {0, 1, 0, 1}, 2);

    private static final Dataset TEST = Dataset.regression(new float[] {4, 7, 0}, 1, 3, new float[] {9});

    @Test
    void divideByAConstant() {
        FeatureScaler s = FeatureScaler.divideBy(3, 255f);
        Dataset scaled = s.transform(Dataset.unlabelled(new float[] {255, 0, 51}, 1, 3));
        assertArrayEquals(new float[] {1f, 0f, 51f / 255f}, scaled.features());
        assertThrows(IllegalArgumentException.class, () -> FeatureScaler.divideBy(3, 0f));
    }

    @Test
    void minMaxMapsTheTrainingRangeToZeroOneAndConstantColumnsToZero() {
        FeatureScaler s = FeatureScaler.fitMinMax(TRAIN);
        Dataset scaled = s.transform(TRAIN);
        assertArrayEquals(new float[] {
            0, 0, 0,
            0.2f, 0, 1,
            0.4f, 0, 0,
            1, 0, 1}, scaled.features(), 1e-7f);
        assertArrayEquals(new int[] {1}, s.constantColumns());
        // test data uses the training statistics, and may leave [0, 1]
        assertArrayEquals(new float[] {0.6f, 2f, 0.5f}, s.transform(TEST).features(), 1e-7f);
        assertArrayEquals(new float[] {9}, s.transform(TEST).targets());
    }

    @Test
    void standardizeUsesPopulationStdAndLeavesConstantColumnsFinite() {
        FeatureScaler s = FeatureScaler.fitStandardize(TRAIN);
        // column 0: mean 3, population variance (4+1+0+9)/4 = 3.5
        float std0 = (float) Math.sqrt(3.5);
        assertArrayEquals(new float[] {3, 5, 0}, s.center());
        assertArrayEquals(new float[] {std0, 1, 1}, s.divisor());
        Dataset scaled = s.transform(TRAIN);
        assertEquals((1 - 3) / std0, scaled.feature(0, 0));
        assertEquals(0f, scaled.feature(2, 1));
        assertEquals(-1f, scaled.feature(2, 2));
        Dataset test = s.transform(TEST);
        assertEquals(2f, test.feature(0, 1), "a constant column maps to the raw deviation elsewhere");
        for (float v : test.features()) {
            assertTrue(Float.isFinite(v));
        }
        assertArrayEquals(new float[] {1, 5, -1}, java.util.Arrays.copyOf(TRAIN.features(), 3), "input untouched");
    }

    @Test
    void stateRoundTripsBitForBit() {
        FeatureScaler s = FeatureScaler.fitStandardize(TRAIN);
        FeatureScaler.State state = s.state();
        assertEquals("STANDARDIZE", state.method());
        FeatureScaler restored = FeatureScaler.fromState(new FeatureScaler.State("standardize",
                state.center().clone(), state.divisor().clone()));
        assertArrayEquals(s.transform(TEST).features(), restored.transform(TEST).features(), 0f);
        assertNotSame(state.center(), s.state().center(), "state is a copy");
    }

    @Test
    void badStateIsRejectedWithTheColumn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeatureScaler.fromState(new FeatureScaler.State("MIN_MAX", new float[] {0, 1}, new float[] {1, 0})));
        assertTrue(e.getMessage().contains("column 1 has center 1.0 and divisor 0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FeatureScaler.fromState(new FeatureScaler.State("zscore", new float[0], new float[0])));
        assertTrue(e.getMessage().contains("unknown method 'zscore'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FeatureScaler.fromState(new FeatureScaler.State("DIVIDE", new float[2], new float[3])));
        assertTrue(e.getMessage().contains("2 centers but 3 divisors"), e.getMessage());
    }

    @Test
    void transformInPlaceScalesAMinibatchBuffer() {
        FeatureScaler s = FeatureScaler.fitMinMax(TRAIN);
        float[] buffer = {6, 5, 1, 1, 5, -1, 99, 99, 99};
        s.transformInPlace(buffer, 2);
        assertArrayEquals(new float[] {1, 0, 1, 0, 0, 0, 99, 99, 99}, buffer);
        assertThrows(IllegalArgumentException.class, () -> s.transform(Dataset.unlabelled(new float[2], 1, 2)));
    }

    @Test
    void oneHotEncodesIntoAReusableBuffer() {
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, OneHot.encode(new int[] {2, 0}, 3));
        float[] out = {7, 7, 7, 7, 7, 7, 7};
        OneHot.encodeInto(new int[] {1, 1, 2}, 2, 3, out);
        assertArrayEquals(new float[] {0, 1, 0, 0, 1, 0, 7}, out);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OneHot.encode(new int[] {0, 3}, 3));
        assertTrue(e.getMessage().contains("label 3 at row 1 is out of range; expected 0..2"), e.getMessage());
    }
}
