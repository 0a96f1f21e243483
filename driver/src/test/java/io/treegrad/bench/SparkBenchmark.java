package io.treegrad.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.treegrad.driver.spark.DataSource;
import io.treegrad.driver.spark.DistributedData;
import io.treegrad.driver.spark.DistributedTrainer;
import io.treegrad.driver.spark.MllibRows;
import io.treegrad.driver.spark.Sessions;
import io.treegrad.driver.spark.TrainSpec;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.Adam;
import io.treegrad.optim.Optimizer;
import io.treegrad.optim.Sgd;
import io.treegrad.train.Evaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.mllib.optimization.GradientDescent;
import org.apache.spark.mllib.optimization.LogisticGradient;
import org.apache.spark.mllib.optimization.SimpleUpdater;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import scala.Tuple2;

/**
 * Spark step efficiency of treegrad's synchronous step, against Spark MLlib on the same Spark and
 * the same data. A program, not a test: {@code jobs/bench-spark [--json PATH] [--quick] [--cluster]
 * [--full] [--skip-mlpc]}; what each figure means is in {@code docs/benchmarks-spark.md}.
 *
 * <ol>
 *   <li><b>Step efficiency</b> of MLPs of 0.20M, 1.07M and 10.05M parameters on real Fashion-MNIST
 *       (60k x 784, scaled /255, cached shards), Adam, 64 rows per task and minibatch: the median
 *       step wall, the compute share (treegrad's own forward+backward time of the slowest task over
 *       the step wall, means over the measured steps) and where the rest went, from
 *       {@link DistributedTrainer.StepTiming} plus a {@link TaskTimes} listener; then the levers that
 *       leave the trainer alone (rows per task, minibatches per step, depth, partitions, Spark
 *       confs) on the 1M model.</li>
 *   <li><b>Per-step overhead against MLlib</b> {@code GradientDescent.runMiniBatchSGD} with the same
 *       parameter count (binary {@code LogisticGradient} on sparse vectors of that dimension holding
 *       each row's 784 pixels), {@code miniBatchFraction} = the global batch over the rows. For both:
 *       step = time between the ends of consecutive step jobs; overhead = step − the slowest task's
 *       executor run time (Spark's metric, the same for both).</li>
 *   <li><b>Job cost vs task count</b> (empty jobs) for the scaling model's per-task constant.</li>
 *   <li>With {@code --full}: <b>time to accuracy</b> on Fashion-MNIST: treegrad (784-256-128-10, Adam,
 *       2 x 64) until test accuracy ≥ 0.876, and MLPC (layers [784,256,128,10], l-bfgs) fitted at
 *       each {@code --mlpc-iters} (default 400).</li>
 * </ol>
 */
public final class SparkBenchmark {
    /** Hidden widths of the three MLPs (784 inputs, 10 classes, ReLU). */
    static final int[][] HIDDEN = {{256}, {1024, 256}, {4096, 1664}};
    static final String[] SIZE = {"0.2M", "1M", "10M"};
    static final double TARGET_ACCURACY = 0.876;
    private static final long SEED = 7;

    private final Options opt;
    private final Map<String, Object> out = new LinkedHashMap<>();
    private final List<Map<String, Object>> steps = new ArrayList<>();
    private final List<Map<String, Object>> mllib = new ArrayList<>();
    private final List<Map<String, Object>> jobCost = new ArrayList<>();
    private final List<Map<String, Object>> blocks = new ArrayList<>();
    private final List<Map<String, Object>> driftChunks = new ArrayList<>();
    private long sessionStart;
    private SparkSession spark;
    private JavaSparkContext jsc;
    private TaskTimes times;
    private int groupSeq;
    /** The configuration whose gang tasks may be running (they hold every task slot), or null. */
    private Config gangHolder;
    /** The session's trainers, closed with it. */
    private final List<DistributedTrainer> trainers = new ArrayList<>();

