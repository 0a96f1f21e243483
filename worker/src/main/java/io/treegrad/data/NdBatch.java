package io.treegrad.data;

import io.treegrad.util.HostCopy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link Batch} as ND4J float32 arrays that are created once and refilled: features
 * {@code [size, d]}, and per the dataset's labels the targets {@code [size, 1]} or the one-hot
 * labels {@code [size, k]} (the {@code int[]} class ids stay in {@link #labels()}).
 *
 * <p>As in {@link Batch}, a batcher whose last batch is short has a second, smaller set of arrays,
 * so every array has exactly the batch's row count and can go to the model as it is. The arrays
 * are made outside any workspace (they outlive every step) and are overwritten by the next
 * {@link #load}.
 *
 * <p>The copy is {@link HostCopy}: one memcpy into the host memory on the CPU backend, an ordinary
 * {@code assign} (the backend's own copy to its memory) on any other. Nothing assumes the CPU backend.
 */
public final class NdBatch {
    private final INDArray[] features = new INDArray[2];
    private final INDArray[] targets = new INDArray[2];
    private final INDArray[] oneHot = new INDArray[2];
    private final float[][] oneHotStaging = new float[2][];
    private final int numClasses;
    private final int capacity;
    private int set;
    private int size;
    private int[] labels;

    /** Arrays for the batches of {@code batcher}, one-hot labels included when it has classes. */
    public NdBatch(Minibatcher batcher) {
        Dataset data = batcher.dataset();
        int d = data.numFeatures();
        capacity = batcher.batchSize();
        numClasses = data.numClasses();
        int[] sizes = {batcher.fullRows(), batcher.tailRows()};
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int s = 0; s < 2; s++) {
                int r = sizes[s];
                if (r == 0) {
                    continue;
                }
                features[s] = Nd4j.create(DataType.FLOAT, r, d);
                if (data.labelKind() == Dataset.LabelKind.TARGETS) {
                    targets[s] = Nd4j.create(DataType.FLOAT, r, 1);
                }
                if (numClasses > 0) {
                    oneHot[s] = Nd4j.create(DataType.FLOAT, r, numClasses);
                    oneHotStaging[s] = new float[r * numClasses];
                }
            }
        }
    }

    /** Copies {@code batch} (filled by the same batcher) into the arrays. */
    public NdBatch load(Batch batch) {
        int s = batch.size() == capacity ? 0 : 1;
        if (features[s] == null || features[s].size(0) != batch.size()
                || features[s].size(1) != batch.numFeatures()) {
            throw new IllegalArgumentException("a batch of " + batch.size() + " x " + batch.numFeatures()
                    + " does not fit these arrays; make the NdBatch from the batch's own Minibatcher");
        }
        set = s;
        size = batch.size();
        upload(batch.features(), features[s]);
        if (targets[s] != null) {
            upload(batch.targets(), targets[s]);
        }
        labels = batch.labels();
        if (oneHot[s] != null) {
            OneHot.encodeInto(labels, size, numClasses, oneHotStaging[s]);
            upload(oneHotStaging[s], oneHot[s]);
        }
        return this;
    }

    public int size() { return size; }

    /** {@code [size, d]}. */
    public INDArray features() { return features[set]; }

    /** {@code [size, 1]}; null unless the dataset has regression targets. */
    public INDArray targets() { return targets[set]; }

    /** {@code [size, numClasses]}; null unless the dataset has class labels. */
    public INDArray oneHot() { return oneHot[set]; }

    /** The class ids of the batch ({@link Batch#labels()}, not a copy); null without classes. */
    public int[] labels() { return labels; }

    /** Overwrites all of {@code dst} (a dense, c-ordered float32 array of the same length) with {@code src}. */
    static void upload(float[] src, INDArray dst) {
        if (dst.length() != src.length || dst.isView()) {
            throw new IllegalArgumentException("upload: needs a dense c-ordered FLOAT array of "
                    + src.length + " values, got " + dst.dataType() + " " + dst.shapeInfoToString());
        }
        HostCopy.into(src, src.length, dst);
    }
}
