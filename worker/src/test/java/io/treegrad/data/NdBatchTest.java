package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class NdBatchTest {
    private static Dataset rows(int n, int d) {
        float[] x = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i * d + j] = i + j / 1000f;
            }
            y[i] = i % 4;
        }
        return Dataset.classification(x, n, d, y, 4);
    }

    @Test
    void arraysHoldTheBatchAndAreCreatedOnce() {
        Minibatcher batcher = new Minibatcher(rows(10, 3), 4, 11);
        Batch batch = batcher.newBatch();
        NdBatch nd = new NdBatch(batcher);
        INDArray full = nd.load(batcher.fill(batch, 0, 0)).features();
        assertArrayEquals(new long[] {4, 3}, full.shape());
        assertEquals(DataType.FLOAT, full.dataType());
        assertArrayEquals(batch.features(), full.data().asFloat());
        INDArray oneHot = nd.oneHot();
        assertArrayEquals(new long[] {4, 4}, oneHot.shape());
        for (int k = 0; k < 4; k++) {
            assertEquals(batch.labels()[k], oneHot.getRow(k).argMax().getInt(0));
            assertEquals(1.0, oneHot.getRow(k).sumNumber().doubleValue(), 0.0);
        }
        assertNull(nd.targets());

        INDArray tail = nd.load(batcher.fill(batch, 0, 2)).features();
        assertArrayEquals(new long[] {2, 3}, tail.shape());
        assertArrayEquals(batch.features(), tail.data().asFloat());
        assertArrayEquals(new long[] {2, 4}, nd.oneHot().shape());

        assertSame(full, nd.load(batcher.fill(batch, 3, 1)).features(), "the same array, refilled");
        assertArrayEquals(batch.features(), full.data().asFloat());
        assertSame(tail, nd.load(batcher.fill(batch, 3, 2)).features());
        assertSame(oneHot, nd.load(batcher.fill(batch, 4, 0)).oneHot());
    }

    @Test
    void regressionTargetsAsAColumn() {
        Dataset data = Dataset.regression(new float[] {1, 2, 3, 4}, 4, 1, new float[] {5, 6, 7, 8});
        Minibatcher batcher = new Minibatcher(data, 4, 0);
        NdBatch nd = new NdBatch(batcher).load(batcher.fill(batcher.newBatch(), 0, 0));
        assertArrayEquals(new long[] {4, 1}, nd.targets().shape());
        for (int k = 0; k < 4; k++) {
            assertEquals(nd.features().getFloat(k, 0) + 4, nd.targets().getFloat(k, 0));
        }
        assertNull(nd.oneHot());
    }

    @Test
    void aPartitionSmallerThanTheBatchHasOnlyShortArrays() {
        Minibatcher batcher = new Minibatcher(rows(3, 2), 512, 0);
        NdBatch nd = new NdBatch(batcher).load(batcher.fillStep(batcher.newBatch(), 0));
        assertArrayEquals(new long[] {3, 2}, nd.features().shape());
        assertEquals(3, nd.size());
    }

    @Test
    void aBatchOfAnotherShapeIsRejected() {
        Minibatcher batcher = new Minibatcher(rows(10, 3), 4, 0);
        Minibatcher other = new Minibatcher(rows(10, 3), 3, 0);
        NdBatch nd = new NdBatch(batcher);
        assertThrows(IllegalArgumentException.class, () -> nd.load(other.fill(other.newBatch(), 0, 0)));
    }

    @Test
    void copyingA512By784BatchCostsLittleNextToAStep() {
        Minibatcher batcher = new Minibatcher(rows(4096, 784), 512, 0);
        Batch batch = batcher.newBatch();
        NdBatch nd = new NdBatch(batcher);
        for (int i = 0; i < 50; i++) {
            nd.load(batcher.fillStep(batch, i));
        }
        int reps = 200;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            batcher.fillStep(batch, i);
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            nd.load(batch);
        }
        long t2 = System.nanoTime();
        double fillMs = (t1 - t0) / 1e6 / reps;
        double loadMs = (t2 - t1) / 1e6 / reps;
        System.out.printf("batch 512 x 784: gather %.3f ms, copy into ND4J %.3f ms%n", fillMs, loadMs);
        assertArrayEquals(batch.features(), nd.features().data().asFloat());
        // ~0.2 ms as a memcpy on the CPU backend; an element-wise copy takes ~3 ms
        assertTrue(loadMs < 1.5, "copy into ND4J took " + loadMs + " ms per batch");
    }
}