    record Options(Path json, boolean quick, String master, String jars, String executorOpts, boolean full,
                   boolean skipMlpc, int[] mlpcIters, boolean clusterOnly, boolean mlpcOnly, boolean drift,
                   int mllibSessions, int[] mllibModels, Map<String, String> abConfs, int abSessions,
                   boolean transportAb, int[] sprSweep, String transport) {
        /** Moving-median window of the session warm-up (steps). */
        static final int SETTLE_WINDOW = 5;

        /** Warm-up and measured steps of a configuration measured once (conf levers, MLlib pairs). */
        int warmup() {
            return quick ? 2 : 15;
        }

        int measured() {
            return quick ? 6 : 20;
        }

        /** The model check's rounds: each configuration is visited this many times, in alternating order. */
        int rounds() {
            return quick ? 2 : 4;
        }

        /** Measured steps per visit (after one discarded step). */
        int stepsPerVisit() {
            return quick ? 4 : 5;
        }

        /** Steps of every configuration's throw-away visit after the session warm-up. */
        int warmupVisitSteps() {
            return quick ? 2 : 5;
        }

        /** Session warm-up: the fewest steps beyond two windows, and the caps in steps and seconds. */
        int settleMin() {
            return quick ? 0 : 5;
        }

        int settleCap() {
            return 1000;   // the time cap decides (a fresh executor's JIT is busy for a minute, not a step count)
        }

        double settleSeconds() {
            return quick ? 20 : 45;
        }

        static Options parse(String[] args) {
            Path json = null;
            boolean quick = false;
            boolean full = false;
            boolean skip = false;
            boolean clusterOnly = false;
            boolean mlpcOnly = false;
            boolean drift = false;
            String master = null;
            String jars = null;
            String executorOpts = "";
            int[] iters = {400};
            int mllibSessions = 0;
            int[] mllibModels = {1};
            Map<String, String> abConfs = new LinkedHashMap<>();
            int abSessions = 4;
            boolean transportAb = false;
            int[] sprSweep = null;
            String transport = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--json" -> json = Path.of(args[++i]);
                    case "--quick" -> quick = true;
                    case "--full" -> full = true;
                    case "--skip-mlpc" -> skip = true;
                    case "--cluster-only" -> clusterOnly = true;
                    case "--mlpc-only" -> mlpcOnly = true;
                    case "--drift" -> drift = true;
                    case "--cluster-master" -> master = args[++i];
                    case "--cluster-jars" -> jars = args[++i];
                    case "--executor-opts" -> executorOpts = args[++i];
                    case "--mlpc-iters" -> iters = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt)
                            .toArray();
                    case "--mllib-sessions" -> mllibSessions = Integer.parseInt(args[++i]);
                    case "--mllib-models" -> mllibModels = Arrays.stream(args[++i].split(",")).mapToInt(Options::sizeIndex)
                            .toArray();
                    case "--ab-conf" -> {
                        String kv = args[++i];
                        int eq = kv.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--ab-conf expects KEY=VALUE, got " + kv);
                        }
                        abConfs.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    case "--ab-sessions" -> abSessions = Integer.parseInt(args[++i]);
                    case "--transport-ab" -> transportAb = true;
                    case "--spr-sweep" -> sprSweep = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--transport" -> transport = DistributedTrainer.Transport.parse(args[++i]).name();
                    default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; expected --json"
                            + " PATH, --quick, --full, --skip-mlpc, --mlpc-iters N,N, --cluster-only, --mlpc-only, --drift, --cluster-master URL,"
                            + " --cluster-jars JARS, --executor-opts OPTS, --mllib-sessions N, --mllib-models 1M,10M,"
                            + " --ab-conf KEY=VALUE, --ab-sessions N, --transport-ab, --spr-sweep N,N,...,"
                            + " --transport broadcast|tasks|gang");
                }
            }
            return new Options(json, quick, master, jars, executorOpts, full || mlpcOnly, skip, iters,
                    clusterOnly || mlpcOnly, mlpcOnly, drift, mllibSessions, mllibModels, abConfs, abSessions,
                    transportAb, sprSweep, transport);
        }

        /** The index in {@link #SIZE} of a model name (0.2M, 1M, 10M). */
        static int sizeIndex(String name) {
            int i = Arrays.asList(SIZE).indexOf(name.trim());
            if (i < 0) {
                throw new IllegalArgumentException("unknown model " + name + "; expected one of " + Arrays.toString(SIZE));
            }
            return i;
        }
    }

    private SparkBenchmark(Options opt) {
        this.opt = opt;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        useNd4jOpenBlasForMllib();
        new SparkBenchmark(o).run();
        System.exit(0);   // ND4J's and Spark's non-daemon threads
    }

    private void run() throws Exception {
        out.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "java", System.getProperty("java.version"), "spark", org.apache.spark.package$.MODULE$.SPARK_VERSION()));
        out.put("data", "Fashion-MNIST train 60000 x 784 (real, IDX, scaled /255), cached shards");
        out.put("models", modelTable());
        Map<String, Object> protocol = new LinkedHashMap<>();
        protocol.put("model_check", Map.of("session_warmup", "the 1M base step until the median of the last "
                        + Options.SETTLE_WINDOW + " walls is within 5% of the window before (at least "
                        + (2 * Options.SETTLE_WINDOW + opt.settleMin()) + " steps; cap " + opt.settleCap() + " steps or "
                        + opt.settleSeconds() + " s), then " + opt.warmupVisitSteps() + " throw-away steps of every configuration",
                "rounds", opt.rounds(), "order", "forward, then backward, alternating (A B C, C B A, ...)",
                "steps_per_visit", opt.stepsPerVisit(), "discarded_per_visit", 1,
                "roles", "fit / held_out fixed in SparkBenchmark before measuring; see docs/scaling.md"));
        protocol.put("levers", Map.of("warmup_steps", opt.warmup(), "measured_steps", opt.measured()));
        protocol.put("rows_per_task_per_minibatch", 64);
        protocol.put("optimizer", "adam (sgd for the MLlib comparison)");
        out.put("protocol", protocol);
        out.put("load_at_start", JvmCounters.loadLine());

        out.put("steps", steps);
        out.put("model_check_blocks", blocks);
        out.put("mllib_overhead", mllib);
        out.put("job_cost", jobCost);
        if (opt.sprSweep() != null) {
            if (!opt.clusterOnly()) {
                sprSweep("local[2]", Map.of("spark.master", "local[2]"));
            }
            if (opt.master() != null) {
                sprSweep("cluster-2", clusterConfs(2));
            }
            out.put("load_at_end", JvmCounters.loadLine());
            writeJson();
            return;
        }
        if (opt.transportAb()) {
            if (opt.master() != null) {
                transportAb("cluster-2", clusterConfs(2));
            }
            if (!opt.clusterOnly()) {
                transportAb("local[2]", Map.of("spark.master", "local[2]"));
            }
            out.put("load_at_end", JvmCounters.loadLine());
            writeJson();
            return;
        }
        if (opt.mllibSessions() > 0 || !opt.abConfs().isEmpty()) {
            if (opt.master() == null) {
                throw new IllegalArgumentException("--mllib-sessions and --ab-conf measure on the cluster: run with --cluster");
            }
            if (opt.mllibSessions() > 0) {
                mllibSessions();
            }
            if (!opt.abConfs().isEmpty()) {
                abSessions();
            }
            out.put("load_at_end", JvmCounters.loadLine());
            writeJson();
            return;
        }
        if (opt.drift()) {
            out.put("drift", driftChunks);
            if (!opt.clusterOnly()) {
                drift("local[2]", Map.of("spark.master", "local[2]"));
                writeJson();
            }
            if (opt.master() != null) {
                drift("cluster-2", clusterConfs(2));
            }
            out.put("load_at_end", JvmCounters.loadLine());
            writeJson();
            return;
        }
        if (!opt.clusterOnly()) {
            local();
            writeJson();   // after each phase: a late failure keeps what was measured
        }
        if (opt.master() != null) {
            cluster();
            writeJson();
        }
        if (opt.full()) {
            timeToAccuracy();
            writeJson();
        }
        Map<String, Object> scaling = ScalingModel.fromMeasurements(steps, jobCost).report(System.out);
        out.put("scaling", scaling);
        out.put("load_at_end", JvmCounters.loadLine());
        printSummary();
        writeJson();
        if (opt.json() != null) {
            System.out.println("bench-spark: wrote " + opt.json());
        }
    }

    private void writeJson() throws java.io.IOException {
        if (opt.json() != null) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Files.createDirectories(opt.json().toAbsolutePath().getParent());
            Path tmp = opt.json().resolveSibling(opt.json().getFileName() + ".tmp");
            Files.writeString(tmp, m.writeValueAsString(out) + "\n");
            Files.move(tmp, opt.json(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    // ---- environments ----

    private void local() throws Exception {
        String env = "local[2]";
        open(env, Map.of("spark.master", "local[2]"));
        DistributedData data = trainData(2);
        DistributedData four = trainData(4);
        DistributedData eight = trainData(8);
        List<Config> check = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            check.add(new Config(env, "base", FIT, s, data, 2, 64, 1, false));
        }
        check.add(new Config(env, "steps_per_round 16", FIT, 1, data, 2, 64, 16, false));
        check.add(new Config(env, "steps_per_round 4", HELD_OUT, 1, data, 2, 64, 4, false));
        check.add(new Config(env, "256 rows per task", HELD_OUT, 1, data, 2, 256, 1, false));
        check.add(new Config(env, "depth 3", HELD_OUT, 1, data, 3, 64, 1, false));
        check.add(new Config(env, "4 partitions (2 per core)", HELD_OUT, 1, four, 2, 32, 1, false));
        check.add(new Config(env, "8 partitions, depth 2", FIT, 1, eight, 2, 16, 1, false));   // fits σ
        check.add(new Config(env, "8 partitions, depth 3", HELD_OUT, 1, eight, 3, 16, 1, false));
        rounds(env, check);
        four.shards().unpersist(false);
        eight.shards().unpersist(false);
        versusMllib(env, data);
        jobCost(env);
        close();

        // levers that are Spark confs: a session each, the 1M model
        confLever(env, "spark.locality.wait=0", Map.of("spark.locality.wait", "0"));
        confLever(env, "spark.broadcast.compress=true (Spark's default; treegrad sets false)",
                Map.of("spark.broadcast.compress", "true"));
        confLever(env, "spark.task.maxDirectResultSize=1m (Spark's default; treegrad sets 128m)",
                Map.of("spark.task.maxDirectResultSize", "1m"));
        confLever(env, "Java serializer", Map.of("spark.serializer", "org.apache.spark.serializer.JavaSerializer"));
        confLever(env, "tuned confs", tuned());
        confLever(env, "Kryo per-element float[] (before the bulk serializer)",
                Map.of("spark.kryo.registrator", PerElementArraysRegistrator.class.getName()));
        confLever(env, "spark.kryo.unsafe=true", Map.of("spark.kryo.unsafe", "true"));
    }

    private void cluster() throws Exception {
        String env = "cluster-2";
        open(env, clusterConfs(2));
        DistributedData data = trainData(2);
        DistributedData four = trainData(4);
        List<Config> check = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            check.add(new Config(env, "base", FIT, s, data, 2, 64, 1, false));
        }
        check.add(new Config(env, "steps_per_round 16", FIT, 1, data, 2, 64, 16, false));
        check.add(new Config(env, "depth 3", HELD_OUT, 1, data, 3, 64, 1, false));
        check.add(new Config(env, "4 partitions (2 per executor)", HELD_OUT, 1, four, 2, 32, 1, false));
        DistributedData eight = trainData(8);
        check.add(new Config(env, "8 partitions, depth 2", FIT, 1, eight, 2, 16, 1, false));   // fits σ
        // one executor: one partition in the same session (the other executor idles), in the same rounds
        DistributedData one = trainData(1);
        for (int s = 0; s < 3; s++) {
            check.add(new Config("cluster-1", "base", HELD_OUT, s, one, 2, 128, 1, false));
        }
        rounds(env, check);
        four.shards().unpersist(false);
        eight.shards().unpersist(false);
        one.shards().unpersist(false);
        versusMllib(env, data);
        jobCost(env);
        close();

        Map<String, String> perElement = new LinkedHashMap<>(clusterConfs(2));   // the bulk serializer's "before"
        perElement.put("spark.kryo.registrator", PerElementArraysRegistrator.class.getName());
        open(env, perElement);
        data = trainData(2);
        sessionWarmup(env, data);   // fresh executor JVMs: compare warm with warm
        for (int s = 0; s < 3; s++) {
            treegrad(env, "Kryo per-element float[]", s, data, 2, 64, 1, false);
        }
        versusMllib(env, data);
        close();

        Map<String, String> tuned = new LinkedHashMap<>(clusterConfs(2));
        tuned.putAll(tuned());
        open(env, tuned);
        data = trainData(2);
        sessionWarmup(env, data);
        treegrad(env, "tuned confs", 1, data, 2, 64, 1, false);
        treegrad(env, "tuned confs", 2, data, 2, 64, 1, false);
        treegrad(env, "tuned confs + steps_per_round 16", 1, data, 2, 64, 16, false);
        close();
    }

    /** A session's warm-up before configurations measured once: {@link #settle} on the 1M base step. */
    private void sessionWarmup(String env, DistributedData data) {
        // the driver JVM is warm by now (local levers) or the executors get the whole budget (cluster)
        Map<String, Object> s = settle(new Config(env, "base", LEVER, 1, data, 2, 64, 1, false),
                env.startsWith("local") ? opt.settleSeconds() / 12 : opt.settleSeconds());
        System.out.printf(Locale.ROOT, "   session warm-up: %s steps, %.1f s, stable %s%n", s.get("steps"), (Double) s.get("seconds"),
                s.get("stable"));
    }

    /**
     * Diagnosis of the first configurations' slowness (--drift): in a fresh session, with no warm-up,
     * the 1M step in chunks of 8, then the 10M step, then the 1M step again, each chunk with the
     * JIT, GC, heap and CPU counters of the driver and of each executor.
     */
    private void drift(String env, Map<String, String> confs) throws Exception {
        open(env, confs);
        DistributedData data = trainData(2);
        Config a = new Config(env, "1M", LEVER, 1, data, 2, 64, 1, false);
        Config b = new Config(env, "10M", LEVER, 2, data, 2, 64, 1, false);
        Config[] plan = {a, a, a, a, a, a, a, a, b, b, a, a, a, a};
        int n = 0;
        for (Config c : plan) {
            Map<String, Object> v = c.visit(0, 8);
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("env", env);
            line.put("chunk", n++);
            line.put("config", c.variant);
            line.put("seconds_into_session", (System.nanoTime() - sessionStart) / 1e9);
            line.putAll(v);
            driftChunks.add(line);
            @SuppressWarnings("unchecked")
            Map<String, Object> jv = (Map<String, Object>) v.get("jvms");
            Map<?, ?> split = (Map<?, ?>) v.get("split_ms");
            System.out.printf(Locale.ROOT, "   %-9s %-3s #%2d t=%5.1fs median %6.1f ms | compute %5.1f task_other %5.1f serialize %5.1f"
                            + " schedule %5.1f | JIT ms driver %5.0f execs %5.0f | GC ms driver %4.0f execs %4.0f tasks %4.0f | heap MB"
                            + " driver %4.0f execs %4.0f | others %.2f cores%n", env, c.variant, n - 1,
                    (Double) line.get("seconds_into_session"), (Double) v.get("median_ms"), split.get("compute"),
                    split.get("task_other"), split.get("serialize"), split.get("schedule"), v.get("driver_jit_ms"),
                    v.get("executors_jit_ms"), v.get("driver_gc_ms"), v.get("executors_gc_ms"), v.get("tasks_gc_ms"),
                    JvmCounters.field(jv, "driver", "heap_committed_mb"), JvmCounters.executorsTotal(jv, "heap_committed_mb"),
                    (Double) v.get("others_cores"));
        }
        close();
    }

    /** The confs that helped in local mode, together. */
    private static Map<String, String> tuned() {
        return Map.of("spark.locality.wait", "0", "spark.broadcast.compress", "false",
                "spark.task.maxDirectResultSize", "128m");
    }

    private Map<String, String> clusterConfs(int executors) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("spark.master", opt.master());
        c.put("spark.cores.max", String.valueOf(executors));
        c.put("spark.executor.cores", "1");
        c.put("spark.executor.memory", "2g");
        c.put("spark.executor.memoryOverhead", "1g");
        c.put("spark.task.cpus", "1");
        c.put("spark.jars", opt.jars());
        c.put("spark.executor.extraJavaOptions", opt.executorOpts());
        return c;
    }

    /**
     * A Spark conf is fixed for a session's life, so each conf lever runs in a session of its own,
     * right after a default session measuring the same model (the machine may be shared: the lever's
     * effect is the ratio of the pair, "paired baseline" rows).
     */
    private void confLever(String env, String name, Map<String, String> confs) throws Exception {
        open(env, Map.of("spark.master", "local[2]"));
        DistributedData data = trainData(2);
        sessionWarmup(env, data);
        Map<String, Object> before = treegrad(env, "paired baseline (" + name + ")", 1, data, 2, 64, 1, false);
        close();
        Map<String, String> c = new LinkedHashMap<>(Map.of("spark.master", "local[2]"));
        c.putAll(confs);
        open(env, c);
        data = trainData(2);
        sessionWarmup(env, data);
        Map<String, Object> after = treegrad(env, name, 1, data, 2, 64, 1, false);
        after.put("wall_ratio_to_paired_baseline", (Double) after.get("wall_ms_median") / (Double) before.get("wall_ms_median"));
        if (name.equals("tuned confs")) {
            treegrad(env, name, 2, data, 2, 64, 1, false);
            treegrad(env, name + " + steps_per_round 16", 1, data, 2, 64, 16, false);
        }
        close();
    }

    private void open(String env, Map<String, String> confs) {
        Map<String, String> c = new LinkedHashMap<>(confs);
        // MLlib's classes (breeze vectors in GradientDescent's results) are not in treegrad's registrator;
        // treegrad's own classes are registered, so this changes nothing for them
        c.putIfAbsent("spark.kryo.registrationRequired", "false");
        c.put("spark.ui.showConsoleProgress", "false");
        spark = Sessions.create("treegrad bench-spark " + env, c);
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.setLogLevel("WARN");
        times = TaskTimes.on(spark.sparkContext());
        sessionStart = System.nanoTime();
        System.out.printf(Locale.ROOT, "-- %s (%s): %s%n", env, JvmCounters.loadLine(), confs.entrySet().stream()
                .filter(e -> !e.getKey().equals("spark.jars") && !e.getKey().equals("spark.executor.extraJavaOptions"))
                .map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    private void close() {
        gangHolder = null;
        for (DistributedTrainer t : trainers) {
            t.close();   // ends a gang's tasks and its server socket
        }
        trainers.clear();
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    private DistributedData trainData(int partitions) {
        return scaled(DataSource.idx("data/fashion-mnist/train-images-idx3-ubyte.gz",
                "data/fashion-mnist/train-labels-idx1-ubyte.gz", 10), partitions);
    }

    private DistributedData scaled(DataSource source, int partitions) {
        DistributedData d = DistributedData.load(jsc, absolute(source), partitions);
        return d.scaled(d.fitScaler("DIVIDE", 255));
    }

    /** Executors (other JVMs, other working folders) need absolute paths. */
    private static DataSource absolute(DataSource s) {
        return new DataSource(s.format(), Path.of(s.path()).toAbsolutePath().toString(),
                Path.of(s.labels()).toAbsolutePath().toString(), s.labelColumn(), s.header(), s.delimiter(),
                s.skipLines(), s.numFeatures(), s.numClasses(), s.regression(), s.policy(), s.featuresColumn());
    }

    // ---- treegrad steps ----

    static ModelSpec model(int size) {
        return ModelSpec.mlp(784, HIDDEN[size], 10, "relu");
    }

    static long params(int size) {
        long n = 0;
        int in = 784;
        for (int h : HIDDEN[size]) {
            n += (long) in * h + h;
            in = h;
        }
        return n + in * 10L + 10;
    }

    private static List<Map<String, Object>> modelTable() {
        List<Map<String, Object>> m = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            m.add(Map.of("name", SIZE[s], "layers", "784-" + Arrays.stream(HIDDEN[s]).mapToObj(String::valueOf)
                    .reduce((a, b) -> a + "-" + b).orElse("") + "-10", "params", params(s)));
        }
        return m;
    }

    /**
     * One measured configuration: its trainer, parameters and optimizer live across the visits that
     * measure it (the rounds of {@link #rounds}), and every measured step is kept with Spark's job for it.
     */
    private final class Config {
        final String env;
        final String variant;
        final String role;
        final int size;
        final DistributedData data;
        final int depth;
        final int rowsPerTask;
        final int stepsPerRound;
        final boolean sgd;
        final DistributedTrainer trainer;
        final INDArray params;
        final Optimizer optimizer;
        final String tag = "tg" + (groupSeq++);
        long step;
        final List<StepSplit> measured = new ArrayList<>();
        final List<List<TaskTimes.Job>> chunks = new ArrayList<>();
        final List<Map<String, Object>> visits = new ArrayList<>();
        double taskGcMs;
        /** The row {@link #row()} made last. */
        Map<String, Object> lastRow;

        Config(String env, String variant, String role, int size, DistributedData data, int depth, int rowsPerTask,
               int stepsPerRound, boolean sgd) {
            this.env = env;
            this.variant = variant;
            this.role = role;
            this.size = size;
            this.data = data;
            this.depth = depth;
            this.rowsPerTask = rowsPerTask;
            this.stepsPerRound = stepsPerRound;
            this.sgd = sgd;
            TrainSpec spec = new TrainSpec(model(size), "cross_entropy", null, 0, false, SEED,
                    rowsPerTask * data.partitions(), stepsPerRound);
            trainer = new DistributedTrainer(jsc, data, spec, depth);
            trainers.add(trainer);
            trainer.transport(transport());
            params = Model.build(model(size), DataType.FLOAT, SEED).parameters().values();
            optimizer = sgd ? new Sgd(0.01) : new Adam(1e-3);
        }

        /** One step outside any job group, not recorded: its wall (ms). */
        double unrecordedStep() {
            claim();
            long t0 = System.nanoTime();
            trainer.step(step++, params, optimizer);
            return (System.nanoTime() - t0) / 1e6;
        }

        /**
         * A visit: {@code discard} steps, then {@code n} measured steps, each in a job group of its own;
         * the JVMs' and the machine's counters around it go with the visit's median into {@link #visits}.
         */
        /**
         * Before this configuration steps: another's gang tasks are ended (they hold the slots this
         * one's tasks need), and this one's, if it has a gang, are the ones that may run.
         */
        void claim() {
            if (gangHolder != this) {
                quiesce();
            }
            if (gang()) {
                gangHolder = this;
            }
        }

        boolean gang() {
            return trainer.transport() == DistributedTrainer.Transport.GANG;
        }

        Map<String, Object> visit(int discard, int n) throws InterruptedException {
            JvmCounters before = counters(data.shards());
            for (int i = 0; i < discard; i++) {
                unrecordedStep();
            }
            List<String> groups = new ArrayList<>();
            List<Double> walls = new ArrayList<>();
            List<DistributedTrainer.StepTiming> timings = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String group = tag + "-" + step;
                claim();
                jsc.setJobGroup(group, "bench step", false);
                long t0 = System.nanoTime();
                DistributedTrainer.StepResult r = trainer.step(step++, params, optimizer);
                walls.add((System.nanoTime() - t0) / 1e6);
                jsc.clearJobGroup();
                groups.add(group);
                timings.add(r.timing());
            }
            List<TaskTimes.Job> jobs = new ArrayList<>();
            List<StepSplit> splits = new ArrayList<>();
            double gc = 0;
            for (int i = 0; i < groups.size() && gang(); i++) {   // no Spark job per step: the trainer's own split
                splits.add(StepSplit.ofGang(walls.get(i), timings.get(i), 4L * params.length()));
            }
            for (int i = 0; i < groups.size() && !gang(); i++) {
                List<TaskTimes.Job> js = times.jobs(groups.get(i), 1);
                if (js.size() != 1) {
                    throw new IllegalStateException(groups.get(i) + ": expected one Spark job per step, got " + js.size());
                }
                jobs.add(js.get(0));
                splits.add(StepSplit.of(walls.get(i), timings.get(i), js.get(0)));
                gc += js.get(0).tasks().stream().mapToLong(TaskTimes.Task::gcMs).sum();
            }
            times.clear();
            measured.addAll(splits);
            chunks.add(jobs);
            taskGcMs += gc;
            Map<String, Object> since = counters(data.shards()).since(before);
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("median_ms", StepSplit.median(walls.stream().mapToDouble(Double::doubleValue).toArray()));
            v.put("steps", n);
            v.put("split_ms", StepSplit.summary(splits).get("mean_ms"));
            v.put("driver_jit_ms", JvmCounters.field(since, "driver", "jit_ms"));
            v.put("driver_gc_ms", JvmCounters.field(since, "driver", "gc_ms"));
            v.put("executors_jit_ms", JvmCounters.executorsTotal(since, "jit_ms"));
            v.put("executors_gc_ms", JvmCounters.executorsTotal(since, "gc_ms"));
            v.put("tasks_gc_ms", gc);
            v.put("others_cores", since.get("others_cores"));
            v.put("load1", since.get("load1"));
            v.put("jvms", since);
            visits.add(v);
            return v;
        }

        /** The configuration's row: the split over every measured step, and each visit's median and counters. */
        Map<String, Object> row() {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("env", env);
            row.put("variant", variant);
            row.put("role", role);
            row.put("model", SIZE[size]);
            row.put("params", params(size));
            row.put("partitions", data.partitions());
            row.put("depth", depth);
            row.put("rows_per_task", rowsPerTask);
            row.put("steps_per_round", stepsPerRound);
            row.put("optimizer", sgd ? "sgd" : "adam");
            row.putAll(StepSplit.summary(measured));
            row.put("interval", gang() ? gangIntervals(measured) : intervals(chunks));
            double[] medians = visits.stream().mapToDouble(v -> (Double) v.get("median_ms")).toArray();
            row.put("visit_medians_ms", medians);
            if (medians.length > 1) {
                double lo = Arrays.stream(medians).min().orElseThrow();
                double hi = Arrays.stream(medians).max().orElseThrow();
                // the spread of the visits' medians, and the drift: last visit against the first (A ... A)
                row.put("visit_spread", (hi - lo) / StepSplit.median(medians));
                row.put("drift_last_vs_first", medians[medians.length - 1] / medians[0] - 1);
            }
            row.put("tasks_gc_ms_per_step", taskGcMs / measured.size());
            row.put("visits", visits);
            if (!sgd) {
                steps.add(row);
            }
            System.out.println(StepSplit.line(row) + visitsNote(row));
            lastRow = row;
            return row;
        }
    }

    private static String visitsNote(Map<String, Object> row) {
        double[] m = (double[]) row.get("visit_medians_ms");
        if (m.length < 2) {
            return "";
        }
        StringBuilder b = new StringBuilder("  [" + row.get("role") + "; visits");
        for (double x : m) {
            b.append(String.format(Locale.ROOT, " %.0f", x));
        }
        return b.append(String.format(Locale.ROOT, "; spread %.0f%%, last/first %+.0f%%]", 100 * (Double) row.get("visit_spread"),
                100 * (Double) row.get("drift_last_vs_first"))).toString();
    }

    /** One configuration measured once: warm-up steps, then measured steps (the conf levers, the MLlib pairs). */
    private Map<String, Object> treegrad(String env, String variant, int size, DistributedData data, int depth,
                                         int rowsPerTask, int stepsPerRound, boolean sgd) throws Exception {
        Config c = new Config(env, variant, LEVER, size, data, depth, rowsPerTask, stepsPerRound, sgd);
        c.visit(opt.warmup(), opt.measured());
        return c.row();
    }

    /** Roles in the scaling model's check, fixed in the code before anything is measured (docs/scaling.md). */
    static final String FIT = ScalingModel.FIT;
    static final String HELD_OUT = ScalingModel.HELD_OUT;
    static final String LEVER = ScalingModel.LEVER;

    /**
     * Session warm-up, then the configurations in rounds. The session's JVMs are first brought to a
     * steady state: the 1M base step, repeated until the median of the last {@link Options#SETTLE_WINDOW}
     * walls is within 5% of the median of the window before (or the cap), then one throw-away visit of
     * every configuration (each model size's buffers, every code path, the heap grown to the biggest
     * model). Then {@link Options#rounds()} rounds visit every configuration, forward and backward in
     * turn (A B C, C B A, ...): a drift that is linear in time adds the same to every configuration's
     * mean, and each row reports its visits' spread and its last visit against its first.
     */
    private Map<String, Object> rounds(String env, List<Config> configs) throws Exception {
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("env", env);
        block.put("load_at_start", JvmCounters.loadLine());
        long t0 = System.nanoTime();
        JvmCounters start = counters(configs.get(0).data.shards());
        Config settler = configs.stream().filter(c -> c.size == 1 && c.variant.equals("base")).findFirst()
                .orElse(configs.get(0));
        block.put("settle", settle(settler, opt.settleSeconds()));
        for (Config c : configs) {
            for (int i = 0; i < opt.warmupVisitSteps(); i++) {
                c.unrecordedStep();
            }
        }
        times.clear();
        block.put("warmup_seconds", (System.nanoTime() - t0) / 1e9);
        block.put("warmup_jvms", counters(configs.get(0).data.shards()).since(start));
        List<String> order = new ArrayList<>();
        for (int r = 0; r < opt.rounds(); r++) {
            List<Config> round = new ArrayList<>(configs);
            if (r % 2 == 1) {
                java.util.Collections.reverse(round);
            }
            for (Config c : round) {
                c.visit(1, opt.stepsPerVisit());   // the first step after a switch of configuration is not measured
                order.add(c.variant + " " + SIZE[c.size]);
            }
            System.out.printf(Locale.ROOT, "   round %d/%d done (%s)%n", r + 1, opt.rounds(), JvmCounters.loadLine());
        }
        block.put("order", order);
        block.put("seconds", (System.nanoTime() - t0) / 1e9);
        block.put("load_at_end", JvmCounters.loadLine());
        for (Config c : configs) {
            c.row();
        }
        blocks.add(block);
        System.out.printf(Locale.ROOT, "   %s rounds: %.0f s in all (warm-up %.0f s: settle %d steps, %s)%n", env,
                (Double) block.get("seconds"), (Double) block.get("warmup_seconds"),
                ((Map<?, ?>) block.get("settle")).get("steps"), block.get("load_at_end"));
        return block;
    }

    /**
     * Repeats one configuration's step until the session's JVMs are warm: the median wall of the last
     * window of steps within 5% of the window before, and the JIT compilers of the driver and the
     * executors together busy less than {@link #JIT_QUIET} of a core over the last window (JIT is what
     * keeps a fresh JVM slow for its first minute on 2 cores: docs/scaling.md), or the cap.
     */
    private Map<String, Object> settle(Config c, double capSeconds) {
        int w = Options.SETTLE_WINDOW;
        List<Double> walls = new ArrayList<>();
        List<Double> jitRates = new ArrayList<>();
        long t0 = System.nanoTime();
        boolean stable = false;
        JvmCounters mark = counters(c.data.shards());
        while (walls.size() < opt.settleCap() && (System.nanoTime() - t0) / 1e9 < capSeconds) {
            walls.add(c.unrecordedStep());
            int n = walls.size();
            if (n % w == 0) {
                JvmCounters now = counters(c.data.shards());
                Map<String, Object> since = now.since(mark);
                mark = now;
                double jit = JvmCounters.field(since, "driver", "jit_ms") + JvmCounters.executorsTotal(since, "jit_ms");
                jitRates.add(jit / (Double) since.get("wall_ms"));
                if (n >= 2 * w + opt.settleMin()) {
                    double last = median(walls.subList(n - w, n));
                    double prev = median(walls.subList(n - 2 * w, n - w));
                    if (Math.abs(last / prev - 1) <= 0.05 && jitRates.get(jitRates.size() - 1) < JIT_QUIET) {
                        stable = true;
                        break;
                    }
                }
            }
        }
        times.clear();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("config", c.variant + " " + SIZE[c.size]);
        s.put("steps", walls.size());
        s.put("seconds", (System.nanoTime() - t0) / 1e9);
        s.put("stable", stable);
        s.put("walls_ms", walls);
        s.put("jit_cores_per_window", jitRates);
        return s;
    }

    /** JIT compile time per wall time (cores) under which a session counts as warm. */
    static final double JIT_QUIET = 0.2;

    private static double median(List<Double> xs) {
        return StepSplit.median(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * Step = gap between consecutive step jobs' ends (within a visit); overhead = step − slowest task's
     * run time (medians).
     */
    private static Map<String, Object> intervals(List<List<TaskTimes.Job>> chunks) {
        List<double[]> rows = new ArrayList<>();
        for (List<TaskTimes.Job> jobs : chunks) {
            for (int i = 1; i < jobs.size(); i++) {
                double step = jobs.get(i).endMs() - jobs.get(i - 1).endMs();
                double run = jobs.get(i).slowestRunMs();
                rows.add(new double[] {step, run, step - run});
            }
        }
        return Map.of("step_ms", StepSplit.median(rows.stream().mapToDouble(r -> r[0]).toArray()),
                "slowest_run_ms", StepSplit.median(rows.stream().mapToDouble(r -> r[1]).toArray()),
                "overhead_ms", StepSplit.median(rows.stream().mapToDouble(r -> r[2]).toArray()));
    }

    /**
     * The gang transport's step interval: its steps run back to back with no Spark job each, so the
     * interval is the wall and the run is the slowest task's compute (medians).
     */
    private static Map<String, Object> gangIntervals(List<StepSplit> steps) {
        return Map.of("step_ms", StepSplit.median(steps.stream().mapToDouble(StepSplit::wallMs).toArray()),
                "slowest_run_ms", StepSplit.median(steps.stream().mapToDouble(StepSplit::computeMs).toArray()),
                "overhead_ms", StepSplit.median(steps.stream().mapToDouble(x -> x.wallMs() - x.computeMs()).toArray()));
    }

    /**
     * The measured steps' transport: --transport, else broadcast (not the trainer's default, which is
     * the gang in local mode: the benchmark's tables stay comparable across runs and environments).
     */
    private DistributedTrainer.Transport transport() {
        return opt.transport() != null ? DistributedTrainer.Transport.valueOf(opt.transport())
                : DistributedTrainer.Transport.BROADCAST;
    }

    /** Ends the running gang's tasks, if any, so that other Spark jobs get task slots. */
    private void quiesce() {
        if (gangHolder != null) {
            gangHolder.trainer.pause();
            gangHolder = null;
        }
    }

    /** {@link JvmCounters#snapshot} (a Spark job) after ending any gang's tasks. */
    private JvmCounters counters(JavaRDD<?> shards) {
        quiesce();
        return JvmCounters.snapshot(shards);
    }

    // ---- MLlib GradientDescent ----

    private void versusMllib(String env, DistributedData data) throws Exception {
        for (int s = 0; s < 3; s++) {
            mllibPair(env, data, s, true);
        }
    }

    /**
     * One MLlib-overhead pair for model {@code s}: treegrad's SGD step ({@link Options#warmup()} +
     * {@link Options#measured()} steps) and MLlib's {@code runMiniBatchSGD} (as many iterations, the
     * same warm-up dropped), treegrad first or MLlib first; the row goes into {@link #mllib}.
     */
    private Map<String, Object> mllibPair(String env, DistributedData data, int s, boolean treegradFirst)
            throws Exception {
        Map<String, Object> ours = treegradFirst ? treegrad(env, "sgd (for MLlib)", s, data, 2, 64, 1, true) : null;
        Map<String, Object> theirs = mllibRun(data, s);
        if (!treegradFirst) {
            ours = treegrad(env, "sgd (for MLlib)", s, data, 2, 64, 1, true);
        }
        int dim = (int) params(s);
        int globalBatch = 64 * data.partitions();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("env", env);
        row.put("model", SIZE[s]);
        row.put("params", (long) dim);
        row.put("global_batch", globalBatch);
        row.put("first", treegradFirst ? "treegrad" : "mllib");
        row.putAll(theirs);
        @SuppressWarnings("unchecked")
        Map<String, Object> ourInterval = (Map<String, Object>) ours.get("interval");
        row.put("treegrad_sgd", ourInterval);
        row.put("treegrad_sgd_split", Map.of("wall_ms_median", ours.get("wall_ms_median"),
                "compute_ms", ((Map<?, ?>) ours.get("mean_ms")).get("compute"), "mean_ms", ours.get("mean_ms")));
        Map<?, ?> m = (Map<?, ?>) theirs.get("mllib");
        double ratio = (Double) ourInterval.get("overhead_ms") / (Double) m.get("overhead_ms");
        row.put("overhead_ratio", ratio);
        mllib.add(row);
        System.out.printf(Locale.ROOT, "   MLlib GD %-4s step %.1f ms, run %.1f ms, overhead %.1f ms | treegrad sgd"
                        + " overhead %.1f ms: ratio %.2f (%s first)%n", SIZE[s], m.get("step_ms"), m.get("slowest_run_ms"),
                m.get("overhead_ms"), ourInterval.get("overhead_ms"), ratio, row.get("first"));
        return row;
    }

    /** MLlib GradientDescent's run for model {@code s} on {@code data}'s rows: its step and overhead. */
    private Map<String, Object> mllibRun(DistributedData data, int s) throws Exception {
        quiesce();
        int dim = (int) params(s);
        JavaRDD<Tuple2<Object, org.apache.spark.mllib.linalg.Vector>> rows = MllibRows.sparse(data, dim);
        long n = rows.count();
        int globalBatch = 64 * data.partitions();
        double fraction = globalBatch / (double) n;
        String group = "mllib" + (groupSeq++);
        int iterations = opt.warmup() + opt.measured() + 1;
        jsc.setJobGroup(group, "bench mllib", false);
        long t0 = System.nanoTime();
        GradientDescent.runMiniBatchSGD(rows.rdd(), new LogisticGradient(), new SimpleUpdater(), 0.1, iterations,
                0.0, fraction, org.apache.spark.mllib.linalg.Vectors.zeros(dim), 0.0);
        double seconds = (System.nanoTime() - t0) / 1e9;
        jsc.clearJobGroup();
        List<TaskTimes.Job> jobs = times.jobs(group, iterations + 1);
        times.clear();
        rows.unpersist(false);
        // the first job is GradientDescent's count(); then one job per iteration
        List<TaskTimes.Job> iters = jobs.subList(1 + opt.warmup(), jobs.size());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mini_batch_fraction", fraction);
        r.put("mllib_jobs", jobs.size());
        r.put("mllib_seconds", seconds);
        r.put("mllib", intervals(List.of(iters)));
        return r;
    }

    /**
     * {@code --spr-sweep N,N,...}: in one session, the 1M Adam step (64 rows per task per minibatch,
     * 2 partitions) at each number of minibatches per step ({@code steps_per_round}), interleaved in
     * the model check's rounds; prints each one's compute share and its non-compute time (the
     * interquartile means), and the smallest value that reaches the 85% target.
     */
    private void sprSweep(String env, Map<String, String> confs) throws Exception {
        open(env, confs);
        DistributedData data = trainData(2);
        List<Config> check = new ArrayList<>();
        for (int k : opt.sprSweep()) {
            check.add(new Config(env, "steps_per_round " + k, LEVER, 1, data, 2, 64, k, false));
        }
        rounds(env, check);
        System.out.println("== " + env + ": compute share of the 1M Adam step against minibatches per step (target >= 85%) ==");
        System.out.println("steps_per_round  wall ms (median)  compute ms  non-compute ms  compute share");
        List<Map<String, Object>> sweep = new ArrayList<>();
        Integer first = null;
        for (Config c : check) {
            Map<String, Object> row = c.lastRow;
            Map<?, ?> mean = (Map<?, ?>) row.get("mean_ms");
            double share = (Double) row.get("compute_share");
            double compute = ((Number) mean.get("compute")).doubleValue();
            double wallMean = (Double) row.get("wall_ms_mean");
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("steps_per_round", c.stepsPerRound);
            r.put("wall_ms_median", row.get("wall_ms_median"));
            r.put("compute_ms_mean", compute);
            r.put("non_compute_ms_mean", wallMean - compute);
            r.put("compute_share", share);
            r.put("visit_medians_ms", row.get("visit_medians_ms"));
            sweep.add(r);
            if (first == null && share >= 0.85) {
                first = c.stepsPerRound;
            }
            System.out.printf(Locale.ROOT, "%15d  %16.1f  %10.1f  %14.1f  %12.1f%%%n", c.stepsPerRound,
                    (Double) row.get("wall_ms_median"), compute, wallMean - compute, 100 * share);
        }
        System.out.println(first == null ? "   no value reached 85%" : "   85% first reached at steps_per_round " + first);
        @SuppressWarnings("unchecked")
        Map<String, Object> all = (Map<String, Object>) out.computeIfAbsent("spr_sweep", k -> new LinkedHashMap<>());
        all.put(env, sweep);
        close();
    }

    /**
     * {@code --transport-ab}: in one session, the 1M step with each {@link DistributedTrainer.Transport}
     * (parameters broadcast: the default; inside the tasks; the gang's long-lived tasks), interleaved in
     * the model check's rounds (A B C ..., ... C B A): Adam at 1 and at 16 minibatches per step, and SGD
     * at 1, then MLlib GradientDescent once for the overhead ratio of each. Prints, per row and
     * transport, the ratio of the visit medians to the broadcast's, the compute share and the overhead.
     */
    private void transportAb(String env, Map<String, String> confs) throws Exception {
        open(env, confs);
        DistributedData data = trainData(2);
        String[][] rows = {{"base", "1"}, {"steps_per_round 16", "16"}, {"sgd", "1"}};
        DistributedTrainer.Transport[] ts = DistributedTrainer.Transport.values();
        List<Config> check = new ArrayList<>();
        for (String[] r : rows) {
            for (DistributedTrainer.Transport t : ts) {
                boolean isBase = r[0].equals("base") && t == DistributedTrainer.Transport.BROADCAST;
                Config c = new Config(env, isBase ? "base" : r[0] + ", " + t.name().toLowerCase(Locale.ROOT), LEVER, 1,
                        data, 2, 64, Integer.parseInt(r[1]), r[0].equals("sgd"));
                c.trainer.transport(t);
                check.add(c);
            }
        }
        rounds(env, check);
        Map<String, Object> ab = new LinkedHashMap<>();
        System.out.println("== " + env + ": step transports (1M); wall ratios are to the broadcast's visit medians ==");
        for (int i = 0; i < check.size(); i += ts.length) {
            Config bc = check.get(i);   // BROADCAST comes first in Transport.values()
            Map<String, Object> row = new LinkedHashMap<>();
            for (int j = 0; j < ts.length; j++) {
                Config c = check.get(i + j);
                List<Double> ratios = new ArrayList<>();
                for (int v = 0; v < c.visits.size(); v++) {
                    ratios.add((Double) c.visits.get(v).get("median_ms") / (Double) bc.visits.get(v).get("median_ms"));
                }
                Map<String, Object> r = c.lastRow;
                double ovh = (Double) ((Map<?, ?>) r.get("interval")).get("overhead_ms");
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("visit_wall_ratios_to_broadcast", ratios);
                one.put("median_visit_ratio", median(ratios));
                one.put("wall_ms_median", r.get("wall_ms_median"));
                one.put("compute_share", r.get("compute_share"));
                one.put("split_mean_ms", r.get("mean_ms"));
                one.put("overhead_ms", ovh);
                row.put(ts[j].name().toLowerCase(Locale.ROOT), one);
                System.out.printf(Locale.ROOT, "   %-20s %-9s wall %6.1f ms, ratio %.3f (visits %s), compute share %5.1f%%,"
                                + " overhead %.1f ms%n", rows[i / ts.length][0], ts[j].name().toLowerCase(Locale.ROOT),
                        (Double) r.get("wall_ms_median"), median(ratios),
                        ratios.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).toList(),
                        100 * (Double) r.get("compute_share"), ovh);
            }
            ab.put(rows[i / ts.length][0], row);
        }
        Map<String, Object> theirs = mllibRun(data, 1);
        double mllibOvh = (Double) ((Map<?, ?>) theirs.get("mllib")).get("overhead_ms");
        Map<?, ?> sgd = (Map<?, ?>) ab.get("sgd");
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "   MLlib GD 1M overhead %.1f ms; treegrad sgd"
                + " overhead ratio:", mllibOvh));
        for (DistributedTrainer.Transport t : ts) {
            String k = t.name().toLowerCase(Locale.ROOT);
            double ratio = (Double) ((Map<?, ?>) sgd.get(k)).get("overhead_ms") / mllibOvh;
            theirs.put("ratio_" + k, ratio);
            line.append(String.format(Locale.ROOT, " %s %.2f", k, ratio));
        }
        ab.put("mllib_1M", theirs);
        System.out.println(line);
        @SuppressWarnings("unchecked")
        Map<String, Object> all = (Map<String, Object>) out.computeIfAbsent("transport_ab", k -> new LinkedHashMap<>());
        all.put(env, ab);
        close();
    }

    /**
     * {@code --mllib-sessions N}: the cluster's MLlib-overhead pair for each {@code --mllib-models}
     * model in N fresh cluster-2 sessions, each warmed up, MLlib first in the even sessions and
     * treegrad first in the odd ones; each session's ratio, then the median and range over sessions.
     */
    private void mllibSessions() throws Exception {
        String env = "cluster-2";
        Map<Integer, List<Double>> ratios = new LinkedHashMap<>();
        List<Map<String, Object>> sessions = new ArrayList<>();
        out.put("mllib_sessions", sessions);
        for (int i = 0; i < opt.mllibSessions(); i++) {
            long t0 = System.nanoTime();
            open(env, clusterConfs(2));
            DistributedData data = trainData(2);
            sessionWarmup(env, data);
            boolean treegradFirst = i % 2 == 1;
            Map<String, Object> session = new LinkedHashMap<>();
            session.put("session", i);
            session.put("first", treegradFirst ? "treegrad" : "mllib");
            session.put("load_at_start", JvmCounters.loadLine());
            List<Map<String, Object>> pairs = new ArrayList<>();
            for (int s : opt.mllibModels()) {
                Map<String, Object> row = mllibPair(env, data, s, treegradFirst);
                pairs.add(row);
                ratios.computeIfAbsent(s, k -> new ArrayList<>()).add((Double) row.get("overhead_ratio"));
            }
            close();
            session.put("pairs", pairs);
            session.put("seconds", (System.nanoTime() - t0) / 1e9);
            sessions.add(session);
            writeJson();
            System.out.printf(Locale.ROOT, "   session %d/%d (%s first): %.0f s%n", i + 1, opt.mllibSessions(),
                    session.get("first"), (Double) session.get("seconds"));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        System.out.println();
        System.out.println("== MLlib-overhead ratio on cluster-2 over " + opt.mllibSessions()
                + " sessions (treegrad sgd overhead / MLlib GD overhead; target <= 0.5) ==");
        ratios.forEach((s, rs) -> {
            double[] a = rs.stream().mapToDouble(Double::doubleValue).toArray();
            double lo = Arrays.stream(a).min().orElseThrow();
            double hi = Arrays.stream(a).max().orElseThrow();
            summary.put(SIZE[s], Map.of("ratios", rs, "median", StepSplit.median(a), "min", lo, "max", hi));
            System.out.printf(Locale.ROOT, "%-5s sessions %s -> median %.2f, range %.2f-%.2f%n", SIZE[s],
                    rs.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList(), StepSplit.median(a), lo, hi);
        });
        out.put("mllib_sessions_summary", summary);
    }

    /**
     * {@code --ab-conf KEY=VALUE ... [--ab-sessions N]}: Spark confs fixed for a session's life,
     * measured against the defaults in N fresh cluster-2 sessions in the order A B B A A B ... (each
     * session warmed up; A = treegrad's defaults, B = with the confs): the 1M Adam step at one
     * minibatch and at 16 minibatches per step (15 + 20 steps each). Each B is paired with the A next
     * to it; the ratios of the pairs' median walls and the per-part means of both arms are printed.
     */
    private void abSessions() throws Exception {
        String env = "cluster-2";
        String[] rows = {"base", "steps_per_round 16"};
        List<Map<String, Object>> sessions = new ArrayList<>();
        out.put("ab_sessions", sessions);
        out.put("ab_confs", opt.abConfs());
        for (int i = 0; i < opt.abSessions(); i++) {
            boolean b = (i % 4 == 1) || (i % 4 == 2);
            Map<String, String> confs = new LinkedHashMap<>(clusterConfs(2));
            if (b) {
                confs.putAll(opt.abConfs());
            }
            long t0 = System.nanoTime();
            open(env, confs);
            DistributedData data = trainData(2);
            sessionWarmup(env, data);
            Map<String, Object> session = new LinkedHashMap<>();
            session.put("session", i);
            session.put("arm", b ? "B" : "A");
            session.put("load_at_start", JvmCounters.loadLine());
            String label = b ? "B " + opt.abConfs() : "A defaults";
            session.put(rows[0], treegrad(env, label, 1, data, 2, 64, 1, false));
            session.put(rows[1], treegrad(env, label + " + steps_per_round 16", 1, data, 2, 64, 16, false));
            close();
            session.put("seconds", (System.nanoTime() - t0) / 1e9);
            sessions.add(session);
            writeJson();
        }
        System.out.println();
        System.out.println("== A/B sessions: B = " + opt.abConfs() + " against treegrad's defaults (wall ratio B/A per pair) ==");
        Map<String, Object> summary = new LinkedHashMap<>();
        for (String row : rows) {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i + 1 < sessions.size(); i += 2) {
                Map<?, ?> x = (Map<?, ?>) sessions.get(i).get(row);
                Map<?, ?> y = (Map<?, ?>) sessions.get(i + 1).get(row);
                boolean xIsB = "B".equals(sessions.get(i).get("arm"));
                double bWall = (Double) (xIsB ? x : y).get("wall_ms_median");
                double aWall = (Double) (xIsB ? y : x).get("wall_ms_median");
                ratios.add(bWall / aWall);
            }
            summary.put(row, Map.of("pair_wall_ratios_b_over_a", ratios));
            System.out.printf(Locale.ROOT, "%-20s pair ratios %s%n", row,
                    ratios.stream().map(r -> String.format(Locale.ROOT, "%.3f", r)).toList());
        }
        out.put("ab_summary", summary);
    }

    // ---- job cost vs number of tasks ----

    private void jobCost(String env) throws InterruptedException {
        for (int tasks : new int[] {2, 8, 32}) {
            JavaRDD<Integer> rdd = jsc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks);
            rdd.persist(StorageLevel.MEMORY_ONLY());
            rdd.count();
            int reps = opt.quick() ? 10 : 30;
            double[] ms = new double[reps];
            double[] driverMs = new double[reps];
            for (int i = 0; i < reps + 3; i++) {
                String group = "jobcost" + (groupSeq++);
                jsc.setJobGroup(group, "bench job cost", false);
                long t0 = System.nanoTime();
                rdd.count();
                double wall = (System.nanoTime() - t0) / 1e6;
                jsc.clearJobGroup();
                if (i >= 3) {
                    // the executors' share: their busy time spread over the 2 slots; the rest is the driver's
                    TaskTimes.Job job = times.jobs(group, 1).get(0);
                    double busy = job.tasks().stream().mapToDouble(t -> t.deserializeMs() + t.runMs()
                            + t.resultSerializeMs()).sum();
                    ms[i - 3] = wall;
                    driverMs[i - 3] = wall - busy / 2;
                }
            }
            times.clear();
            rdd.unpersist(false);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("env", env);
            row.put("tasks", tasks);
            row.put("job_ms_median", StepSplit.median(ms));
            row.put("driver_ms_median", StepSplit.median(driverMs));
            jobCost.add(row);
            System.out.printf(Locale.ROOT, "   empty job, %2d tasks: %.1f ms (%.1f ms not on the executors' 2 slots)%n", tasks,
                    StepSplit.median(ms), StepSplit.median(driverMs));
        }
    }

    // ---- time to accuracy ----

    private void timeToAccuracy() throws Exception {
        Map<String, Object> tta = new LinkedHashMap<>();
        String env = "local[2]";
        open(env, Map.of("spark.master", "local[2]"));
        DistributedData train = trainData(2);
        DistributedData test = scaled(DataSource.idx("data/fashion-mnist/t10k-images-idx3-ubyte.gz",
                "data/fashion-mnist/t10k-labels-idx1-ubyte.gz", 10), 2);
        tta.put("target_accuracy", TARGET_ACCURACY);
        if (!opt.mlpcOnly()) {
            tta.put("treegrad", treegradToAccuracy(train, test));
        }
        if (!opt.skipMlpc()) {
            tta.put("mlpc", mlpc(train, test));
        }
        close();
        out.put("time_to_accuracy", tta);
    }

    /** The README's Fashion-MNIST MLP on local[2], evaluated after every epoch; the clock excludes evaluation. */
    private Map<String, Object> treegradToAccuracy(DistributedData train, DistributedData test) {
        ModelSpec spec = ModelSpec.mlp(784, new int[] {256, 128}, 10, "relu");
        TrainSpec ts = new TrainSpec(spec, "cross_entropy", null, 0, false, SEED, 128, 1);
        DistributedTrainer trainer = new DistributedTrainer(jsc, train, ts, 2);
        trainers.add(trainer);
        trainer.transport(transport());
        Model m = Model.build(spec, DataType.FLOAT, SEED);
        INDArray params = m.parameters().values();
        Optimizer adam = new Adam(1e-3);
        long perEpoch = trainer.stepsPerEpoch();
        double trainSeconds = 0;
        List<Map<String, Object>> curve = new ArrayList<>();
        Double reachedAt = null;
        int maxEpochs = 15;
        for (int epoch = 1; epoch <= maxEpochs && reachedAt == null; epoch++) {
            long t0 = System.nanoTime();
            for (long s = (epoch - 1) * perEpoch; s < epoch * perEpoch; s++) {
                trainer.step(s, params, adam);
            }
            trainSeconds += (System.nanoTime() - t0) / 1e9;
            Evaluation e = trainer.evaluate(test, params, 1024);
            curve.add(Map.of("epoch", epoch, "train_seconds", trainSeconds, "test_accuracy", e.accuracy()));
            System.out.printf(Locale.ROOT, "   treegrad epoch %d: %.1f s of training, test accuracy %.4f%n", epoch,
                    trainSeconds, e.accuracy());
            if (e.accuracy() >= TARGET_ACCURACY) {
                reachedAt = trainSeconds;
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", "784-256-128-10 relu, adam lr 1e-3, global batch 2 x 64, seed 7");
        r.put("seconds_to_target", reachedAt);
        r.put("curve", curve);
        return r;
    }

    /** MLPC fits at each --mlpc-iters; its data cached and materialised before the clock starts. */
    private Map<String, Object> mlpc(DistributedData train, DistributedData test) {
        StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
        Dataset<Row> trainDf = spark.createDataFrame(MllibRows.dense(train), schema).persist(StorageLevel.MEMORY_ONLY());
        Dataset<Row> testDf = spark.createDataFrame(MllibRows.dense(test), schema).persist(StorageLevel.MEMORY_ONLY());
        trainDf.count();
        testDf.count();
        List<Map<String, Object>> fits = new ArrayList<>();
        Double firstReached = null;
        for (int maxIter : opt.mlpcIters()) {
            MultilayerPerceptronClassifier c = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 256, 128, 10})
                    .setSolver("l-bfgs").setMaxIter(maxIter).setSeed(SEED);
            long t0 = System.nanoTime();
            MultilayerPerceptronClassificationModel model = c.fit(trainDf);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Dataset<Row> pred = model.transform(testDf);
            long correct = pred.filter("prediction = label").count();
            double accuracy = correct / (double) testDf.count();
            int iterations = model.summary().totalIterations();
            fits.add(Map.of("max_iter", maxIter, "fit_seconds", seconds, "iterations", iterations,
                    "test_accuracy", accuracy));
            System.out.printf(Locale.ROOT, "   MLPC maxIter %d: fit %.1f s (%d iterations), test accuracy %.4f%n", maxIter,
                    seconds, iterations, accuracy);
            if (firstReached == null && accuracy >= TARGET_ACCURACY) {
                firstReached = seconds;
            }
        }
        trainDf.unpersist();
        testDf.unpersist();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("estimator", "MultilayerPerceptronClassifier layers [784,256,128,10], l-bfgs, seed 7, defaults otherwise");
        r.put("fits", fits);
        r.put("fit_seconds_of_first_fit_reaching_target", firstReached);
        r.put("issue_reference", "528 s of fit at maxIter 400 on local[2], test accuracy 0.876");
        return r;
    }

    /**
     * MLlib's dense linear algebra (MLPC's gemms) goes through netlib's JNI BLAS, which loads the
     * system's {@code libblas.so.3}: on Debian without OpenBLAS installed, the reference BLAS, ~15x
     * slower than an optimised one (an MLPC iteration took 18 s instead of ~1.3). The fair peer
     * computes on the same BLAS as treegrad: ND4J's own OpenBLAS (one thread, OPENBLAS_NUM_THREADS=1),
     * unless {@code dev.ludovic.netlib.blas.nativeLib(Path)} is set already.
     */
    private static void useNd4jOpenBlasForMllib() throws java.io.IOException {
        if (System.getProperty("dev.ludovic.netlib.blas.nativeLibPath") != null
                || System.getProperty("dev.ludovic.netlib.blas.nativeLib") != null) {
            return;
        }
        org.nd4j.linalg.factory.Nd4j.create(1);   // ND4J unpacks its natives (OpenBLAS among them) on first use
        Path cache = Path.of(System.getProperty("org.bytedeco.javacpp.cachedir",
                System.getProperty("user.home") + "/.javacpp/cache"));
        if (!Files.isDirectory(cache)) {
            return;
        }
        try (var found = Files.find(cache, 8, (p, a) -> p.getFileName().toString().equals("libopenblas.so.0"))) {
            found.findFirst().ifPresent(p -> {
                System.setProperty("dev.ludovic.netlib.blas.nativeLibPath", p.toString());
                System.out.println("bench-spark: MLlib's BLAS is ND4J's OpenBLAS: " + p);
            });
        }
    }

    // ---- summary ----

    private void printSummary() {
        System.out.println();
        System.out.println("== Step efficiency: median step wall; compute share and split (ms) over the interquartile steps ==");
        System.out.println(StepSplit.header());
        for (Map<String, Object> r : steps) {
            System.out.println(StepSplit.line(r));
        }
        System.out.println();
        System.out.println("== Per-step overhead vs MLlib GradientDescent (medians; overhead = step - slowest task run) ==");
        System.out.println("env        model  MLlib step  MLlib ovh  treegrad-sgd step  treegrad ovh  ratio (target <= 0.5)");
        for (Map<String, Object> r : mllib) {
            Map<?, ?> t = (Map<?, ?>) r.get("mllib");
            Map<?, ?> o = (Map<?, ?>) r.get("treegrad_sgd");
            System.out.printf(Locale.ROOT, "%-10s %-5s  %8.1f   %8.1f    %8.1f           %8.1f      %.2f%n", r.get("env"),
                    r.get("model"), t.get("step_ms"), t.get("overhead_ms"), o.get("step_ms"), o.get("overhead_ms"),
                    r.get("overhead_ratio"));
        }
        if (out.get("time_to_accuracy") instanceof Map<?, ?> tta) {
            System.out.println();
            System.out.println("== Time to " + TARGET_ACCURACY + " test accuracy on Fashion-MNIST, local[2] ==");
            if (tta.get("treegrad") instanceof Map<?, ?> t) {
                System.out.println("treegrad: " + (t.get("seconds_to_target") == null ? "not reached"
                        : String.format(Locale.ROOT, "%.1f s of training", (Double) t.get("seconds_to_target"))));
            }
            if (tta.get("mlpc") instanceof Map<?, ?> p) {
                for (Object f : (List<?>) p.get("fits")) {
                    Map<?, ?> fm = (Map<?, ?>) f;
                    System.out.printf(Locale.ROOT, "MLPC maxIter %s: fit %.1f s, test accuracy %.4f%n", fm.get("max_iter"),
                            (Double) fm.get("fit_seconds"), (Double) fm.get("test_accuracy"));
                }
            }
        }
    }
}
