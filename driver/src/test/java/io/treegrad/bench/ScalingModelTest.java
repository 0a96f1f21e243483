package io.treegrad.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.TestData;
import io.treegrad.driver.spark.DataSource;
import io.treegrad.driver.spark.DistributedData;
import io.treegrad.driver.spark.DistributedTrainer;
import io.treegrad.driver.spark.Sessions;
import io.treegrad.driver.spark.TrainSpec;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.Sgd;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The scaling model's arithmetic, and the benchmark's measurement of a step, against real Spark:
 * the tree the model assumes is the tree Spark runs (counted in stages by {@link TaskTimes}), and
 * the listener's timestamps of a step's job fit inside the time the trainer measured for it.
 */
class ScalingModelTest {
    private static final ScalingModel.Constants UNIT = new ScalingModel.Constants("test", 10, 0.5, 1, 1e-6, 2, 2e-6,
            0.5, 1e-7, 0.25, 3e-7, 4, 5e-7, 9e-7, Map.of(1_000_000L, new double[] {1, 0.5}));

    @Test
    void treeLevelsFollowSparksTreeAggregate() {
        assertEquals(List.of(new ScalingModel.Level(0, 2)), ScalingModel.levels(2, 2));
        // 1000 partitions, depth 2: scale 32, one level of 31 reducers of fan-in 33, the driver takes 31
        assertEquals(List.of(new ScalingModel.Level(31, 33), new ScalingModel.Level(0, 31)), ScalingModel.levels(1000, 2));
        // depth 3: scale 10, 1000 -> 100 -> 10, the driver takes 10
        assertEquals(List.of(new ScalingModel.Level(100, 10), new ScalingModel.Level(10, 10), new ScalingModel.Level(0, 10)),
                ScalingModel.levels(1000, 3));
        // depth 4: scale 6, 1000 -> 166 -> 27 -> 4 (integer division, as Spark's), the driver takes 4
        assertEquals(List.of(new ScalingModel.Level(166, 7), new ScalingModel.Level(27, 7), new ScalingModel.Level(4, 7),
                new ScalingModel.Level(0, 4)), ScalingModel.levels(1000, 4));
    }

    @Test
    void oneExecutorStepIsTheSumOfItsParts() {
        Map<String, Double> t = ScalingModel.step(UNIT, 1_000_000, 1, 2, 64, 0);
        double s = 4e6;
        double expected = (1 + 1e-6 * s) + (10 + 0.5) + (0.25 + 3e-7 * s) + (1 + 0.5 * 64) + (0.5 + 1e-7 * s)
                + 0 + (4 + 1 * 5e-7 * s) + (2 + 2e-6 * s);
        assertEquals(expected, t.get("total"), 1e-9);
        assertEquals(0, t.get("tree_levels"), 0);
    }

    @Test
    void aTreeLevelAddsItsLaunchSerializeAndFanInAndTheNetworkChargesEveryByte() {
        double s = 4e6;
        Map<String, Double> t = ScalingModel.step(UNIT, 1_000_000, 8, 2, 64, 0);   // scale 3: 8 -> 2 reducers of fan-in 4
        assertEquals(10 + 0.5 * 2 + 1e-7 * s + 4 * 9e-7 * s, t.get("tree_levels"), 1e-9);   // a level shuffles: σ
        assertEquals(4 + 2 * 5e-7 * s, t.get("driver_merge"), 1e-9);
        // depth 3 (scale 2: 8 -> 4 reducers of fan-in 2) on a host of 2 slots: the reducers run in 2 waves
        Map<String, Double> onTwo = ScalingModel.step(UNIT, 1_000_000, 8, 3, 64, 0, 2);
        assertEquals(10 + 0.5 * 4 + 2 * (1e-7 * s + 2 * 9e-7 * s), onTwo.get("tree_levels"), 1e-9);
        assertEquals(10 + 0.5 * 4 + 1e-7 * s + 2 * 9e-7 * s, ScalingModel.step(UNIT, 1_000_000, 8, 3, 64, 0).get("tree_levels"),
                1e-9);
        double wire = 8.0 / 10 / 1e6;
        Map<String, Double> net = ScalingModel.step(UNIT, 1_000_000, 8, 2, 64, wire);
        double extraBytes = (s + 3 * Math.min(s, ScalingModel.BLOCK)) + 4 * s + 2 * s;   // fetch, level, driver
        assertEquals(t.get("total") + wire * extraBytes, net.get("total"), 1e-6);
    }

    @Test
    void aShardedReduceMovesTwiceTheSliceTrafficAndUpdatesASlice() {
        double s = 4e6;
        Map<String, Double> t = ScalingModel.shardedStep(UNIT, 1_000_000, 4, 64, 0);
        assertEquals(2 * 9e-7 * s * 3 / 4, t.get("exchange"), 1e-9);
        assertEquals(2 + 2e-6 * s / 4, t.get("update"), 1e-9);
        assertEquals(2 * (10 + 0.5 * 4), t.get("schedule"), 1e-9);
    }

