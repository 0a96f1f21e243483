package io.treegrad.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The direct OpenBLAS gemm against libnd4j's Mmul op, for every order, view and flag it takes. */
class HostBlasTest {
    @Test
    void runsOnTheCpuBackend() {
        assertEquals(Nd4j.getEnvironment().isCPU() && !"false".equals(System.getProperty("treegrad.hostBlas")),
                HostBlas.available(),
                "the CPU backend ships OpenBLAS's JavaCPP binding: the direct gemm must be found there");
    }

    @Test
    void matchesMmulForEveryOrderTransposeAndBeta() {
        Nd4j.getRandom().setSeed(7);
        int checked = 0;
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] mkn : new int[][] {{5, 3, 4}, {1, 6, 2}, {4, 1, 3}, {3, 5, 1}, {1, 1, 1}, {16, 33, 7}}) {
                for (int flags = 0; flags < 4; flags++) {
                    boolean ta = (flags & 1) != 0;
                    boolean tb = (flags & 2) != 0;
                    for (String orders : new String[] {"ccc", "fff", "cfc", "fcf", "ffc", "ccf"}) {
                        for (double beta : new double[] {0.0, 1.0, 0.5}) {
                            INDArray a = operand(type, ta ? mkn[1] : mkn[0], ta ? mkn[0] : mkn[1], orders.charAt(0));
                            INDArray b = operand(type, tb ? mkn[2] : mkn[1], tb ? mkn[1] : mkn[2], orders.charAt(1));
                            INDArray c0 = Nd4j.rand(type, mkn[0], mkn[2]).dup(orders.charAt(2));
                            INDArray expected = c0.dup(orders.charAt(2));
                            Nd4j.exec(new Mmul(a, b, expected, 1.0, beta,
                                    MMulTranspose.builder().transposeA(ta).transposeB(tb).build()));
                            INDArray actual = c0.dup(orders.charAt(2));
                            assertTrue(HostBlas.gemm(a, ta, b, tb, actual, beta), "BLAS refused " + orders);
                            assertClose(expected, actual, type + " " + java.util.Arrays.toString(mkn) + " ta=" + ta
                                    + " tb=" + tb + " orders=" + orders + " beta=" + beta);
                            checked++;
                        }
                    }
                }
            }
        }
        assertEquals(2 * 6 * 4 * 6 * 3, checked);
    }

    @Test
    void writesIntoViewsAndReadsColumnBlocks() {
        Nd4j.getRandom().setSeed(8);
        // a row block of a bigger C-ordered buffer (offset > 0, the way .grad slices lie) and
        // operands that are column blocks (row stride past their width)
        INDArray flat = Nd4j.rand(DataType.FLOAT, 1, 40);
        INDArray out = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(10, 22)).reshape('c', 3, 4);
        INDArray before = flat.dup();
        INDArray big = Nd4j.rand(DataType.FLOAT, 3, 9);
        INDArray a = big.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 7));        // [3, 5], stride (9, 1)
        INDArray bBig = Nd4j.rand(DataType.FLOAT, 5, 6);
        INDArray b = bBig.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 5));       // [5, 4], stride (6, 1)
        INDArray expected = out.dup().addi(a.dup().mmul(b.dup()));
        assertTrue(HostBlas.gemm(a, false, b, false, out, 1.0));
        assertClose(expected, out, "views");
        // nothing outside the view moved
        for (int i = 0; i < 40; i++) {
            if (i < 10 || i >= 22) {
                assertEquals(before.getFloat(0, i), flat.getFloat(0, i), "element " + i + " outside the view");
            }
        }
    }

    /**
     * The accumulating products that run as gemv (m or n is 1) or ger (k is 1), with operands and
     * output that are views inside bigger matrices of either order (offset > 0, vector strides past 1),
     * against Mmul on contiguous copies; nothing outside the output view may move.
     */
    @Test
    void levelTwoRoutesMatchMmulOnStridedOffsetViews() {
        Nd4j.getRandom().setSeed(9);
        int checked = 0;
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] mkn : new int[][] {{1, 7, 5}, {6, 7, 1}, {6, 1, 5}, {1, 1, 5}, {6, 1, 1}, {1, 7, 1}}) {
                for (int flags = 0; flags < 4; flags++) {
                    boolean ta = (flags & 1) != 0;
                    boolean tb = (flags & 2) != 0;
                    for (String orders : new String[] {"ccc", "fff", "cfc", "fcf"}) {
                        INDArray a = inside(type, ta ? mkn[1] : mkn[0], ta ? mkn[0] : mkn[1], orders.charAt(0));
                        INDArray b = inside(type, tb ? mkn[2] : mkn[1], tb ? mkn[1] : mkn[2], orders.charAt(1));
                        INDArray whole = Nd4j.rand(type, mkn[0] + 3, mkn[2] + 4).dup(orders.charAt(2));
                        INDArray out = whole.get(NDArrayIndex.interval(1, 1 + mkn[0]), NDArrayIndex.interval(2, 2 + mkn[2]));
                        INDArray expected = out.dup();
                        Nd4j.exec(new Mmul(a.dup(), b.dup(), expected, 1.0, 1.0,
                                MMulTranspose.builder().transposeA(ta).transposeB(tb).build()));
                        INDArray wholeBefore = whole.dup();
                        String what = type + " " + java.util.Arrays.toString(mkn) + " ta=" + ta + " tb=" + tb
                                + " orders=" + orders;
                        assertTrue(HostBlas.gemm(a, ta, b, tb, out, 1.0), "BLAS refused " + what);
                        assertClose(expected, out, what);
                        for (int r = 0; r < whole.rows(); r++) {
                            for (int c = 0; c < whole.columns(); c++) {
                                boolean inOut = r >= 1 && r < 1 + mkn[0] && c >= 2 && c < 2 + mkn[2];
                                if (!inOut) {
                                    assertEquals(wholeBefore.getDouble(r, c), whole.getDouble(r, c),
                                            what + ": element (" + r + ", " + c + ") outside the output moved");
                                }
                            }
                        }
                        checked++;
                    }
                }
            }
        }
        assertEquals(2 * 6 * 4 * 4, checked);
    }

    /** A 1-D operand or output stands for the row [1, n], contiguous or strided (a matrix's column). */
    @Test
    void oneDimensionalArraysAreRows() {
        Nd4j.getRandom().setSeed(10);
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray ones = Nd4j.ones(type, 6, 1);
            INDArray g = Nd4j.rand(type, 6, 4).subi(0.5);
            INDArray col = Nd4j.rand(type, 4, 3).getColumn(1);  // 1-D [4], stride 3
            INDArray colBefore = col.dup();
            INDArray into = Nd4j.rand(type, 5, 4).getRow(2);    // 1-D [4], offset 8
            INDArray intoExpected = into.dup().addi(g.sum(0));
            assertTrue(HostBlas.gemm(ones, true, g, false, into, 1.0), type + ": 1ᵀ·g into a 1-D row");
            assertClose(intoExpected, into, type + " 1-D output");
            INDArray y = Nd4j.rand(type, 6, 4);
            INDArray yExpected = y.dup().addiRowVector(colBefore);
            assertTrue(HostBlas.gemm(ones, false, col, false, y, 1.0), type + ": 1·bᵀ with a strided 1-D b");
            assertClose(yExpected, y, type + " strided 1-D operand");
        }
    }

    /** A rows x cols view at (2, 3) inside a bigger matrix of the given order: offset > 0, strides of the big one. */
    private static INDArray inside(DataType type, int rows, int cols, char order) {
        INDArray big = Nd4j.rand(type, rows + 4, cols + 5).sub(0.5).dup(order);
        return big.get(NDArrayIndex.interval(2, 2 + rows), NDArrayIndex.interval(3, 3 + cols));
    }

    @Test
    void refusesWhatBlasCannotTakeAndTouchesNothing() {
        INDArray big = Nd4j.rand(DataType.FLOAT, 6, 6);
        INDArray strided = big.get(NDArrayIndex.interval(0, 2, 6), NDArrayIndex.interval(0, 2, 6));   // [3, 3], stride (12, 2)
        INDArray b = Nd4j.rand(DataType.FLOAT, 3, 3);
        INDArray out = Nd4j.rand(DataType.FLOAT, 3, 3);
        INDArray before = out.dup();
        assertFalse(HostBlas.gemm(strided, false, b, false, out, 0.0), "strided view");
        assertFalse(HostBlas.gemm(b.castTo(DataType.HALF), false, b.castTo(DataType.HALF), false,
                out.castTo(DataType.HALF), 0.0), "HALF");
        assertFalse(HostBlas.gemm(b, false, b.castTo(DataType.DOUBLE), false, out, 0.0), "mixed types");
        assertFalse(HostBlas.gemm(b, false, Nd4j.rand(DataType.FLOAT, 4, 3), false, out, 0.0), "inner sizes differ");
        assertFalse(HostBlas.gemm(b, false, b, false, Nd4j.rand(DataType.FLOAT, 3, 4), 0.0), "out shape");
        assertArrayEquals(before.data().asFloat(), out.data().asFloat());
    }

    private static INDArray operand(DataType type, int rows, int cols, char order) {
        return Nd4j.rand(type, rows, cols).sub(0.5).dup(order);
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double[] e = expected.dup('c').data().asDouble();
        double[] a = actual.dup('c').data().asDouble();
        double tol = expected.dataType() == DataType.FLOAT ? 1e-5 : 1e-12;
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], tol * (1 + Math.abs(e[i])), what + " element " + i);
        }
    }
}
