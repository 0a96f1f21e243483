package io.treegrad.driver.spark;

import io.treegrad.optim.Optimizer;
import io.treegrad.train.Evaluation;
import io.treegrad.train.GradientSum;
import io.treegrad.util.HostCopy;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data-parallel SGD over Spark. By default a step is one Spark job: the driver broadcasts the flat
 * parameters θ, every task returns a {@link GradientSum} over its rows, {@code treeAggregate} adds
 * them (empty zero value, in-place merges), the driver divides once and steps its optimizer, and the
 * broadcast is destroyed (on a background thread, off the step's critical path; at most one step's
 * broadcast is still being destroyed when the next step starts). The other {@link Transport}s move
 * the same numbers differently: θ inside the tasks, or no job per step at all ({@link GangSteps}).
 * <ul>
 *   <li><b>Synchronous SGD</b> ({@link TrainSpec#isLocalSgd()} false): tasks return the gradient sum
 *       of their rows of the step's minibatch(es); the driver steps with the mean gradient. Exact: the
 *       same as one process taking the same global minibatches.</li>
 *   <li><b>Local SGD</b> (federated averaging with a server optimizer): each task takes k steps of the
 *       inner optimizer on its rows of k consecutive global minibatches, starting from θ, and returns
 *       n_p·(θ_p − θ); the driver steps its outer optimizer with the pseudo-gradient
 *       g = θ − Σ n_p θ_p / Σ n_p. Outer SGD with lr 1 and no momentum sets θ to the weighted average of
 *       the tasks' parameters; with k = 1 and inner SGD it is exactly a synchronous SGD step. One job
 *       per k minibatches instead of one per minibatch: Spark's fixed cost per job is paid k× less
 *       often, at the price of tasks drifting apart within a round.</li>
 * </ul>
 */
public final class DistributedTrainer implements AutoCloseable {
    private final JavaSparkContext jsc;
    private final DistributedData train;
    private final TrainSpec spec;
    private final int depth;
    private final long timeoutSeconds;
    /** The driver's mean (pseudo-)gradient, reused from step to step. */
    private INDArray meanBuffer;
    /**
     * How a step's parameters reach the tasks and their gradients come back: Spark conf
     * {@value #TRANSPORT_CONF} ({@link Transport}).
     */
    private Transport transport;
    /** The gang transport's tasks and connections, while it is in use. */
    private GangSteps gang;

    /**
     * How steps move parameters and gradients (Spark conf {@value #TRANSPORT_CONF}; the trajectory is
     * the same with every one: docs/benchmarks-spark.md measures them against each other).
     */
    public enum Transport {
        /** One Spark job per step; the parameters as a TorrentBroadcast, the gradients by treeAggregate. */
        BROADCAST,
        /**
         * As {@link #BROADCAST}, with the parameters inside each task ({@link ParamShards}; a broadcast
         * above {@link #MAX_PARAM_BYTES_IN_TASK}): no executor fetch, but the driver sends one copy per
         * task (small clusters).
         */
        TASKS,
        /**
         * No job per step: long-lived barrier tasks exchange parameters and gradients with the driver
         * over TCP ({@link GangSteps}). Needs a free slot per partition for the whole run; a star through
         * the driver (a handful of executors).
         */
        GANG;

        /** The transport named by {@code value} (case-insensitive), or a clear error naming the conf. */
        public static Transport parse(String value) {
            for (Transport t : values()) {
                if (t.name().equalsIgnoreCase(value.trim())) {
                    return t;
                }
            }
            throw new IllegalArgumentException("Spark conf " + TRANSPORT_CONF + ": expected auto, broadcast, tasks or"
                    + " gang, got '" + value + "'");
        }

        /**
         * {@value #AUTO}: {@link #GANG} where its conditions are known to hold - embedded Spark
         * ({@code local}, {@code local[N]}, {@code local[*]}, {@code local[N,F]}: the tasks run in the
         * driver's JVM) with a CPU slot for each of the {@code partitions}, no GPU scheduling and
         * nothing the gang refuses ({@link GangSteps#refusal}: encryption) - else {@link #BROADCAST}. On a cluster the gang is opt-in: it holds a
         * slot per partition for the whole run and its driver traffic grows with the executor count
         * (measured here with two executors only).
         */
        public static Transport auto(SparkConf conf, int partitions) {
            String master = conf.get("spark.master", "");
            if (!master.equals("local") && !master.startsWith("local[") || GangSteps.refusal(conf) != null
                    || conf.contains("spark.task.resource.gpu.amount")) {
                return BROADCAST;
            }
            int cores;
            if (master.equals("local")) {
                cores = 1;
            } else {
                String n = master.substring("local[".length(), master.length() - 1).split(",")[0].trim();
                try {
                    cores = n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
                } catch (NumberFormatException e) {
                    return BROADCAST;
                }
            }
            int slots = cores / Math.max(1, conf.getInt("spark.task.cpus", 1));
            return partitions <= slots ? GANG : BROADCAST;
        }
    }

    /** The value of {@value #TRANSPORT_CONF} that lets {@link Transport#auto} choose. */
    public static final String AUTO = "auto";

    /**
     * The Spark conf that picks the {@link Transport}: broadcast (the default), tasks, gang, or
     * {@value #AUTO} ({@link Transport#auto}: the gang where its conditions are known to hold).
     */
    public static final String TRANSPORT_CONF = "spark.treegrad.transport";

    /**
     * The most parameter bytes a step ships inside each task (and at most half of
     * {@code spark.rpc.message.maxSize}, which a task's launch message must fit in); larger parameters
     * are broadcast: a broadcast spreads big payloads over the executors (torrent) instead of the
     * driver sending one copy per task.
     */
    static final long MAX_PARAM_BYTES_IN_TASK = 16L << 20;
    /** The older spelling of {@code spark.treegrad.transport=tasks}: true picks {@link Transport#TASKS}. */
    public static final String PARAMS_IN_TASKS_CONF = "spark.treegrad.paramsInTasks";
    private final long maxParamBytesInTask;

    private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);
    /**
     * Destroys finished steps' broadcasts. {@code Broadcast.destroy()} asks the driver's block manager
     * endpoint and waits for its answer (~2-5 ms per step, measured inside the driver's update on the
     * loopback cluster); nothing in the step needs that to have happened, so it runs here.
     */
    private static final ExecutorService DESTROYER = daemonThread("treegrad-broadcast-destroy");
    /** One daemon thread named {@code name} that runs what is submitted to it in order. */
    static ExecutorService daemonThread(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** The previous step's broadcast being destroyed, or null. */
    private Future<?> destroying;

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

    /**
     * One optimizer step's outcome. {@code correct} (classification) and {@code squaredErrors}
     * (regression) measure the training rows as the model was when it computed on them: summed over
     * steps they give the running training accuracy or RMSE, for free.
     */
    public record StepResult(long step, long examples, double meanLoss, long correct, double squaredErrors,
                             StepTiming timing) {}

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
        String named = jsc.getConf().get(TRANSPORT_CONF,
                jsc.getConf().getBoolean(PARAMS_IN_TASKS_CONF, false) ? "tasks" : "broadcast");
        this.transport = AUTO.equalsIgnoreCase(named.trim()) ? Transport.auto(jsc.getConf(), train.partitions())
                : Transport.parse(named);
        long rpcMaxBytes = jsc.getConf().getSizeAsMb("spark.rpc.message.maxSize", "128") << 20;
        this.maxParamBytesInTask = Math.min(MAX_PARAM_BYTES_IN_TASK, rpcMaxBytes / 2);
    }

    /** Picks the step transport (instead of the Spark conf's); the trajectory is the same with every one. */
    public DistributedTrainer transport(Transport t) {
        if (t != Transport.GANG) {
            pause();
        }
        this.transport = java.util.Objects.requireNonNull(t, "transport");
        return this;
    }

    public Transport transport() {
        return transport;
    }

    /** Global minibatches in one epoch (the last one holds the remainder). */
    public long minibatchesPerEpoch() {
        return spec.batchesPerEpoch(train.rows());
    }

    /**
     * Optimizer steps per epoch in synchronous mode: minibatches per epoch over minibatches per step.
     * (Local SGD rounds may straddle epochs: there TrainJob counts minibatches.)
     */
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
        return step(step, params, optimizer, Long.MAX_VALUE);
    }

    /**
     * Runs step (or local SGD round) {@code step}: updates {@code params} in place with
     * {@code optimizer} (the outer optimizer in local SGD).
     *
     * @param minibatchLimit local SGD: the global minibatch index the run ends at (a last round of
     *                       epochs·minibatches that k does not divide is shorter); ignored in sync mode
     */
    public StepResult step(long step, INDArray params, Optimizer optimizer, long minibatchLimit) {
        long t0 = System.nanoTime();
        Object values = toArray(params);
        TrainSpec s = spec;
        GradientSum sum;
        long t1;
        Broadcast<Object> bc = null;
        long sendNanos = 0;
        if (transport == Transport.GANG) {
            if (gang == null) {
                gang = new GangSteps(jsc, train.shards(), s, timeoutSeconds);
            }
            t1 = System.nanoTime();
            GangSteps.Exchange ex = gang.exchange(step, values, minibatchLimit);
            sum = ex.sum();
            sendNanos = ex.sendNanos();
        } else if (transport == Transport.TASKS && ParamShards.bytes(values) <= maxParamBytesInTask) {
            JavaRDD<ParamShards.Input> withParams = ParamShards.of(train.shards(), values);
            t1 = System.nanoTime();
            sum = limited("step " + step, () -> withParams.treeAggregate(GradientSum.empty(),
                    (acc, in) -> acc.merge(work(s, in.shard(), in.params(), step, minibatchLimit)),
                    GradientSum::merge, depth));
        } else {
            Broadcast<Object> b = jsc.broadcast(values);
            bc = b;
            t1 = System.nanoTime();
            sum = limited("step " + step, () -> train.shards().treeAggregate(GradientSum.empty(),
                    (acc, shard) -> acc.merge(work(s, shard, b.value(), step, minibatchLimit)),
                    GradientSum::merge, depth));
        }
        long t2 = System.nanoTime();
        if (bc != null) {
            destroyLater(bc);
        }
        if (sum.count() == 0) {
            throw new IllegalStateException("step " + step + " saw no examples");
        }
        INDArray mean = sum.meanInto(meanBuffer(params, sum.dataType()));
        if (spec.isLocalSgd()) {
            mean.negi();   // the pseudo-gradient θ − mean(θ_p): minus the mean change
        }
        optimizer.step(params, mean.dataType() == params.dataType() ? mean : mean.castTo(params.dataType()));
        long t3 = System.nanoTime();
        return new StepResult(step, sum.count(), sum.meanLoss(), sum.correct(), sum.squaredErrors(),
                new StepTiming((t1 - t0 + sendNanos) / 1e6, sum.computeNanos() / 1e6,
                        (t2 - t1 - sendNanos - sum.computeNanos()) / 1e6,
                        sum.mergeNanos() / 1e6, (t3 - t2) / 1e6));
    }

    /** A task's share of step {@code step} on one shard, whichever way the parameters reached it. */
    static GradientSum work(TrainSpec s, Shard shard, Object params, long step, long minibatchLimit) {
        return s.isLocalSgd()
                ? StepTask.forThread(s).localRound(shard, params, step, minibatchLimit)
                : StepTask.forThread(s).gradient(shard, params, step);
    }

    /**
     * Destroys {@code bc} on the background thread, after waiting for the previous step's destroy: at
     * most two steps' parameters are held by the block managers at once. A failed destroy (the
     * context stopping under it) is logged; the ContextCleaner removes what is left once unreachable.
     */
    private void destroyLater(Broadcast<?> bc) {
        awaitDestroyed();
        destroying = DESTROYER.submit(() -> {
            try {
                // blocking: returns once the block managers have dropped it (the public destroy() only
                // asks them to, so "at most two held" would not hold); off the step's path either way.
                // destroy(boolean) is private[spark] in Scala, public in the bytecode, in Spark 3.5 and 4.
                bc.destroy(true);
            } catch (Exception e) {   // Scala's SparkException is checked in Java's eyes
                LOG.debug("treegrad: broadcast {} not destroyed: {}", bc.id(), e.toString());
            }
        });
    }

    /**
     * Ends the gang transport's tasks, freeing their task slots for other Spark jobs (its next step
     * starts them again); a no-op with the other transports. {@link #evaluate} and {@link #predict} do
     * it themselves; call it before running any other Spark job between steps.
     */
    public void pause() {
        if (gang != null) {
            gang.stop();
        }
    }

    /**
     * Ends what steps leave running: the gang's tasks and its server socket, and the last step's
     * broadcast destroy (waited for). A later step would start a new gang.
     */
    @Override
    public void close() {
        try {
            if (gang != null) {
                gang.close();
                gang = null;
            }
        } finally {
            awaitDestroyed();
        }
    }

    /** Waits until the last step's broadcast is destroyed (no-op when none is pending). */
    public void awaitDestroyed() {
        Future<?> f = destroying;
        destroying = null;
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("destroying a broadcast", e.getCause());
        }
    }

    /** Loss and accuracy (or RMSE) of {@code params} on {@code data}, computed where the shards live. */
    public Evaluation evaluate(DistributedData data, INDArray params, int batchSize) {
        pause();   // the gang's tasks hold every slot
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
        pause();
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

    private INDArray meanBuffer(INDArray params, org.nd4j.linalg.api.buffer.DataType type) {
        if (meanBuffer == null || meanBuffer.length() != params.length() || meanBuffer.dataType() != type) {
            meanBuffer = org.nd4j.linalg.factory.Nd4j.create(type, params.length());
        }
        return meanBuffer;
    }

    private <T> T limited(String what, java.util.function.Supplier<T> work) {
        return JobWatchdog.limited(jsc, timeoutSeconds, what, work);
    }

    /** The parameters as the Java array that is broadcast: one bulk copy (toFloatVector: 1.8 → 0.3 ms at 1M). */
    private static Object toArray(INDArray params) {
        INDArray flat = params.reshape(params.length());
        return params.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE
                ? HostCopy.toDoubles(flat) : HostCopy.toFloats(flat);
    }
}
