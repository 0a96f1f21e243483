package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MinibatcherTest {
    /** Row i has features (i, 10 i) and label i % 3. */
    private static Dataset rows(int n) {
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = 10 * i;
            y[i] = i % 3;
        }
        return Dataset.classification(x, n, 2, y, 3);
    }

    @Test
    void permutationIsAPureFunctionOfSeedAndEpoch() {
        assertArrayEquals(Minibatcher.permutation(1000, 42, 3), Minibatcher.permutation(1000, 42, 3));
        assertFalse(Arrays.equals(Minibatcher.permutation(1000, 42, 3), Minibatcher.permutation(1000, 42, 4)));
        assertFalse(Arrays.equals(Minibatcher.permutation(1000, 42, 3), Minibatcher.permutation(1000, 43, 3)));
        int[] p = Minibatcher.permutation(1000, 42, 3);
        int[] sorted = p.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, sorted[i]);
        }
    }

    @Test
    void permutationIsPinnedSoNoRefactorOrJdkChangesIt() {
        // a checkpoint resumed by a later build must see the same batches; these values come from
        // an independent (Python) implementation of the documented SplitMix64 + Fisher-Yates
        assertArrayEquals(new int[] {2, 6, 3, 4, 9, 8, 5, 7, 0, 1}, Minibatcher.permutation(10, 42, 0));
        assertArrayEquals(new int[] {6, 8, 1, 0, 3, 4, 5, 9, 2, 7}, Minibatcher.permutation(10, 42, 1));
    }

    @Test
    void everyRecordOncePerEpochWithAShortLastBatch() {
        Dataset data = rows(10);
        Minibatcher batcher = new Minibatcher(data, 4, 1);
        assertEquals(3, batcher.numBatches());
        assertEquals(4, batcher.rowsInBatch(0));
        assertEquals(2, batcher.rowsInBatch(2));
        Batch batch = batcher.newBatch();
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] seen = new int[10];
            for (int b = 0; b < 3; b++) {
                batcher.fill(batch, epoch, b);
                assertEquals(b == 2 ? 2 : 4, batch.size());
                assertEquals(batch.size() * 2, batch.features().length, "arrays have exactly size rows");
                assertEquals(batch.size(), batch.labels().length);
                for (int k = 0; k < batch.size(); k++) {
                    int r = batch.rows()[k];
                    seen[r]++;
                    assertEquals(r, batch.features()[2 * k]);
                    assertEquals(10 * r, batch.features()[2 * k + 1]);
                    assertEquals(r % 3, batch.labels()[k]);
                }
            }
            for (int c : seen) {
                assertEquals(1, c);
            }
        }
    }

    @Test
    void batchBuffersAreReused() {
        Minibatcher batcher = new Minibatcher(rows(10), 4, 1);
        Batch batch = batcher.newBatch();
        float[] full = batcher.fill(batch, 0, 0).features();
        int[] labels = batch.labels();
        float[] shortOne = batcher.fill(batch, 0, 2).features();
        assertSame(full, batcher.fill(batch, 5, 1).features());
        assertSame(labels, batch.labels());
        assertSame(shortOne, batcher.fill(batch, 7, 2).features());
    }

    @Test
    void stepCursorIsEpochAndIndex() {
        Minibatcher batcher = new Minibatcher(rows(10), 4, 9);
        Batch a = batcher.newBatch();
        Batch b = new Minibatcher(rows(10), 4, 9).newBatch();
        for (long step = 0; step < 12; step++) {
            batcher.fillStep(a, step);
            new Minibatcher(rows(10), 4, 9).fill(b, step / 3, (int) (step % 3));
            assertEquals(step / 3, a.epoch());
            assertEquals(step % 3, a.index());
            assertArrayEquals(b.rows(), a.rows());
            assertArrayEquals(b.features(), a.features());
        }
        // epoch 1 batch 0 == step 3, whatever was filled before
        Minibatcher fresh = new Minibatcher(rows(10), 4, 9);
        Batch c = fresh.newBatch();
        fresh.fillStep(c, 3);
        batcher.fill(a, 1, 0);
        assertArrayEquals(a.rows(), c.rows());
    }

    @Test
    void epochsAreShuffledDifferently() {
        Minibatcher batcher = new Minibatcher(rows(100), 100, 5);
        assertNotEquals(Arrays.toString(batcher.permutation(0)), Arrays.toString(batcher.permutation(1)));
    }

    @Test
    void smallPartitionGivesOneShortBatch() {
        Minibatcher batcher = new Minibatcher(rows(3), 512, 0);
        assertEquals(1, batcher.numBatches());
        assertEquals(512, batcher.batchSize());
        Batch batch = batcher.fillStep(batcher.newBatch(), 4);
        assertEquals(3, batch.size());
        assertEquals(4, batch.epoch());
    }

    @Test
    void regressionBatchesCarryTargets() {
        Dataset data = Dataset.regression(new float[] {0, 1, 2}, 3, 1, new float[] {10, 11, 12});
        Minibatcher batcher = new Minibatcher(data, 2, 3);
        Batch batch = batcher.fill(batcher.newBatch(), 0, 0);
        for (int k = 0; k < 2; k++) {
            assertEquals(10 + batch.features()[k], batch.targets()[k]);
        }
        assertEquals(null, batch.labels());
    }

    @Test
    void misuseIsRejected() {
        Minibatcher batcher = new Minibatcher(rows(10), 4, 1);
        assertThrows(IndexOutOfBoundsException.class, () -> batcher.fill(batcher.newBatch(), 0, 3));
        assertThrows(IllegalArgumentException.class, () -> batcher.fillStep(batcher.newBatch(), -1));
        Batch other = new Minibatcher(rows(10), 5, 1).newBatch();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> batcher.fill(other, 0, 0));
        assertTrue(e.getMessage().contains("newBatch()"));
        assertThrows(IllegalArgumentException.class, () -> new Minibatcher(rows(10), 0, 1));
    }
}
