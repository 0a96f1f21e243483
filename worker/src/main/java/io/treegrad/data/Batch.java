package io.treegrad.data;

/**
 * Reusable minibatch buffers, filled by {@link Minibatcher#fill}: the features of {@link #size()}
 * records, row-major, and their class ids or targets, plus which dataset rows they are.
 *
 * <p>Every array returned has exactly {@link #size()} rows, so it can be handed on as it is (a
 * loss that takes {@code int[]} labels checks their count). For that, a batcher whose last batch
 * is short keeps two sets of arrays, both allocated here, once: full ones and short ones.
 * {@code fill} overwrites them; copy what must outlive the next {@code fill}.
 */
public final class Batch {
    private final int numFeatures;
    private final float[][] features = new float[2][];
    private final int[][] labels = new int[2][];
    private final float[][] targets = new float[2][];
    private final int[][] rows = new int[2][];
    private int set;
    private int size;
    private long epoch = -1;
    private int index = -1;

    /**
     * @param fullRows the batch size, or 0 when the dataset has fewer rows (no batch is full)
     * @param tailRows rows of the short last batch, 0 if every batch is full
     */
    Batch(int fullRows, int tailRows, int numFeatures, Dataset.LabelKind kind) {
        this.numFeatures = numFeatures;
        int[] sizes = {fullRows, tailRows};
        for (int s = 0; s < 2; s++) {
            int r = sizes[s];
            features[s] = new float[r * numFeatures];
            rows[s] = new int[r];
            labels[s] = kind == Dataset.LabelKind.CLASSES ? new int[r] : null;
            targets[s] = kind == Dataset.LabelKind.TARGETS ? new float[r] : null;
        }
    }

    /** Selects the full (false) or short (true) arrays for a batch of {@code rowCount} rows. */
    void begin(boolean tail, int rowCount, long epochNo, int batchIndex) {
        set = tail ? 1 : 0;
        size = rowCount;
        epoch = epochNo;
        index = batchIndex;
    }

    /** Records in this batch: the batch size, or fewer for the last batch of an epoch. */
    public int size() { return size; }

    public int numFeatures() { return numFeatures; }

    /** The epoch and the batch within it that were last filled in (-1 before the first fill). */
    public long epoch() { return epoch; }

    public int index() { return index; }

    /** {@code [size, numFeatures]} row-major. */
    public float[] features() { return features[set]; }

    /** The class ids, {@code size} of them; null unless the dataset has class labels. */
    public int[] labels() { return labels[set]; }

    /** The regression targets, {@code size} of them; null unless the dataset has targets. */
    public float[] targets() { return targets[set]; }

    /** The dataset rows this batch holds, in batch order. */
    public int[] rows() { return rows[set]; }

    boolean fits(int fullRows, int tailRows, int d, Dataset.LabelKind kind) {
        return rows[0].length == fullRows && rows[1].length == tailRows && numFeatures == d
                && (labels[0] != null) == (kind == Dataset.LabelKind.CLASSES)
                && (targets[0] != null) == (kind == Dataset.LabelKind.TARGETS);
    }
}
