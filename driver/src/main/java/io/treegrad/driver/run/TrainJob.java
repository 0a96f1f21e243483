package io.treegrad.driver.run;

import io.treegrad.data.FeatureScaler;
import io.treegrad.driver.config.DatasetConfig;
import io.treegrad.driver.config.ExperimentConfig;
import io.treegrad.driver.config.TrainingConfig;
import io.treegrad.driver.spark.DataSource;
import io.treegrad.driver.spark.DistributedData;
import io.treegrad.driver.spark.DistributedTrainer;
import io.treegrad.driver.spark.JobWatchdog;
import io.treegrad.driver.spark.Sessions;
import io.treegrad.driver.spark.TrainSpec;
import io.treegrad.driver.store.AtomicFiles;
import io.treegrad.driver.store.CheckpointStore;
import io.treegrad.driver.store.ModelStore;
import io.treegrad.io.Checkpoint;
import io.treegrad.io.ModelFile;
import io.treegrad.nn.Model;
import io.treegrad.optim.Optimizer;
import io.treegrad.optim.OptimizerState;
import io.treegrad.train.Evaluation;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code train CONFIG}: an experiment from its resolved config, on the session's Spark. */
public final class TrainJob {
    /** The release this build belongs to (the Maven project version). */
    public static final String VERSION = "0.1.0-SNAPSHOT";
    private final ExperimentConfig cfg;
    private final String resolvedYaml;
    private final PrintStream console;
    private final Map<String, String> extraProvenance = new LinkedHashMap<>();

    /** What a finished run reports. */
    public record Outcome(long steps, Evaluation test, double seconds, String outputDir) {}

    /**
     * Where a warm-started run begins ({@code retrain}): a registered model's parameters and feature
     * scaling (the parameters were learned on features scaled that way, so the scaler is kept, not
     * refitted on the new data), and optionally its optimizer state.
     *
     * @param from           the model to continue from
     * @param optimizerState its final optimizer state, or null for a fresh optimizer
     */
    public record WarmStart(ModelFile from, OptimizerState optimizerState) {}

    /** A run stopped because the loss stopped being finite. */
    public static final class DivergedException extends RuntimeException {
        public DivergedException(String message) {
            super(message);
        }
    }

    public TrainJob(ExperimentConfig cfg, String resolvedYaml, PrintStream console) {
        this.cfg = cfg;
        this.resolvedYaml = resolvedYaml;
        this.console = console;
    }

    public Outcome run(boolean resume) throws IOException {
        return run(resume, null);
    }

    /** Adds entries to the provenance of the model and checkpoints this run writes (e.g. a retrain's date). */
    public TrainJob withProvenance(Map<String, String> entries) {
        extraProvenance.putAll(entries);
        return this;
    }

    /**
     * Trains from {@code warm}'s parameters instead of a fresh initialisation.
     *
     * @throws IllegalArgumentException if the model or optimizer state does not fit this config's
     *                                  (the message names the file and both shapes)
     */
    public Outcome run(WarmStart warm) throws IOException {
        return run(false, java.util.Objects.requireNonNull(warm, "warm"));
    }

