package io.treegrad.driver.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.TestData;
import io.treegrad.driver.spark.DistributedTrainer.Transport;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.Adam;
import io.treegrad.optim.Optimizer;
import io.treegrad.optim.OptimizerSpec;
import io.treegrad.optim.Sgd;
import io.treegrad.optim.SgdNesterov;
import io.treegrad.train.Evaluation;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BroadcastBlockId;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The distributed step loop in embedded Spark (local[2]) on the real digits data. */
class DistributedTrainingTest {
    private static final ModelSpec MLP = ModelSpec.mlp(64, new int[] {32}, 10, "tanh");

    private static DataSource digits() {
        return DataSource.csv(TestData.file("digits/digits.csv.gz"), 10);
    }

    /** The digits in {@code partitions} cached shards, standardized. */
    private static DistributedData scaledDigits(JavaSparkContext jsc, int partitions) {
        DistributedData data = DistributedData.load(jsc, digits(), partitions);
        return data.scaled(data.fitScaler("STANDARDIZE", 0));
    }

    /** Trains {@code steps} steps with P partitions and per-worker batch b; returns the parameters. */
    private static INDArray train(int partitions, int perWorkerBatch, boolean float64, int steps) {
        JavaSparkContext jsc = Spark.context();
        DistributedData data = scaledDigits(jsc, partitions);
        TrainSpec spec = new TrainSpec(MLP, "cross_entropy", null, 0, float64, 5, perWorkerBatch * partitions, 1);
        DistributedTrainer trainer = new DistributedTrainer(jsc, data, spec, 2);
        INDArray params = Model.build(MLP, float64 ? DataType.DOUBLE : DataType.FLOAT, 5).parameters().values().dup();
        Optimizer adam = new Adam(0.01);
        for (long s = 0; s < steps; s++) {
            trainer.step(s, params, adam);
        }
        data.shards().unpersist(true);
        return params;
    }

    @Test
    void twoPartitionsWithBatchBEqualOnePartitionWithBatch2B() {
        INDArray two = train(2, 16, true, 20);
        INDArray one = train(1, 32, true, 20);
        double diff = two.sub(one).amaxNumber().doubleValue();
        System.out.printf("float64, 20 steps: max |θ(P=2, b=16) − θ(P=1, b=32)| = %.2e%n", diff);
        assertTrue(diff <= 1e-12, "float64 difference " + diff);

        INDArray twoF = train(2, 16, false, 20);
        INDArray oneF = train(1, 32, false, 20);
        double rel = twoF.sub(oneF).norm2Number().doubleValue() / oneF.norm2Number().doubleValue();
        System.out.printf("float32, 20 steps: |θ(P=2) − θ(P=1)| / |θ| = %.2e%n", rel);
        assertTrue(rel <= 1e-5, "float32 relative difference " + rel);
        assertTrue(two.sub(train(2, 16, true, 19)).amaxNumber().doubleValue() > 0, "a step changes the parameters");
    }

    @Test
    void sameConfigSameParametersOnEveryRun() {
        assertEquals(train(2, 16, false, 10), train(2, 16, false, 10));
    }

    @Test
    void distributedTrainingLearnsDigits() {
        JavaSparkContext jsc = Spark.context();
        DistributedData data = scaledDigits(jsc, 2);
        TrainSpec spec = new TrainSpec(MLP, "cross_entropy", null, 0, false, 3, 64, 1);
        DistributedTrainer trainer = new DistributedTrainer(jsc, data, spec, 2);
        INDArray params = Model.build(MLP, DataType.FLOAT, 3).parameters().values().dup();
        Optimizer adam = new Adam(0.01);
        long perEpoch = trainer.stepsPerEpoch();
        assertEquals((1797 + 63) / 64, perEpoch);
        for (long s = 0; s < 5 * perEpoch; s++) {
            trainer.step(s, params, adam);
        }
        Evaluation e = trainer.evaluate(data, params, 256);
        System.out.println("digits, 5 epochs on 2 partitions (training set): " + e);
        assertEquals(1797, e.examples());
        assertTrue(e.accuracy() > 0.97, e.toString());
        data.shards().unpersist(true);
    }

