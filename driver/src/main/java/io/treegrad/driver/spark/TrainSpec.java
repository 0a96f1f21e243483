package io.treegrad.driver.spark;

import io.treegrad.loss.L2Penalty;
import io.treegrad.loss.Loss;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.OptimizerSpec;
import java.io.Serializable;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * What every task needs to compute a step: the model, the objective, the global batch and the seed.
 *
 * @param globalBatch examples per minibatch over all partitions (per-worker batch × partitions)
 * @param stepsPerRound minibatches accumulated into one optimizer step (one Spark job)
 * @param device        {@code training.device}: auto, cpu or gpu ({@link Devices})
 * @param localSteps    0: synchronous SGD (tasks return gradients); k &gt; 0: local SGD, each task takes
 *                      k steps of {@code innerOptimizer} per round and returns its parameter change
 * @param innerOptimizer local SGD: the optimizer every task runs, fresh each round (null in sync mode)
 */
public record TrainSpec(ModelSpec model, String loss, Double huberDelta, double l2, boolean float64, long seed,
                        int globalBatch, int stepsPerRound, String device, int localSteps,
                        OptimizerSpec innerOptimizer) implements Serializable {

    /** Synchronous SGD on the device {@code auto} picks. */
    public TrainSpec(ModelSpec model, String loss, Double huberDelta, double l2, boolean float64, long seed,
                     int globalBatch, int stepsPerRound) {
        this(model, loss, huberDelta, l2, float64, seed, globalBatch, stepsPerRound, "auto");
    }

    /** Synchronous SGD on {@code device}. */
    public TrainSpec(ModelSpec model, String loss, Double huberDelta, double l2, boolean float64, long seed,
                     int globalBatch, int stepsPerRound, String device) {
        this(model, loss, huberDelta, l2, float64, seed, globalBatch, stepsPerRound, device, 0, null);
    }

    public TrainSpec {
        if (localSteps < 0 || (localSteps > 0) != (innerOptimizer != null)) {
            throw new IllegalArgumentException("local SGD needs local_steps >= 1 and an inner optimizer, got "
                    + localSteps + " and " + innerOptimizer);
        }
    }

    /** The same work on {@code device}. */
    public TrainSpec onDevice(String device) {
        return new TrainSpec(model, loss, huberDelta, l2, float64, seed, globalBatch, stepsPerRound, device,
                localSteps, innerOptimizer);
    }

    /** Local SGD: each task takes {@code k} steps of {@code inner} per round (one Spark job). */
    public TrainSpec localSgd(int k, OptimizerSpec inner) {
        return new TrainSpec(model, loss, huberDelta, l2, float64, seed, globalBatch, 1, device, k, inner);
    }

    public boolean isLocalSgd() {
        return localSteps > 0;
    }

    /** Minibatches one Spark job covers: local steps, or minibatches accumulated into a sync step. */
    public int minibatchesPerJob() {
        return isLocalSgd() ? localSteps : stepsPerRound;
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
