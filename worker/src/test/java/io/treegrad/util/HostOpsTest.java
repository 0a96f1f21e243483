package io.treegrad.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The direct libnd4j kernels against ND4J's own ops (the fallback), value for value. */
class HostOpsTest {
    @Test
    void runsOnTheCpuBackend() {
        assertEquals(Nd4j.getEnvironment().isCPU() && !"false".equals(System.getProperty("treegrad.hostOps")),
                HostOps.available(), "on the CPU backend the direct kernels must be found and pass their self-check");
    }

    @Test
    void matchesNd4jsOpsOnWholeArraysAndOffsetViews() {
        Nd4j.getRandom().setSeed(21);
        int checked = 0;
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray bigX = Nd4j.rand(type, 9, 7).subi(0.5);
            bigX.putScalar(4, 2, Double.NaN);
            bigX.putScalar(5, 3, 0.0);
            INDArray bigG = Nd4j.rand(type, 9, 7).subi(0.5);
            bigG.putScalar(6, 1, Double.NaN);
            // whole arrays, and row blocks: one C-ordered piece that starts past its buffer's first element
            INDArray[][] cases = {
                {bigX.dup(), bigG.dup()},
                {bigX.get(NDArrayIndex.interval(3, 8), NDArrayIndex.all()), bigG.get(NDArrayIndex.interval(2, 7), NDArrayIndex.all())},
                {bigX.getRow(4), bigG.getRow(6)},
            };
            for (INDArray[] c : cases) {
                INDArray x = c[0];
                INDArray g = c[1];
                INDArray y = Nd4j.createUninitialized(type, x.shape(), 'c');
                assertTrue(HostOps.relu(x, y), "relu refused " + type);
                assertSame(Transforms.relu(x, true), y, type + " relu offset " + x.offset());
                INDArray gx = Nd4j.createUninitialized(type, x.shape(), 'c');
                assertTrue(HostOps.reluBackward(y, g, gx), "reluBackward refused " + type);
                assertSame(Transforms.step(y, true).muli(g), gx, type + " relu backward offset " + x.offset());
                checked++;
            }
        }
        assertEquals(6, checked);
    }

    @Test
    void refusesWhatItCannotTakeAndTouchesNothing() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 6).subi(0.5);
        INDArray out = Nd4j.rand(DataType.FLOAT, 4, 6);
        INDArray before = out.dup();
        assertFalse(HostOps.relu(x.dup('f'), out), "F order");
        assertFalse(HostOps.relu(Nd4j.rand(DataType.FLOAT, 6, 8).get(NDArrayIndex.interval(0, 4), NDArrayIndex.interval(1, 7)), out),
                "a column block (not one piece)");
        assertFalse(HostOps.relu(x.castTo(DataType.DOUBLE), out), "mixed types");
        assertFalse(HostOps.relu(x.castTo(DataType.HALF), out.castTo(DataType.HALF)), "HALF");
        assertFalse(HostOps.relu(x.reshape(6, 4), out), "shapes differ");
        assertFalse(HostOps.reluBackward(x, out, out), "out is g: the mask would overwrite it first");
        assertArrayEquals(before.data().asFloat(), out.data().asFloat());
    }

    /** Equal element for element, NaN where NaN (both routes must agree exactly). */
    private static void assertSame(INDArray expected, INDArray actual, String what) {
        double[] e = expected.dup('c').data().asDouble();
        double[] a = actual.dup('c').data().asDouble();
        assertArrayEquals(e, a, 0.0, what);
    }
}
