package io.treegrad.driver.config;

import io.treegrad.optim.OptimizerSpec;
import java.util.List;

/**
 * {@code training:}. Exactly one of {@code epochs} and {@code steps} is set.
 *
 * @param batchSize        examples per worker per step: a step sees batchSize × partitions examples
 * @param partitions       Spark partitions of the training set, one gradient task each (default 2)
 * @param aggregationDepth depth of {@code treeAggregate} when summing gradients (default 2)
 * @param stepsPerRound    optimizer steps per broadcast of the parameters (default 1: synchronous SGD)
 * @param seed             seeds initialisation, shuffling and dropout (default 1)
 * @param dtype            {@code float32} (the default) or {@code float64}
 * @param device           where tasks compute: {@code auto} (the default: the GPU Spark assigns to the
 *                         task when the build has ND4J's CUDA backend, else the CPU), {@code cpu} or
 *                         {@code gpu} (fail rather than compute elsewhere)
 * @param jobTimeoutSeconds the longest one step's (or evaluation's) Spark job may run before it is
 *                         cancelled and the run fails, naming the step (default 600; 0 = no limit)
 * @param mode             {@code sync} (the default: exact synchronous SGD, one optimizer step per job)
 *                         or {@code local_sgd} (each task takes {@code localSteps} steps of the
 *                         {@code optimizer:} on its rows; the driver applies the averaged change
 *                         with {@code outerOptimizer})
 * @param localSteps       local_sgd: minibatches (inner steps) per round (null in sync mode)
 * @param outerOptimizer   local_sgd: the driver's optimizer over the pseudo-gradient
 *                         θ − mean(θ_task) (default sgd, lr 1: plain federated averaging); null in sync mode
 */
public record TrainingConfig(Integer epochs, Long steps, int batchSize, int partitions, int aggregationDepth,
                             int stepsPerRound, long seed, String dtype, String device, long jobTimeoutSeconds,
                             String mode, Integer localSteps, OptimizerSpec outerOptimizer) {
    public static final int DEFAULT_PARTITIONS = 2;
    public static final int DEFAULT_AGGREGATION_DEPTH = 2;
    public static final int DEFAULT_STEPS_PER_ROUND = 1;
    public static final long DEFAULT_SEED = 1;
    public static final List<String> DTYPES = List.of("float32", "float64");
    public static final List<String> DEVICES = List.of("auto", "cpu", "gpu");
    public static final String DEFAULT_DEVICE = "auto";
    public static final long DEFAULT_JOB_TIMEOUT_SECONDS = 600;
    public static final String SYNC = "sync";
    public static final String LOCAL_SGD = "local_sgd";
    public static final List<String> MODES = List.of(SYNC, LOCAL_SGD);

    /** Exact synchronous SGD. */
    public TrainingConfig(Integer epochs, Long steps, int batchSize, int partitions, int aggregationDepth,
                          int stepsPerRound, long seed, String dtype, String device, long jobTimeoutSeconds) {
        this(epochs, steps, batchSize, partitions, aggregationDepth, stepsPerRound, seed, dtype, device,
                jobTimeoutSeconds, SYNC, null, null);
    }

    public boolean localSgd() {
        return LOCAL_SGD.equals(mode);
    }

    /** Minibatches one Spark job (one step of the driver's optimizer) covers. */
    public int minibatchesPerStep() {
        return localSgd() ? localSteps : stepsPerRound;
    }
}