    @Test
    void computeIsInterpolatedByWorkAndScaledByParameterCount() {
        assertEquals(1 + 0.5 * 128, ScalingModel.computeMs(UNIT, 1_000_000, 128), 1e-12);
        assertEquals(2 * (1 + 0.5 * 64), ScalingModel.computeMs(UNIT, 2_000_000, 64), 1e-12);
    }

    /**
     * Rows whose parts are the model's own step at known constants (the three base sizes and a
     * 16-minibatch work lever, all "fit"; empty jobs on the constants' launch line): the fit gives the
     * constants back and predicts its fitted rows exactly; a held-out row is predicted, not fitted.
     */
    @Test
    @SuppressWarnings("unchecked")
    void fittingTheModelsOwnStepsRecoversItsConstantsAndLeavesHeldOutRowsOut() {
        long[] sizes = {203_530, 1_068_810, 10_049_418};
        Map<Long, double[]> compute = Map.of(sizes[0], new double[] {0.5, 0.1}, sizes[1], new double[] {2, 0.3},
                sizes[2], new double[] {5, 2.5});
        ScalingModel.Constants truth = new ScalingModel.Constants("cluster-2", 12, 0.8, 3, 1.5e-6, 4, 2.2e-6, 6,
                3e-7, 20, 4e-6, 7, 1.8e-6, 6e-6, compute);
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (long p : sizes) {
            rows.add(row(truth, "base", "fit", p, 2, 2, 64, 1));
        }
        rows.add(row(truth, "steps_per_round 16", "fit", sizes[1], 2, 2, 64, 16));
        // 8 partitions on 2 slots at depth 2: one shuffle level (2 reducers of fan-in 4), 4 waves: fits σ
        Map<String, Object> shuffled = row(truth, "8 partitions, depth 2", "fit", sizes[1], 8, 2, 16, 1);
        shuffled.put("wall_ms_mean", ScalingModel.predict(truth, shuffled).get("total"));
        rows.add(shuffled);
        Map<String, Object> heldOut = row(truth, "base", "held_out", sizes[1], 2, 3, 64, 1);   // a base row, yet not fitted
        heldOut.put("wall_ms_mean", 2 * (Double) heldOut.get("wall_ms_mean"));   // measured twice the model
        ((Map<String, Object>) heldOut.get("mean_ms")).replaceAll((k, v) -> 2 * (Double) v);
        rows.add(heldOut);
        List<Map<String, Object>> jobs = new java.util.ArrayList<>();
        for (int n : new int[] {2, 8, 32}) {
            jobs.add(Map.of("env", "cluster-2", "tasks", n, "driver_ms_median", truth.j0() + truth.tau() * n));
        }
        ScalingModel m = ScalingModel.fromMeasurements(rows, jobs);
        Map<String, Object> report = m.report(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        @SuppressWarnings("unchecked")
        Map<String, Object> fitted = ((List<Map<String, Object>>) report.get("constants")).get(0);
        assertEquals(truth.j0(), (Double) fitted.get("j0_ms"), 1e-9);
        assertEquals(truth.tau(), (Double) fitted.get("tau_ms_per_task"), 1e-9);
        assertEquals(truth.a0(), (Double) fitted.get("aggregate_a0_ms"), 1e-6);
        assertEquals(truth.rho() * 1e6, (Double) fitted.get("rho_ms_per_MB"), 1e-6);
        assertEquals(truth.sigma() * 1e6, (Double) fitted.get("sigma_ms_per_MB"), 1e-6);
        assertPair(truth.f0(), truth.f1() * 1e6, fitted.get("fetch_ms"));
        assertPair(truth.b0(), truth.b1() * 1e6, fitted.get("broadcast_ms"));
        assertPair(truth.s0(), truth.s1() * 1e6, fitted.get("serialize_ms"));
        assertPair(truth.u0(), truth.u1() * 1e6, fitted.get("update_ms"));
        Map<?, ?> k = (Map<?, ?>) fitted.get("compute_ms_k0_k1_by_params");
        assertEquals(2, ((double[]) k.get(sizes[1]))[0], 1e-9);
        assertEquals(0.3, ((double[]) k.get(sizes[1]))[1], 1e-12);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> checks = (List<Map<String, Object>>) report.get("predicted_vs_measured");
        assertEquals(6, checks.size());
        for (Map<String, Object> c : checks) {
            double expected = "held_out".equals(c.get("role")) ? -0.5 : 0;
            assertEquals(expected, (Double) c.get("relative_error"), 1e-9, c.toString());
        }
        assertEquals(1, ((Map<?, ?>) report.get("held_out_errors")).get("rows"));
        assertEquals(5, ((Map<?, ?>) report.get("fit_errors")).get("rows"));
    }

    /** A benchmark row whose parts are the model's step at {@code c}. */
    private static Map<String, Object> row(ScalingModel.Constants c, String variant, String role, long params, int p,
                                           int depth, int rows, int stepsPerRound) {
        Map<String, Double> t = ScalingModel.step(c, params, p, depth, rows * stepsPerRound, 0);
        Map<String, Object> mean = new java.util.LinkedHashMap<>();
        mean.put("broadcast", t.get("broadcast"));
        mean.put("schedule", t.get("schedule") + t.get("tree_levels"));
        mean.put("aggregate", t.get("driver_merge"));
        mean.put("task_other", t.get("fetch"));
        mean.put("serialize", t.get("serialize"));
        mean.put("compute", t.get("compute"));
        mean.put("update", t.get("update"));
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("env", c.env());
        r.put("variant", variant);
        r.put("role", role);
        r.put("model", String.valueOf(params));
        r.put("params", params);
        r.put("partitions", p);
        r.put("depth", depth);
        r.put("rows_per_task", rows);
        r.put("steps_per_round", stepsPerRound);
        r.put("wall_ms_mean", t.get("total"));
        r.put("mean_ms", mean);
        return r;
    }

    private static void assertPair(double intercept, double perMb, Object fitted) {
        List<?> f = (List<?>) fitted;
        assertEquals(intercept, (Double) f.get(0), 1e-6);
        assertEquals(perMb, (Double) f.get(1), 1e-6);
    }

    @Test
    void leastSquaresRecoversALine() {
        double[] ab = ScalingModel.slope(List.of(new double[] {1, 5}, new double[] {2, 7}, new double[] {4, 11}));
        assertEquals(3, ab[0], 1e-12);
        assertEquals(2, ab[1], 1e-12);
    }

    /** Real local[2] steps on the digits: the stages Spark ran match the model's tree; the listener's times fit. */
    @Test
    void theModelsTreeIsSparksAndTheListenersTimesFitTheMeasuredStep() throws Exception {
        SparkSession spark = Sessions.create("treegrad-tests", Map.of("spark.master", "local[2]", "spark.ui.enabled",
                "false"));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TaskTimes times = TaskTimes.on(spark.sparkContext());
        ModelSpec model = ModelSpec.mlp(64, new int[] {32}, 10, "relu");
        int[][] cases = {{2, 2}, {8, 2}, {16, 4}};
        for (int[] c : cases) {
            int partitions = c[0];
            int depth = c[1];
            DistributedData data = DistributedData.load(jsc, DataSource.csv(TestData.file("digits/digits.csv.gz"), 10),
                    partitions);
            DistributedTrainer trainer = new DistributedTrainer(jsc, data,
                    new TrainSpec(model, "cross_entropy", null, 0, false, 3, 8 * partitions, 1), depth);
            INDArray params = Model.build(model, DataType.FLOAT, 3).parameters().values();
            Sgd sgd = new Sgd(0.1);
            for (int step = 0; step < 3; step++) {
                String group = "test-" + partitions + "-" + depth + "-" + step;
                jsc.setJobGroup(group, "test", false);
                long t0 = System.nanoTime();
                DistributedTrainer.StepResult r = trainer.step(step, params, sgd);
                double wall = (System.nanoTime() - t0) / 1e6;
                jsc.clearJobGroup();
                List<TaskTimes.Job> jobs = times.jobs(group, 1);
                assertEquals(1, jobs.size(), "one job per step");
                TaskTimes.Job job = jobs.get(0);
                assertEquals(ScalingModel.levels(partitions, depth).size(), job.stages(),
                        partitions + " partitions at depth " + depth + ": stages = tree levels + 1");
                assertEquals(partitions + ScalingModel.levels(partitions, depth).stream()
                        .mapToInt(ScalingModel.Level::reducers).sum(), job.tasks().size(), "tasks over all stages");
                StepSplit split = StepSplit.of(wall, r.timing(), job);
                double jobMs = r.timing().computeMs() + r.timing().aggregationMs();
                // Spark's clock (ms) sees the job inside the trainer's measured call, to its resolution
                assertTrue(job.spanMs() <= jobMs + 2, job.spanMs() + " ms on Spark's clock vs " + jobMs + " ms measured");
                assertTrue(job.critical().launchMs() >= job.startMs() && job.critical().finishMs() <= job.endMs() + 1);
                assertTrue(split.scheduleMs() >= 0 && split.serializeMs() >= 0 && split.otherMs() >= 0);
                assertEquals(wall, split.broadcastMs() + split.scheduleMs() + split.serializeMs() + split.computeMs()
                        + split.taskOtherMs() + split.aggregateMs() + split.updateMs() + split.otherMs(), 1e-6);
            }
            data.shards().unpersist(false);
        }
    }
}
