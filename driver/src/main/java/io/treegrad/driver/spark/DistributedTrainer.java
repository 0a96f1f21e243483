package io.treegrad.driver.spark;

import io.treegrad.optim.Optimizer;
import io.treegrad.train.Evaluation;
import io.treegrad.train.GradientSum;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Synchronous data-parallel SGD: each optimizer step broadcasts the flat parameters, every task
 * computes the gradient sum of its rows of the step's minibatch(es), {@code treeAggregate} adds the
 * {@link GradientSum}s (empty zero value, in-place merges), and the driver divides once and steps.
 * The old broadcast is destroyed every step.
 */
public final class DistributedTrainer {
    private final JavaSparkContext jsc;
    private final DistributedData train;
    private final TrainSpec spec;
    private final int depth;
    private final long timeoutSeconds;

    /**
     * Where one step's wall time went, in ms. {@code computeMs} is the slowest task's own work (load
     * the parameters, forward, backward, copy the gradient out): the step's critical path.
     * {@code aggregationMs} is the rest of the Spark job: scheduling, task (de)serialization,
     * shipping results and merging them ({@code mergeMs}, summed over the tree, is that last part).
     */
    public record StepTiming(double broadcastMs, double computeMs, double aggregationMs, double mergeMs,
                             double updateMs) {
        public double totalMs() {
            return broadcastMs + computeMs + aggregationMs + updateMs;
        }
    }

    /** One optimizer step's outcome. */
    public record StepResult(long step, long examples, double meanLoss, StepTiming timing) {}

    /** A trainer whose jobs may take any time. */
    public DistributedTrainer(JavaSparkContext jsc, DistributedData train, TrainSpec spec, int depth) {
        this(jsc, train, spec, depth, 0);
    }

    /**
     * @param timeoutSeconds the longest a step's (or an evaluation's) Spark job may take before it is
     *                       cancelled and a {@link JobWatchdog.JobTimeoutException} stops the run; 0 = no limit
     */
    public DistributedTrainer(JavaSparkContext jsc, DistributedData train, TrainSpec spec, int depth,
                              long timeoutSeconds) {
        this.jsc = jsc;
        this.train = train;
        this.spec = spec;
        this.depth = depth;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Optimizer steps per epoch: minibatches per epoch over minibatches per step. */
    public long stepsPerEpoch() {
        long perEpoch = spec.batchesPerEpoch(train.rows());
        if (perEpoch % spec.stepsPerRound() != 0) {
            throw new IllegalArgumentException("steps_per_round " + spec.stepsPerRound() + " does not divide the "
                    + perEpoch + " minibatches of an epoch (" + train.rows() + " rows, global batch "
                    + spec.globalBatch() + "): a round would straddle epochs");
        }
        return perEpoch / spec.stepsPerRound();
    }

    /** Runs optimizer step {@code step}: updates {@code params} in place with {@code optimizer}. */
    public StepResult step(long step, INDArray params, Optimizer optimizer) {
        long t0 = System.nanoTime();
        Broadcast<Object> bc = jsc.broadcast(toArray(params));
        long t1 = System.nanoTime();
        TrainSpec s = spec;
        GradientSum sum = limited("step " + step, () -> train.shards().treeAggregate(GradientSum.empty(),
                (acc, shard) -> acc.merge(StepTask.forThread(s).gradient(shard, bc.value(), step)),
                GradientSum::merge, depth));
        long t2 = System.nanoTime();
        bc.destroy();
        if (sum.count() == 0) {
            throw new IllegalStateException("step " + step + " saw no examples");
        }
        INDArray mean = sum.meanGradient();
        optimizer.step(params, mean.dataType() == params.dataType() ? mean : mean.castTo(params.dataType()));
        long t3 = System.nanoTime();
        return new StepResult(step, sum.count(), sum.meanLoss(),
                new StepTiming((t1 - t0) / 1e6, sum.computeNanos() / 1e6, (t2 - t1 - sum.computeNanos()) / 1e6,
                        sum.mergeNanos() / 1e6, (t3 - t2) / 1e6));
    }

    /** Loss and accuracy (or RMSE) of {@code params} on {@code data}, computed where the shards live. */
    public Evaluation evaluate(DistributedData data, INDArray params, int batchSize) {
        Broadcast<Object> bc = jsc.broadcast(toArray(params));
        TrainSpec s = spec;
        EvalSum e = limited("the evaluation", () -> data.shards().treeAggregate(new EvalSum(),
                (acc, shard) -> acc.merge(StepTask.forThread(s).evaluate(shard, bc.value(), batchSize)),
                EvalSum::merge, depth));
        bc.destroy();
        boolean classes = !data.isRegression();
        return new Evaluation(e.count, e.lossSum / e.count, classes ? (double) e.correct / e.count : Double.NaN,
                classes ? Double.NaN : Math.sqrt(e.squaredErrors / e.count));
    }

    /** Every row's prediction, in the rows' order in the data (shards are contiguous blocks). */
    public double[] predict(DistributedData data, INDArray params, int batchSize) {
        Broadcast<Object> bc = jsc.broadcast(toArray(params));
        TrainSpec s = spec;
        java.util.List<double[]> parts = limited("the prediction", () -> data.shards()
                .map(shard -> StepTask.forThread(s).predict(shard, bc.value(), batchSize)).collect());
        bc.destroy();
        double[] all = new double[(int) data.rows()];
        int at = 0;
        for (double[] p : parts) {   // collect() keeps partition order: shard i holds the i-th block of rows
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    private <T> T limited(String what, java.util.function.Supplier<T> work) {
        return JobWatchdog.limited(jsc, timeoutSeconds, what, work);
    }

    private static Object toArray(INDArray params) {
        return params.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE
                ? params.toDoubleVector() : params.toFloatVector();
    }
}
