package io.treegrad.driver.spark;

import io.treegrad.loss.L2Penalty;
import io.treegrad.loss.Loss;
import io.treegrad.nn.ModelSpec;
import java.io.Serializable;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What every task needs to compute a step: the model, the objective, the global batch and the seed.
 *
 * @param globalBatch examples per minibatch over all partitions (per-worker batch × partitions)
 * @param stepsPerRound minibatches accumulated into one optimizer step (one Spark job)
 * @param device        {@code training.device}: auto, cpu or gpu ({@link Devices})
 */
public record TrainSpec(ModelSpec model, String loss, Double huberDelta, double l2, boolean float64, long seed,
                        int globalBatch, int stepsPerRound, String device) implements Serializable {

    /** On the device {@code auto} picks. */
    public TrainSpec(ModelSpec model, String loss, Double huberDelta, double l2, boolean float64, long seed,
                     int globalBatch, int stepsPerRound) {
        this(model, loss, huberDelta, l2, float64, seed, globalBatch, stepsPerRound, "auto");
    }

    /** The same work on {@code device}. */
    public TrainSpec onDevice(String device) {
        return new TrainSpec(model, loss, huberDelta, l2, float64, seed, globalBatch, stepsPerRound, device);
    }

    DataType dataType() {
        return float64 ? DataType.DOUBLE : DataType.FLOAT;
    }

    Loss lossFunction() {
        return Loss.named(loss, huberDelta);
    }

    L2Penalty penalty() {
        return l2 > 0 ? new L2Penalty(l2) : null;
    }

    /** Minibatches per epoch over a dataset of n rows (the last one holds the remainder). */
    long batchesPerEpoch(long n) {
        return (n + globalBatch - 1) / globalBatch;
    }
}