    private Outcome run(boolean resume, WarmStart warm) throws IOException {
        TrainingConfig t = cfg.training();
        SparkSession spark = Sessions.create("treegrad " + cfg.name(), t.device(), Map.of());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        long started = System.nanoTime();

        // the first jobs also wait for executors: a cluster that never starts one fails here, loudly
        DistributedData loaded = JobWatchdog.limited(jsc, t.jobTimeoutSeconds(), "loading data.train",
                () -> DistributedData.load(jsc, source(cfg.data().train()), t.partitions()));
        checkShapes(loaded, "data.train", cfg.data().train());
        FeatureScaler.State scaler = warm != null ? warm.from().scaler().map(FeatureScaler::state).orElse(null)
                : JobWatchdog.limited(jsc, t.jobTimeoutSeconds(), "fitting the feature scaling", () -> fitScaler(loaded));
        DistributedData train = JobWatchdog.limited(jsc, t.jobTimeoutSeconds(), "scaling data.train",
                () -> loaded.scaled(scaler));
        DistributedData test = null;
        if (cfg.data().test() != null) {
            test = JobWatchdog.limited(jsc, t.jobTimeoutSeconds(), "loading data.test",
                    () -> DistributedData.load(jsc, source(cfg.data().test()), t.partitions()).scaled(scaler));
            checkShapes(test, "data.test", cfg.data().test());
        }

        boolean float64 = "float64".equals(t.dtype());
        TrainSpec spec = Experiments.spec(cfg);
        DistributedTrainer trainer = new DistributedTrainer(jsc, train, spec, t.aggregationDepth(), t.jobTimeoutSeconds());
        Progress at = new Progress(trainer.minibatchesPerEpoch(), t.minibatchesPerStep());
        if (!t.localSgd()) {
            trainer.stepsPerEpoch();   // a sync round may not straddle epochs: fails, saying why, if it would
        }
        long minibatchLimit = t.epochs() != null ? t.epochs() * at.minibatchesPerEpoch : Long.MAX_VALUE;
        long total = t.epochs() != null ? (minibatchLimit + at.minibatchesPerStep - 1) / at.minibatchesPerStep : t.steps();
        console.printf(Locale.ROOT, "treegrad: %s: %d training rows x %d features in %d partitions; global batch"
                        + " = %d per worker x %d = %d%s; %d %s (%s per epoch); %s transport%n", cfg.name(), train.rows(),
                train.numFeatures(), t.partitions(), t.batchSize(), t.partitions(), spec.globalBatch(),
                t.localSgd() ? "; local SGD: " + t.localSteps() + " local steps of " + cfg.optimizer().type()
                        + " per round, outer " + describe(t.outerOptimizer())
                        : t.stepsPerRound() > 1 ? " x " + t.stepsPerRound() + " minibatches per step" : "",
                total, t.localSgd() ? "rounds" : "steps", at.stepsPerEpochText(),
                trainer.transport().name().toLowerCase(Locale.ROOT));

        Model model = Model.build(cfg.model(), float64 ? DataType.DOUBLE : DataType.FLOAT, t.seed());
        INDArray params = model.parameters().values();
        // local SGD: the driver's optimizer is the outer one (its state is what checkpoints carry); the
        // inner optimizer runs in the tasks, fresh every round
        Optimizer optimizer = t.localSgd() ? t.outerOptimizer().build("training.outer_optimizer")
                : cfg.optimizer().build();
        if (warm != null) {
            loadWarm(cfg, warm.from(), model);
            if (warm.optimizerState() != null) {
                carryOptimizerState(optimizer, warm.optimizerState(), warm.from().source());
            }
        }
        FeatureScaler scaling = scaler == null ? null : FeatureScaler.fromState(scaler);

        Path out = new Path(cfg.output().dir());
        FileSystem fs = out.getFileSystem(jsc.hadoopConfiguration());
        Path ckptDir = cfg.checkpoints().uri() != null ? new Path(cfg.checkpoints().uri()) : new Path(out, "checkpoints");
        CheckpointStore checkpoints = new CheckpointStore(ckptDir.getFileSystem(jsc.hadoopConfiguration()), ckptDir,
                cfg.checkpoints().keepLast());
        long ckptEvery = cfg.checkpoints().everySteps() == null ? 0 : cfg.checkpoints().everySteps();
        long start = 0;
        if (resume) {
            start = Resume.restore(checkpoints, model, cfg.model(), optimizer, console);
        }
        fs.mkdirs(out);
        long logEvery = cfg.output().logEverySteps();
        Long evalEvery = cfg.evaluation().everySteps();
        int evalBatch = cfg.evaluation().batchSize() == null ? 1024 : cfg.evaluation().batchSize();
        Evaluation last = null;
        try (trainer; MetricsLog metrics = new MetricsLog(fs, new Path(out, "metrics.jsonl"), resume ? start : -1)) {
            Interval interval = new Interval(train.isRegression());
            long loopStarted = System.nanoTime();
            for (long step = start; step < total; step++) {
                DistributedTrainer.StepResult r = trainer.step(step, params, optimizer, minibatchLimit);
                if (!Double.isFinite(r.meanLoss())) {
                    throw new DivergedException("training diverged at step " + step + ": the loss is " + r.meanLoss()
                            + " (learning rate " + optimizer.lastLearningRate() + "); lower optimizer.lr");
                }
                interval.add(r);
                long done = step + 1;
                // every every_steps (or epoch), and after the last step: the summary's accuracy is the final model's
                boolean evalNow = test != null && ((evalEvery != null && evalEvery > 0 ? done % evalEvery == 0
                        : at.endsEpoch(done)) || done == total);
                if (done % logEvery == 0 || done == total || evalNow) {
                    Map<String, Object> line = interval.drain(done, at.epoch(done), optimizer.lastLearningRate());
                    if (evalNow) {
                        long evalStarted = System.nanoTime();
                        last = trainer.evaluate(test, params, evalBatch);
                        line.put("eval_ms", (System.nanoTime() - evalStarted) / 1e6);
                        line.put("test_loss", last.loss());
                        line.put(Double.isNaN(last.accuracy()) ? "test_rmse" : "test_accuracy",
                                Double.isNaN(last.accuracy()) ? last.rmse() : last.accuracy());
                    }
                    line.put("elapsed_s", (System.nanoTime() - loopStarted) / 1e9);   // since this run's first step
                    metrics.write(line);
                    console.println(progress(line, total));
                }
                if ((ckptEvery > 0 && done % ckptEvery == 0) || done == total) {
                    checkpoints.save(Checkpoint.capture(model.parameters(), optimizer, done, at.wholeEpochs(done),
                            at.stepsIntoEpoch(done), t.seed(), scaling, resolvedYaml, provenance(done)));
                }
            }
        }
        new ModelStore(fs, new Path(out, "model")).save(ModelFile.of(model, scaling, resolvedYaml, provenance(total)));
        double seconds = (System.nanoTime() - started) / 1e9;
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("name", cfg.name());
        summary.put("steps", total);
        summary.put("epochs", at.epoch(total));
        summary.put("mode", t.mode());
        summary.put("global_batch", spec.globalBatch());
        summary.put("partitions", t.partitions());
        summary.put("seconds", seconds);
        if (last != null) {
            summary.put("test_examples", last.examples());
            summary.put("test_loss", last.loss());
            summary.put(Double.isNaN(last.accuracy()) ? "test_rmse" : "test_accuracy",
                    Double.isNaN(last.accuracy()) ? last.rmse() : last.accuracy());
        }
        byte[] summaryBytes = (MetricsLog.json(summary) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AtomicFiles.write(fs, new Path(out, "summary.json"), o -> o.write(summaryBytes));
        AtomicFiles.write(fs, new Path(out, "config.yaml"),
                o -> o.write(resolvedYaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        console.printf(Locale.ROOT, "treegrad: done in %.1f s; %s; outputs in %s%n", seconds,
                last == null ? "no test set" : "test " + last, out);
        return new Outcome(total, last, seconds, out.toString());
    }

    /**
     * Restores a champion's final optimizer state (read from {@code source}) into {@code optimizer}.
     *
     * @throws IllegalArgumentException naming {@code source} if it is another optimizer's state
     */
    static void carryOptimizerState(Optimizer optimizer, OptimizerState state, String source) {
        try {
            optimizer.restore(state);
        } catch (IllegalArgumentException e) {
            IllegalArgumentException named = new IllegalArgumentException(source + ": cannot carry the champion's"
                    + " optimizer state into this config's optimizer: " + e.getMessage()
                    + "; set retrain.optimizer_state: fresh");
            named.addSuppressed(e);
            throw named;
        }
    }

    /**
     * Puts {@code from}'s parameters into {@code model} (built from {@code cfg}).
     *
     * @throws IllegalArgumentException naming the file and both models' shapes if they differ
     */
    static void loadWarm(ExperimentConfig cfg, ModelFile from, Model model) {
        try {
            from.loadInto(model);
        } catch (IllegalArgumentException e) {
            IllegalArgumentException named = new IllegalArgumentException("cannot warm-start this config's model ("
                    + Resume.describe(cfg.model()) + ") from a model of another shape (" + Resume.describe(from.spec())
                    + "): " + e.getMessage() + "; retrain with the champion's model section, or start a new model"
                    + " name in the registry");
            named.addSuppressed(e);   // not the cause: the CLI reports an exception's root cause
            throw named;
        }
    }

    /**
     * Where step {@code done} stands in epochs, when a step (a sync step or a local SGD round) covers
     * {@code minibatchesPerStep} global minibatches. Sync steps never straddle epochs; local SGD rounds
     * may, so epochs are counted in minibatches.
     */
    private record Progress(long minibatchesPerEpoch, long minibatchesPerStep) {
        double epoch(long done) {
            return done * minibatchesPerStep / (double) minibatchesPerEpoch;
        }

        long wholeEpochs(long done) {
            return done * minibatchesPerStep / minibatchesPerEpoch;
        }

        /** Whole steps taken in the current epoch. */
        long stepsIntoEpoch(long done) {
            return done * minibatchesPerStep % minibatchesPerEpoch / minibatchesPerStep;
        }

        /** Whether step {@code done} finished (or crossed) the end of an epoch. */
        boolean endsEpoch(long done) {
            return done > 0 && wholeEpochs(done) > wholeEpochs(done - 1);
        }

        String stepsPerEpochText() {
            return minibatchesPerEpoch % minibatchesPerStep == 0 ? String.valueOf(minibatchesPerEpoch / minibatchesPerStep)
                    : String.format(Locale.ROOT, "%.2f", minibatchesPerEpoch / (double) minibatchesPerStep);
        }
    }

    private static String describe(io.treegrad.optim.OptimizerSpec o) {
        return o.type() + " lr " + o.lr() + (o.momentum() != null && o.momentum() > 0 ? " momentum " + o.momentum()
                + (Boolean.TRUE.equals(o.nesterov()) ? " nesterov" : "") : "");
    }

    /** Where a saved model or checkpoint came from. */
    private Map<String, String> provenance(long step) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("treegrad_version", VERSION);
        p.put("git_commit", System.getProperty("treegrad.git.commit", "unknown"));
        p.put("experiment", cfg.name());
        p.put("train_data", cfg.data().train().path());
        p.put("seed", String.valueOf(cfg.training().seed()));
        p.put("step", String.valueOf(step));
        p.put("created", java.time.Instant.now().toString());
        p.putAll(extraProvenance);
        return p;
    }

    private static String progress(Map<String, Object> line, long total) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "step %d/%d  epoch %.2f  loss %.4f  %.0f samples/s",
                (Long) line.get("step"), total, (Double) line.get("epoch"), (Double) line.get("train_loss"),
                (Double) line.get("samples_per_sec")));
        if (line.containsKey("train_accuracy")) {   // running: the rows as the model was when it trained on them
            s.append(String.format(Locale.ROOT, "  train accuracy %.4f", (Double) line.get("train_accuracy")));
        } else if (line.containsKey("train_rmse")) {
            s.append(String.format(Locale.ROOT, "  train RMSE %.4f", (Double) line.get("train_rmse")));
        }
        @SuppressWarnings("unchecked")
        Map<String, Double> split = (Map<String, Double>) line.get("time_share");
        s.append(String.format(Locale.ROOT, "  (compute %.0f%%, aggregation %.0f%%, driver update %.0f%%, broadcast %.0f%%)",
                100 * split.get("compute"), 100 * split.get("aggregation"), 100 * split.get("update"),
                100 * split.get("broadcast")));
        if (line.containsKey("test_accuracy")) {
            s.append(String.format(Locale.ROOT, "  test accuracy %.4f", (Double) line.get("test_accuracy")));
        } else if (line.containsKey("test_rmse")) {
            s.append(String.format(Locale.ROOT, "  test RMSE %.4f", (Double) line.get("test_rmse")));
        }
        return s.toString();
    }

    /** Sums over the steps since the last log line. */
    private static final class Interval {
        private final boolean regression;
        private long steps;
        private long examples;
        private double lossSum;
        private long correct;
        private double squaredErrors;
        private double broadcast;
        private double compute;
        private double aggregation;
        private double merge;
        private double update;
        private long since = System.nanoTime();

        Interval(boolean regression) {
            this.regression = regression;
        }

        void add(DistributedTrainer.StepResult r) {
            DistributedTrainer.StepTiming t = r.timing();
            steps++;
            examples += r.examples();
            lossSum += r.meanLoss() * r.examples();
            correct += r.correct();
            squaredErrors += r.squaredErrors();
            broadcast += t.broadcastMs();
            compute += t.computeMs();
            aggregation += t.aggregationMs();
            merge += t.mergeMs();
            update += t.updateMs();
        }

        Map<String, Object> drain(long step, double epoch, double lr) {
            double seconds = (System.nanoTime() - since) / 1e9;
            double all = broadcast + compute + aggregation + update;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", step);
            m.put("epoch", epoch);
            m.put("train_loss", lossSum / examples);
            // running, like the loss: the interval's training rows, each as the model was when it trained on it
            if (regression) {
                m.put("train_rmse", Math.sqrt(squaredErrors / examples));
            } else {
                m.put("train_accuracy", (double) correct / examples);
            }
            m.put("learning_rate", lr);
            m.put("samples_per_sec", examples / seconds);
            Map<String, Object> ms = new LinkedHashMap<>();
            ms.put("compute", compute / steps);
            ms.put("aggregation", aggregation / steps);
            ms.put("merge", merge / steps);
            ms.put("update", update / steps);
            ms.put("broadcast", broadcast / steps);
            m.put("step_ms", ms);
            Map<String, Object> share = new LinkedHashMap<>();
            share.put("compute", compute / all);
            share.put("aggregation", aggregation / all);
            share.put("update", update / all);
            share.put("broadcast", broadcast / all);
            m.put("time_share", share);
            m.put("memory_mb", MemoryUse.now().asMap());
            steps = 0;
            examples = 0;
            lossSum = 0;
            correct = 0;
            squaredErrors = 0;
            broadcast = 0;
            compute = 0;
            aggregation = 0;
            merge = 0;
            update = 0;
            since = System.nanoTime();
            return m;
        }
    }

    private void checkShapes(DistributedData data, String key, DatasetConfig d) {
        if (data.numFeatures() != cfg.model().inputs()) {
            throw new IllegalArgumentException(d.path() + " (" + key + "): " + data.numFeatures() + " features per row,"
                    + " but model.inputs is " + cfg.model().inputs() + "; expected the same number");
        }
        if (!data.isRegression() && data.numClasses() > cfg.model().outputs()) {
            throw new IllegalArgumentException(d.path() + " (" + key + "): " + data.numClasses() + " classes, but the"
                    + " model's last layer has " + cfg.model().outputs() + " outputs; expected at most that many");
        }
    }

    private FeatureScaler.State fitScaler(DistributedData train) {
        String method = cfg.data().scaling().method();
        return switch (method) {
            case "none" -> null;
            case "divide" -> train.fitScaler("DIVIDE", cfg.data().scaling().constant());
            case "minmax" -> train.fitScaler("MIN_MAX", 0);
            default -> train.fitScaler("STANDARDIZE", 0);
        };
    }

    private DataSource source(DatasetConfig d) {
        return Experiments.source(cfg, d, null, null);
    }
}