    /**
     * Local SGD with one local step of plain SGD (lr η) and an outer SGD with lr 1 and no momentum is
     * synchronous SGD: each task's θ_p = θ − η·g_p/n_p, the row-weighted mean is θ − η·Σg_p/N, and the
     * outer step θ − 1·(θ − mean θ_p) lands there. In float64 the two differ only by the rounding of
     * θ_p − θ and θ − (θ − mean): a few ulps of |θ| (~1e-16 relative) per step, so 1e-12 after 20
     * steps is generous yet far below one step's change (> 1e-3 here).
     */
    @Test
    void localSgdWithOneInnerSgdStepAndOuterLrOneIsSyncSgd() {
        double eta = 0.1;
        INDArray sync = trainSgd(new TrainSpec(MLP, "cross_entropy", null, 0, true, 5, 32, 1), new Sgd(eta), 20);
        INDArray local = trainSgd(new TrainSpec(MLP, "cross_entropy", null, 0, true, 5, 32, 1)
                .localSgd(1, OptimizerSpec.of("sgd").withLr(eta)), new Sgd(1.0), 20);
        double diff = sync.sub(local).amaxNumber().doubleValue();
        System.out.printf("float64, 20 steps: max |θ(sync SGD) − θ(local SGD, k=1)| = %.2e%n", diff);
        assertTrue(diff <= 1e-12, "float64 difference " + diff);
        INDArray start = Model.build(MLP, DataType.DOUBLE, 5).parameters().values();
        assertTrue(sync.sub(start).amaxNumber().doubleValue() > 1e-3, "the steps moved the parameters");
    }

    /** Rounds are pure functions of (θ, round, data, seed): the same run gives the same bits. */
    @Test
    void localSgdIsBitReproducibleAndLearns() {
        TrainSpec spec = new TrainSpec(MLP, "cross_entropy", null, 0, false, 3, 32, 1)
                .localSgd(5, OptimizerSpec.of("adam").withLr(0.01));
        INDArray a = trainSgd(spec, new SgdNesterov(0.7, 0.5), 12);
        INDArray b = trainSgd(spec, new SgdNesterov(0.7, 0.5), 12);
        assertEquals(a, b);
        JavaSparkContext jsc = Spark.context();
        DistributedData data = scaledDigits(jsc, 2);
        Evaluation e = new DistributedTrainer(jsc, data, spec, 2).evaluate(data, a, 256);
        System.out.println("digits, local SGD 12 rounds of 5 Adam steps (training set): " + e);
        assertTrue(e.accuracy() > 0.9, e.toString());
        data.shards().unpersist(true);
    }

    /**
     * Every {@link DistributedTrainer.Transport}: the step's parameters as a broadcast (the default),
     * inside its tasks, or sent to the long-lived gang tasks: the same bits after every step, in sync
     * SGD (float32 and float64, 16 minibatches per step too) and local SGD, with an evaluation between
     * steps (which ends the gang; the next step starts a new one).
     */
    @Test
    void everyTransportGivesTheSameTrajectory() {
        for (boolean float64 : new boolean[] {false, true}) {
            for (int perStep : new int[] {1, 16}) {
                TrainSpec spec = new TrainSpec(MLP, "cross_entropy", null, 0, float64, 5, 32, perStep);
                double[] broadcast = trainSgd(spec, new Adam(0.01), 6, Transport.BROADCAST).toDoubleVector();
                for (Transport t : new Transport[] {Transport.TASKS, Transport.GANG}) {
                    assertArrayEquals(broadcast, trainSgd(spec, new Adam(0.01), 6, t).toDoubleVector(),
                            t + ", float64 " + float64 + ", " + perStep + " minibatches per step");
                }
            }
        }
        TrainSpec local = new TrainSpec(MLP, "cross_entropy", null, 0, false, 3, 32, 1)
                .localSgd(5, OptimizerSpec.of("adam").withLr(0.01));
        double[] broadcast = trainSgd(local, new SgdNesterov(0.7, 0.5), 4, Transport.BROADCAST).toDoubleVector();
        for (Transport t : new Transport[] {Transport.TASKS, Transport.GANG}) {
            assertArrayEquals(broadcast, trainSgd(local, new SgdNesterov(0.7, 0.5), 4, t).toDoubleVector(),
                    "local SGD, " + t);
        }
    }

