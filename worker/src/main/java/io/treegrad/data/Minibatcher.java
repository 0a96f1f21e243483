package io.treegrad.data;

import io.treegrad.util.SplitMix64;

/**
 * The minibatches of one partition's {@link Dataset}: each epoch visits every record exactly
 * once, in an order shuffled by a permutation that is a pure function of {@code (seed, epoch)},
 * in batches of {@link #batchSize()} records. When the record count is not a multiple of the
 * batch size, the last batch of each epoch is smaller (the remainder); no record is dropped or
 * repeated, so a gradient sum over an epoch counts every record once.
 *
 * <p>Batches are addressed, not iterated: {@link #fill(Batch, long, int)} (batch {@code i} of
 * epoch {@code e}) and {@link #fillStep(Batch, long)} (global step {@code s} = epoch
 * {@code s / numBatches}, batch {@code s % numBatches}) produce the same records for the same
 * arguments on any machine and JVM, so a training step is a pure function of its step number and
 * a retried Spark task recomputes the same batch.
 *
 * <p>Not thread-safe (it caches the current epoch's permutation): one per task.
 */
public final class Minibatcher {
    private final Dataset data;
    private final int batchSize;
    private final long seed;
    private final int numBatches;
    private final int tail;
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    public Minibatcher(Dataset data, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (data.numRows() == 0) {
            throw new IllegalArgumentException("cannot batch an empty dataset");
        }
        this.data = data;
        this.batchSize = batchSize;
        this.seed = seed;
        this.numBatches = (data.numRows() + batchSize - 1) / batchSize;
        this.tail = data.numRows() % batchSize;
    }

    /**
     * The batch size as given. A partition with fewer records than that has one, short, batch of
     * all of them per epoch.
     */
    public int batchSize() { return batchSize; }

    /** Batches per epoch: {@code ceil(numRows / batchSize)}. */
    public int numBatches() { return numBatches; }

    /** Rows in batch {@code index}: the batch size, or the remainder for the last one. */
    public int rowsInBatch(int index) {
        checkIndex(index);
        return index == numBatches - 1 && tail > 0 ? tail : batchSize;
    }

    public Dataset dataset() { return data; }

    /** Buffers sized for this batcher's batches (allocate once per task, fill many times). */
    public Batch newBatch() { return new Batch(fullRows(), tail, data.numFeatures(), data.labelKind()); }

    /** Rows of a full batch: the batch size, or 0 when there are fewer records (no full batch). */
    int fullRows() { return data.numRows() >= batchSize ? batchSize : 0; }

    /** Rows of the short last batch; 0 when the record count is a multiple of the batch size. */
    int tailRows() { return tail; }

    /** Fills {@code out} with batch {@code index} of epoch {@code epoch}. */
    public Batch fill(Batch out, long epoch, int index) {
        checkIndex(index);
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (!out.fits(fullRows(), tail, data.numFeatures(), data.labelKind())) {
            throw new IllegalArgumentException("this Batch was not made by this Minibatcher's newBatch()");
        }
        int[] order = order(epoch);
        int rowCount = rowsInBatch(index);
        out.begin(rowCount < batchSize, rowCount, epoch, index);
        int d = data.numFeatures();
        float[] x = data.features();
        float[] bx = out.features();
        int[] rows = out.rows();
        int[] labels = out.labels();
        float[] targets = out.targets();
        int[] srcLabels = labels == null ? null : data.labels();
        float[] srcTargets = targets == null ? null : data.targets();
        int start = index * batchSize;
        for (int k = 0; k < rowCount; k++) {
            int r = order[start + k];
            rows[k] = r;
            System.arraycopy(x, r * d, bx, k * d, d);
            if (labels != null) {
                labels[k] = srcLabels[r];
            }
            if (targets != null) {
                targets[k] = srcTargets[r];
            }
        }
        return out;
    }

    /** Fills {@code out} with the batch of global step {@code step} (0-based). */
    public Batch fillStep(Batch out, long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        return fill(out, step / numBatches, (int) (step % numBatches));
    }

    /** The record order of an epoch (a copy). */
    public int[] permutation(long epoch) { return order(epoch).clone(); }

    private int[] order(long epoch) {
        if (epoch != cachedEpoch) {
            cachedOrder = permutation(data.numRows(), seed, epoch);
            cachedEpoch = epoch;
        }
        return cachedOrder;
    }

    /**
     * A permutation of {@code 0..n-1} that depends only on its arguments, written out here so that
     * no JDK version can change it (a resumed checkpoint must see the same batches):
     * <pre>
     * p = [0, 1, ..., n-1];  s = mix(seed ^ mix(epoch + 0x632BE59BD9B4E019))
     * for i = n-1 down to 1:  s += 0x9E3779B97F4A7C15;  j = ((mix(s) >>> 32) * (i+1)) >>> 32;  swap p[i], p[j]
     * </pre>
     * with {@code mix} SplitMix64's output function (64-bit wrapping arithmetic): Fisher-Yates,
     * whose index draw maps 32 random bits by multiply-shift, with a bias below {@code n / 2^32}.
     */
    public static int[] permutation(int n, long seed, long epoch) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        long state = mix(seed ^ mix(epoch + 0x632BE59BD9B4E019L));
        for (int i = n - 1; i > 0; i--) {
            state += SplitMix64.GOLDEN;
            long bits = mix(state) >>> 32;
            int j = (int) ((bits * (i + 1)) >>> 32);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static long mix(long z) {
        return SplitMix64.mix(z);
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= numBatches) {
            throw new IndexOutOfBoundsException("batch " + index + " of " + numBatches + " per epoch");
        }
    }
}
