package io.treegrad.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HostCopyTest {
    @Test
    void copiesIntoTheArraysOwnElementsAndLeavesTheRest() {
        INDArray whole = Nd4j.zeros(DataType.FLOAT, 10);
        INDArray middle = whole.get(NDArrayIndex.interval(3, 8));   // a view at offset 3
        HostCopy.into(new float[] {1, 2, 3, 4, 5, 99}, 5, middle);
        assertArrayEquals(new float[] {0, 0, 0, 1, 2, 3, 4, 5, 0, 0}, whole.toFloatVector());
        middle.addi(1);   // ND4J sees the copied values
        assertArrayEquals(new float[] {0, 0, 0, 2, 3, 4, 5, 6, 0, 0}, whole.toFloatVector());

        INDArray d = Nd4j.zeros(DataType.DOUBLE, 3);
        HostCopy.into(new double[] {0.1, 0.2}, 2, d);
        assertArrayEquals(new double[] {0.1, 0.2, 0}, d.toDoubleVector());
    }

    @Test
    void refusesWhatItCannotFillInOnePiece() {
        INDArray strided = Nd4j.zeros(DataType.FLOAT, 4, 4).getColumn(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostCopy.into(new float[4], 4, strided));
        assertTrue(e.getMessage().contains("expected a contiguous FLOAT array"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HostCopy.into(new float[5], 5, Nd4j.zeros(DataType.FLOAT, 4)));
        assertThrows(IllegalArgumentException.class, () -> HostCopy.into(new double[2], 2, Nd4j.zeros(DataType.FLOAT, 4)));
    }

    @Test
    void readsOutTheArraysOwnElementsWhereverItsViewStarts() {
        INDArray whole = Nd4j.createFromArray(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertArrayEquals(whole.toFloatVector(), HostCopy.toFloats(whole));
        assertArrayEquals(new float[] {3, 4, 5, 6, 7}, HostCopy.toFloats(whole.get(NDArrayIndex.interval(3, 8))));
        INDArray matrix = Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}});
        assertArrayEquals(new double[] {4, 5, 6}, HostCopy.toDoubles(matrix.getRow(1)));
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, HostCopy.toDoubles(matrix));
        // not one piece (a column), or another type: the values still come out, through ND4J
        assertArrayEquals(new double[] {2, 5}, HostCopy.toDoubles(matrix.getColumn(1)));
        assertArrayEquals(new float[] {4, 5, 6}, HostCopy.toFloats(matrix.getRow(1)));
        assertArrayEquals(new float[0], HostCopy.toFloats(Nd4j.create(DataType.FLOAT, 0)));
        // a matrix that is not one row-major piece ('f', a block): its elements in row-major order
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, HostCopy.toDoubles(matrix.dup('f')));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, HostCopy.toFloats(matrix.castTo(DataType.FLOAT).dup('f')));
        INDArray big = Nd4j.createFromArray(new float[][] {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}});
        assertArrayEquals(new float[] {5, 6, 9, 10},
                HostCopy.toFloats(big.get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(1, 3))));
        // FLOAT as doubles: widened exactly, from an offset view too, and in row-major order from 'f'
        INDArray odd = Nd4j.createFromArray(new float[] {0.1f, -3.4028235e38f, 1.4e-45f, Float.NaN, 7f});
        assertArrayEquals(odd.toDoubleVector(), HostCopy.toDoubles(odd));
        assertArrayEquals(new double[] {-3.4028235e38f, 1.4e-45f, Float.NaN},
                HostCopy.toDoubles(odd.get(NDArrayIndex.interval(1, 4))));
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, HostCopy.toDoubles(matrix.castTo(DataType.FLOAT).dup('f')));
    }

    @Test
    void copiesOutIntoAKeptArrayAndLeavesItsTail() {
        INDArray whole = Nd4j.createFromArray(new float[] {0, 1, 2, 3, 4, 5});
        float[] kept = {9, 9, 9, 9, 9};
        HostCopy.copyOut(whole.get(NDArrayIndex.interval(2, 5)), kept);
        assertArrayEquals(new float[] {2, 3, 4, 9, 9}, kept);
        double[] d = new double[2];
        HostCopy.copyOut(Nd4j.createFromArray(new double[] {0.5, -1.5}), d);
        assertArrayEquals(new double[] {0.5, -1.5}, d);
        assertThrows(IllegalArgumentException.class, () -> HostCopy.copyOut(whole, new float[5]));
        assertThrows(IllegalArgumentException.class,
                () -> HostCopy.copyOut(Nd4j.zeros(DataType.FLOAT, 4, 4).getColumn(1), new float[4]));
    }
}