    /**
     * A gang task whose own code fails (here: parameters of the wrong length, which every task
     * rejects) fails the step at once with the task's exception as the root cause, as a job's failed
     * task would (no restart: it would fail the same way), and leaves no job running; the trainer then
     * steps again with good parameters.
     */
    @Test
    void aGangTaskThatFailsFailsTheStepWithItsOwnException() {
        JavaSparkContext jsc = Spark.context();
        DistributedData data = scaledDigits(jsc, 2);
        TrainSpec spec = new TrainSpec(MLP, "cross_entropy", null, 0, false, 5, 32, 1);
        try (DistributedTrainer trainer = new DistributedTrainer(jsc, data, spec, 2).transport(Transport.GANG)) {
            INDArray wrong = org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, 7);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> trainer.step(0, wrong, new Adam(0.01)));
            assertTrue(e.getMessage().startsWith("step 0: gang task "), e.getMessage());
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertTrue(root instanceof IllegalArgumentException, chain(e));
            assertEquals("expected 2410 parameter values, got 7", root.getMessage());
            assertNoJobRunning(jsc, "after the failure: ");
            INDArray params = Model.build(MLP, DataType.FLOAT, 5).parameters().values().dup();
            assertTrue(Double.isFinite(trainer.step(0, params, new Adam(0.01)).meanLoss()), "a good step after it");
        }
        assertNoJobRunning(jsc, "");
        data.shards().unpersist(true);
    }

    /**
     * Another Spark job submitted while the gang holds every slot (no pause first: here a count of
     * the shards) gets the slots: the gang yields, and the next step starts it again, still on the
     * broadcast's trajectory. Without the yield the count waits forever.
     */
    @Test
    void aForeignJobWhileTheGangRunsGetsTheSlotsAndTheGangComesBack() {
        JavaSparkContext jsc = Spark.context();
        DistributedData data = scaledDigits(jsc, 2);
        TrainSpec spec = new TrainSpec(MLP, "cross_entropy", null, 0, false, 5, 32, 1);
        INDArray gang = Model.build(MLP, DataType.FLOAT, 5).parameters().values().dup();
        INDArray broadcast = gang.dup();
        Optimizer a = new Adam(0.01);
        Optimizer b = new Adam(0.01);
        DistributedData d = data;
        try (DistributedTrainer g = new DistributedTrainer(jsc, data, spec, 2).transport(Transport.GANG);
             DistributedTrainer t = new DistributedTrainer(jsc, data, spec, 2).transport(Transport.BROADCAST)) {
            for (long s = 0; s < 4; s++) {
                g.step(s, gang, a);
                long rows = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> d.shards().count());
                assertEquals(2, rows, "one shard per partition");
                t.step(s, broadcast, b);   // a job of its own too, while the gang may be running
            }
            assertArrayEquals(broadcast.toDoubleVector(), gang.toDoubleVector());
            g.step(4, gang, a);
            // a blocking unpersist of the cached shards while the gang runs: its tasks hold no block lock
            assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> d.shards().unpersist(true));
        }
        assertNoJobRunning(jsc, "");
    }

    /** A bad transport name in the Spark conf is refused, naming the conf and the choices. */
    @Test
    void anUnknownTransportIsRefusedNamingTheConf() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transport.parse("torrent"));
        assertEquals("Spark conf spark.treegrad.transport: expected auto, broadcast, tasks or gang, got 'torrent'",
                e.getMessage());
        assertEquals(Transport.GANG, Transport.parse(" Gang"));
    }

    /** No job is running once Spark's status listener (asynchronous) has caught up: it gets 10 s. */
    private static void assertNoJobRunning(JavaSparkContext jsc, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (jsc.statusTracker().getActiveJobIds().length > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        assertEquals(0, jsc.statusTracker().getActiveJobIds().length, what + "no job left running");
    }

    /**
     * The default transport ({@code auto}): the gang only in embedded Spark with a CPU slot per
     * partition, no GPU scheduling and no encryption; the broadcast everywhere else.
     */
    @Test
    void theAutoTransportPicksTheGangOnlyWhereItsConditionsHold() {
        assertEquals(Transport.GANG, Transport.auto(conf("local[2]"), 2));
        assertEquals(Transport.GANG, Transport.auto(conf("local[4,3]"), 3));
        assertEquals(Transport.BROADCAST, Transport.auto(conf("local[2]"), 3), "more partitions than slots");
        assertEquals(Transport.BROADCAST, Transport.auto(conf("local"), 2), "one slot");
        assertEquals(Transport.GANG, Transport.auto(conf("local"), 1));
        assertEquals(Transport.auto(conf("local[*]"), Runtime.getRuntime().availableProcessors()), Transport.GANG);
        assertEquals(Transport.BROADCAST, Transport.auto(conf("local[2]").set("spark.task.cpus", "2"), 2));
        assertEquals(Transport.BROADCAST, Transport.auto(conf("spark://127.0.0.1:7077"), 2), "a cluster");
        assertEquals(Transport.BROADCAST, Transport.auto(conf("local-cluster[2,1,1024]"), 2));
        assertEquals(Transport.BROADCAST, Transport.auto(conf("local[2]").set("spark.task.resource.gpu.amount", "1"), 1));
        assertEquals(Transport.BROADCAST, Transport.auto(conf("local[2]").set("spark.network.crypto.enabled", "true"), 2));
    }

    private static org.apache.spark.SparkConf conf(String master) {
        return new org.apache.spark.SparkConf(false).setMaster(master);
    }

    private static String chain(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t).append(" <- ");
        }
        return b.toString();
    }

    /**
     * Every step's parameter broadcast is destroyed, on a background thread: right after a step at most
     * that step's own is still in the driver's block manager, and none once {@code awaitDestroyed}
     * returns (without the destroy, 12 steps leave 12).
     */
    @Test
    void stepsDestroyTheirParameterBroadcasts() {
        ModelSpec wide = ModelSpec.mlp(64, new int[] {512}, 10, "tanh");   // 38 410 parameters, 150 KB float32
        JavaSparkContext jsc = Spark.context();
        DistributedData data = scaledDigits(jsc, 2);
        DistributedTrainer trainer = new DistributedTrainer(jsc, data,
                new TrainSpec(wide, "cross_entropy", null, 0, false, 5, 32, 1), 2);
        INDArray params = Model.build(wide, DataType.FLOAT, 5).parameters().values().dup();
        long bytes = 4L * params.length();
        long firstId = jsc.broadcast(0).id();   // broadcasts made from here on
        Optimizer adam = new Adam(0.01);
        for (long s = 0; s < 12; s++) {
            trainer.step(s, params, adam);
            long live = parameterBroadcasts(firstId, bytes);
            assertTrue(live <= 1, live + " parameter broadcasts held after step " + s);
        }
        trainer.awaitDestroyed();
        assertEquals(0, parameterBroadcasts(firstId, bytes), "parameter broadcasts held after the last destroy");
        data.shards().unpersist(true);
    }

    /**
     * Broadcasts since {@code firstId} with a piece of at least half of {@code bytes} (compressed or
     * not) in the driver's block manager.
     */
    private static long parameterBroadcasts(long firstId, long bytes) {
        BlockManager bm = SparkEnv.get().blockManager();
        var ids = bm.getMatchingBlockIds(id -> id instanceof BroadcastBlockId b && b.broadcastId() >= firstId
                && b.field().startsWith("piece"));
        java.util.Set<Long> big = new java.util.HashSet<>();
        var it = ids.iterator();
        while (it.hasNext()) {
            BroadcastBlockId b = (BroadcastBlockId) it.next();
            var status = bm.getStatus(b);
            if (status.isDefined() && status.get().memSize() + status.get().diskSize() >= bytes / 2) {
                big.add(b.broadcastId());
            }
        }
        return big.size();
    }

    private static INDArray trainSgd(TrainSpec spec, Optimizer optimizer, int steps) {
        return trainSgd(spec, optimizer, steps, Transport.BROADCAST);
    }

    /** {@code steps} steps with {@code transport}, evaluating after the third (the gang stops and restarts). */
    private static INDArray trainSgd(TrainSpec spec, Optimizer optimizer, int steps, Transport transport) {
        JavaSparkContext jsc = Spark.context();
        DistributedData data = scaledDigits(jsc, 2);
        INDArray params = Model.build(MLP, spec.float64() ? DataType.DOUBLE : DataType.FLOAT, 5).parameters()
                .values().dup();
        try (DistributedTrainer trainer = new DistributedTrainer(jsc, data, spec, 2).transport(transport)) {
            for (long s = 0; s < steps; s++) {
                trainer.step(s, params, optimizer);
                if (s == 2) {
                    assertTrue(trainer.evaluate(data, params, 256).accuracy() > 0, transport + ": evaluation");
                }
            }
        }
        assertNoJobRunning(jsc, transport + ": ");
        data.shards().unpersist(true);
        return params;
    }
}
