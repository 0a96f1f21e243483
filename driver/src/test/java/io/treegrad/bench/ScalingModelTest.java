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
            0.5, 1e-7, 0.25, 3e-7, 4, 5e-7, Map.of(1_000_000L, new double[] {1, 0.5}));

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
        assertEquals(10 + 0.5 * 2 + 1e-7 * s + 4 * 5e-7 * s, t.get("tree_levels"), 1e-9);
        assertEquals(4 + 2 * 5e-7 * s, t.get("driver_merge"), 1e-9);
        double wire = 8.0 / 10 / 1e6;
        Map<String, Double> net = ScalingModel.step(UNIT, 1_000_000, 8, 2, 64, wire);
        double extraBytes = (s + 3 * Math.min(s, ScalingModel.BLOCK)) + 4 * s + 2 * s;   // fetch, level, driver
        assertEquals(t.get("total") + wire * extraBytes, net.get("total"), 1e-6);
    }

    @Test
    void aShardedReduceMovesTwiceTheSliceTrafficAndUpdatesASlice() {
        double s = 4e6;
        Map<String, Double> t = ScalingModel.shardedStep(UNIT, 1_000_000, 4, 64, 0);
        assertEquals(2 * 5e-7 * s * 3 / 4, t.get("exchange"), 1e-9);
        assertEquals(2 + 2e-6 * s / 4, t.get("update"), 1e-9);
        assertEquals(2 * (10 + 0.5 * 4), t.get("schedule"), 1e-9);
    }

    @Test
    void computeIsInterpolatedByWorkAndScaledByParameterCount() {
        assertEquals(1 + 0.5 * 128, ScalingModel.computeMs(UNIT, 1_000_000, 128), 1e-12);
        assertEquals(2 * (1 + 0.5 * 64), ScalingModel.computeMs(UNIT, 2_000_000, 64), 1e-12);
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
