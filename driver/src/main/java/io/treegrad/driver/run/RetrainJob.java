package io.treegrad.driver.run;

import io.treegrad.data.FeatureScaler;
import io.treegrad.driver.config.CheckpointConfig;
import io.treegrad.driver.config.ConfigException;
import io.treegrad.driver.config.ConfigWriter;
import io.treegrad.driver.config.DataConfig;
import io.treegrad.driver.config.DatasetConfig;
import io.treegrad.driver.config.ExperimentConfig;
import io.treegrad.driver.config.OutputConfig;
import io.treegrad.driver.config.RetrainConfig;
import io.treegrad.driver.config.TrainingConfig;
import io.treegrad.driver.report.RunReport;
import io.treegrad.driver.spark.DistributedData;
import io.treegrad.driver.spark.DistributedTrainer;
import io.treegrad.driver.spark.Sessions;
import io.treegrad.driver.store.AtomicFiles;
import io.treegrad.driver.store.CheckpointStore;
import io.treegrad.driver.store.ModelRegistry;
import io.treegrad.driver.store.ModelStore;
import io.treegrad.io.Checkpoint;
import io.treegrad.io.ModelFile;
import io.treegrad.nn.Model;
import io.treegrad.optim.OptimizerState;
import io.treegrad.train.Evaluation;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code retrain CONFIG --date YYYY-MM-DD}: one scheduled retraining of a registered model.
 * <ol>
 *   <li>If {@code <registry>/<model>/retrain/<date>.json} exists, the date was done: report that
 *       decision and stop (no training, no new version).</li>
 *   <li>If a version registered for the date exists but the run died before recording its outcome,
 *       finish it (promote it if its recorded decision says so and current has not moved) without
 *       training again.</li>
 *   <li>Otherwise train on the date's partition ({@code {date}} in {@code data.train.path}),
 *       warm-started from {@code current} (its parameters and feature scaling; its final optimizer
 *       state too with {@code optimizer_state: carried}), or from scratch when there is no champion.
 *       Evaluate champion and challenger on the same holdout, in this run, with the config's loss;
 *       register the challenger (its summary records date, parent, both metrics and the decision);
 *       promote it ({@link ModelRegistry#promote}: the copy is verified before the pointer moves) if
 *       the metric improves by at least {@code min_improvement}; record the outcome.</li>
 * </ol>
 * The outcome file is written last and atomically: a crash anywhere before it leaves {@code current}
 * naming a complete, verified version (the old champion, or the new one if the pointer had moved),
 * and the next run for the date finishes the job.
 */
public final class RetrainJob {
    /** Exit code of a run that promoted its challenger (or registered the first version). */
    public static final int EXIT_PROMOTED = 0;
    /** Exit code of a run that kept the champion (unless {@code --kept-exit} says otherwise). */
    public static final int EXIT_KEPT = 10;
    public static final String PROMOTED = "promoted";
    public static final String KEPT = "kept";
    /** The registry folder of per-date outcomes: {@code <registry>/<model>/retrain/<date>.json}. */
    public static final String OUTCOMES = "retrain";
    /** The champion's final optimizer state, in a registered version ({@link Checkpoint} format). */
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    /** Where relative metrics differ by less than this, they are equal (k/N accuracies differ by ulps). */
    static final double TOLERANCE = 1e-12;

    private final ExperimentConfig template;
    private final String source;
    private final PrintStream console;
    /** Runs after the challenger is registered and before it is promoted (tests simulate a crash here). */
    Runnable beforePromote = () -> {};

    /**
     * One retraining's result.
     *
     * @param decision  {@link #PROMOTED} or {@link #KEPT}
     * @param version   the challenger's registered version
     * @param parent    the champion it was compared with (and warm-started from); null on a cold start
     * @param champion  the champion's metric on the holdout; null on a cold start
     * @param challenger the challenger's metric on the holdout
     * @param repeated  true when this date had been done before and nothing was trained now
     */
    public record Result(String date, String decision, int version, Integer parent, String metric, Double champion,
                         double challenger, String runDir, boolean repeated) {
        public boolean promoted() {
            return decision.equals(PROMOTED);
        }
    }

    /**
     * @param template the loaded config ({@code --set} applied), {@code {date}} still in its paths
     * @param source   the config file, for messages
     */
    public RetrainJob(ExperimentConfig template, String source, PrintStream console) {
        this.template = template;
        this.source = source;
        this.console = console;
    }

    /** Whether {@code challenger} beats {@code champion} by at least {@code margin}, in the metric's direction. */
    static boolean improves(boolean higherIsBetter, double champion, double challenger, double margin) {
        double gain = higherIsBetter ? challenger - champion : champion - challenger;
        return gain > 0 && gain >= margin - TOLERANCE;
    }

    /** {@code 2026-11-01}, strictly (a real calendar date); the message names the argument. */
    public static LocalDate parseDate(String text) {
        if (text == null || !text.matches("\\d{4}-\\d{2}-\\d{2}")) {
            throw new ConfigException("--date: expected a date as YYYY-MM-DD (e.g. 2026-11-01), got '" + text + "'");
        }
        try {
            return LocalDate.parse(text, DateTimeFormatter.ISO_LOCAL_DATE);
        } catch (DateTimeParseException e) {
            throw new ConfigException("--date: '" + text + "' is not a calendar date (" + e.getMessage() + ")");
        }
    }

    /**
     * The config of one day: {@code {date}} replaced in {@code data.train} (required there),
     * {@code output.dir} and {@code checkpoints.uri} (an output dir without it gets {@code /<date>}
     * appended, so days never share a run directory); {@code data.test} replaced by the holdout;
     * {@code training.epochs} by {@code retrain.epochs} when set.
     */
    static ExperimentConfig forDate(ExperimentConfig cfg, String source, LocalDate date) {
        RetrainConfig r = cfg.retrain();
        if (r == null) {
            throw new ConfigException(source + ": retrain: missing; expected a section with at least registry (the"
                    + " model registry); see the README's 'Scheduled retraining'");
        }
        DatasetConfig train = cfg.data().train();
        if (!train.path().contains(RetrainConfig.DATE)) {
            throw new ConfigException(source + ": data.train.path: retrain reads the day's partition, so the path must"
                    + " contain " + RetrainConfig.DATE + " (e.g. .../events/date={date}/), got '" + train.path() + "'");
        }
        String d = date.toString();
        DatasetConfig dayTrain = withPaths(train, sub(train.path(), d), sub(train.labels(), d));
        DatasetConfig test = cfg.data().test();
        DatasetConfig holdout;
        if (r.holdout() != null) {
            DatasetConfig like = test != null ? test : train;
            holdout = withPaths(like, r.holdout(), r.holdoutLabels() != null ? r.holdoutLabels()
                    : like == train ? null : like.labels());
        } else {
            holdout = test;
        }
        String out = cfg.output().dir();
        String dayOut = out.contains(RetrainConfig.DATE) ? sub(out, d) : stripSlash(out) + "/" + d;
        CheckpointConfig c = cfg.checkpoints();
        String ckpt = c.uri() == null || c.uri().equals(stripSlash(out) + "/checkpoints") ? dayOut + "/checkpoints"
                : sub(c.uri(), d);
        TrainingConfig t = cfg.training();
        TrainingConfig dayTraining = r.epochs() == null ? t : new TrainingConfig(r.epochs(), null, t.batchSize(),
                t.partitions(), t.aggregationDepth(), t.stepsPerRound(), t.seed(), t.dtype(), t.device(),
                t.jobTimeoutSeconds());
        return new ExperimentConfig(cfg.name(), new DataConfig(dayTrain, holdout, cfg.data().scaling(),
                cfg.data().badRecords()), cfg.model(), cfg.loss(), cfg.optimizer(), dayTraining, cfg.evaluation(),
                new CheckpointConfig(ckpt, c.everySteps(), c.keepLast()),
                new OutputConfig(dayOut, cfg.output().logEverySteps()), r);
    }

    /** Retrains for {@code date}; see the class comment. */
    public Result run(LocalDate date) throws IOException {
        ExperimentConfig cfg = forDate(template, source, date);
        RetrainConfig r = cfg.retrain();
        String name = r.model();
        // the registry is read before Spark starts: a date done before, or a missing partition, costs no session
        Configuration hadoop = hadoopConfiguration();
        Path root = new Path(r.registry());
        FileSystem fs = root.getFileSystem(hadoop);
        ModelRegistry registry = new ModelRegistry(fs, root);
        Path outcome = new Path(new Path(new Path(registry.root(), name), OUTCOMES), date + ".json");

        Optional<Result> done = readOutcome(fs, outcome);
        if (done.isPresent()) {
            Result d = done.get();
            console.printf(Locale.ROOT, "treegrad: retrain %s %s was done before (%s): %s version %d; nothing trained,"
                    + " no version added%n", name, date, outcome, d.decision(), d.version());
            return d;
        }
        boolean known = fs.exists(new Path(registry.root(), name));
        Optional<Result> interrupted = known ? interrupted(fs, registry, name, date.toString(), cfg) : Optional.empty();
        if (interrupted.isPresent()) {
            return finishInterrupted(fs, registry, name, date, interrupted.get(), outcome);
        }

        requirePartition(hadoop, cfg.data().train(), date);
        Optional<Integer> current = known ? registry.current(name) : Optional.empty();
        ModelFile champion = null;
        OptimizerState state = null;
        String stateNote = r.optimizerState();
        if (current.isPresent()) {
            Path dir = registry.version(name, current.get()).dir();
            champion = new ModelStore(fs, dir).load();
            // before Spark starts: a champion of another shape is bad input, found before anything is written
            TrainJob.loadWarm(cfg, champion, Model.build(cfg.model(),
                    "float64".equals(cfg.training().dtype()) ? DataType.DOUBLE : DataType.FLOAT, cfg.training().seed()));
            if (r.carriesOptimizerState()) {
                state = championState(fs, cfg, name, current.get(), dir);
                stateNote = state != null ? "carried" : "fresh (champion has none)";
            }
            console.printf(Locale.ROOT, "treegrad: retrain %s %s: warm start from version %d (%s), optimizer state %s%n",
                    name, date, current.get(), dir, stateNote);
        } else {
            stateNote = "fresh (cold start)";
            console.printf(Locale.ROOT, "treegrad: retrain %s %s: no champion in %s; cold start, the first version"
                    + " will be promoted%n", name, date, registry.root());
        }

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(
                Sessions.create("treegrad retrain " + name + " " + date, cfg.training().device(), Map.of()).sparkContext());
        String yaml = ConfigWriter.toYaml(cfg);
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("retrain_date", date.toString());
        provenance.put("parent_version", current.map(String::valueOf).orElse("none"));
        provenance.put("optimizer_state", stateNote);
        TrainJob job = new TrainJob(cfg, yaml, console).withProvenance(provenance);
        TrainJob.Outcome trained = champion == null ? job.run(false) : job.run(new TrainJob.WarmStart(champion, state));
        Path runDir = new Path(trained.outputDir());
        keepOptimizerState(fs, cfg, new Path(runDir, "model"));

        ModelFile challengerModel = new ModelStore(fs, new Path(runDir, "model")).load();
        DatasetConfig holdout = cfg.data().test();
        double challenger = metric(r, evaluate(jsc, cfg, holdout, challengerModel));
        Double championMetric = champion == null ? null : metric(r, evaluate(jsc, cfg, holdout, champion));
        boolean promote = champion == null || improves(r.higherIsBetter(), championMetric, challenger, r.minImprovement());
        String decision = promote ? PROMOTED : KEPT;
        console.printf(Locale.ROOT, "treegrad: retrain %s %s: holdout %s (%s): champion %s, challenger %.6f;"
                        + " min_improvement %s -> %s%n", name, date, r.metric(), holdout.path(),
                championMetric == null ? "none" : String.format(Locale.ROOT, "%.6f", championMetric), challenger,
                r.minImprovement(), promote ? "promote" : "keep the champion");

        Map<String, Object> retrain = new LinkedHashMap<>();
        retrain.put("retrain_date", date.toString());
        retrain.put("retrain_parent_version", current.map(v -> (Object) (long) v).orElse(null));
        retrain.put("retrain_metric", r.metric());
        retrain.put("retrain_champion", championMetric);
        retrain.put("retrain_challenger", challenger);
        retrain.put("retrain_min_improvement", r.minImprovement());
        retrain.put("retrain_optimizer_state", stateNote);
        retrain.put("retrain_holdout", holdout.path());
        retrain.put("retrain_decision", decision);
        addToSummary(fs, new Path(runDir, ModelRegistry.SUMMARY), retrain);
        writeRunReport(fs, runDir);

        int version = registry.register(name, runDir);
        beforePromote.run();
        if (promote) {
            registry.promote(name, version);
        }
        Result result = new Result(date.toString(), decision, version, current.orElse(null), r.metric(),
                championMetric, challenger, runDir.toString(), false);
        writeOutcome(fs, outcome, result);
        console.printf(Locale.ROOT, "treegrad: retrain %s %s: registered version %d; %s; current: %s; outcome in %s%n",
                name, date, version, promote ? "promoted" : "kept the champion", registry.current(name).orElse(null),
                outcome);
        return result;
    }

    /**
     * The champion's final optimizer state, checked against this config's optimizer; null, and said
     * on the console, when the version has none (registered from a train run, not by retrain).
     */
    private OptimizerState championState(FileSystem fs, ExperimentConfig cfg, String name, int version, Path dir)
            throws IOException {
        Path file = new Path(dir, OPTIMIZER_FILE);
        if (!fs.exists(file)) {
            console.printf(Locale.ROOT, "treegrad: retrain.optimizer_state is carried, but champion %s version %d"
                    + " has no optimizer state (%s does not exist: it was registered from a train run, not by"
                    + " retrain); starting with a fresh optimizer%n", name, version, file);
            return null;
        }
        OptimizerState state;
        try (InputStream in = fs.open(file)) {
            state = Checkpoint.read(in, file.toString()).optimizer();
        }
        // another optimizer type is bad input: found here, before Spark starts
        TrainJob.carryOptimizerState(cfg.optimizer().build(), state, file.toString());
        return state;
    }

    /**
     * A run for {@code date} registered {@code i} and died before recording the outcome: promote it
     * if its recorded decision says so and current still names its parent, then record the outcome.
     */
    private Result finishInterrupted(FileSystem fs, ModelRegistry registry, String name, LocalDate date, Result i,
                                     Path outcome) throws IOException {
        Optional<Integer> current = registry.current(name);
        boolean parentStillCurrent = i.parent() == null ? current.isEmpty() : current.equals(Optional.of(i.parent()));
        Result finished = i;
        if (i.promoted() && !current.equals(Optional.of(i.version()))) {
            if (parentStillCurrent) {
                registry.promote(name, i.version());
            } else {
                finished = new Result(i.date(), KEPT, i.version(), i.parent(), i.metric(), i.champion(),
                        i.challenger(), i.runDir(), false);
                console.printf(Locale.ROOT, "treegrad: retrain %s %s: version %d was to be promoted, but current"
                        + " moved on to %s meanwhile; keeping that%n", name, date, i.version(), current.orElse(null));
            }
        }
        console.printf(Locale.ROOT, "treegrad: retrain %s %s: finishing an interrupted run: version %d was"
                + " registered (decision: %s); nothing trained again%n", name, date, i.version(), finished.decision());
        writeOutcome(fs, outcome, finished);
        return finished;
    }

    /**
     * The Hadoop configuration Spark would give this application ({@code spark.hadoop.*} settings from
     * spark-submit or the JVM's properties on top of the site files), without starting Spark.
     */
    static Configuration hadoopConfiguration() {
        Configuration c = new Configuration();
        for (scala.Tuple2<String, String> e : new SparkConf(true).getAllWithPrefix("spark.hadoop.")) {
            c.set(e._1(), e._2());
        }
        return c;
    }

    private static void requirePartition(Configuration hadoop, DatasetConfig train, LocalDate date) throws IOException {
        for (String p : new String[] {train.path(), train.labels()}) {
            if (p != null && !new Path(p).getFileSystem(hadoop).exists(new Path(p))) {
                throw new FileNotFoundException("retrain --date " + date + ": no data partition at " + p
                        + " (data.train with {date} = " + date + "); expected the day's data there");
            }
        }
    }

    /**
     * The one call site for a report of the day's run: {@code runDir} is a complete train run
     * directory ({@code metrics.jsonl}, {@code summary.json} with the retrain entries,
     * {@code config.yaml}, {@code model/}) when this runs, before the challenger is registered, so the
     * page shows the retrain decision. A report that cannot be written is a warning: the run stands.
     */
    void writeRunReport(FileSystem fs, Path runDir) {
        RunReport.writeAfterRun(fs.getConf(), runDir, console, System.err);
    }

    /** Copies the final checkpoint (parameters and optimizer state) into the model directory, for a carried retrain. */
    private static void keepOptimizerState(FileSystem fs, ExperimentConfig cfg, Path modelDir) throws IOException {
        Path ckptDir = new Path(cfg.checkpoints().uri());
        CheckpointStore store = new CheckpointStore(ckptDir.getFileSystem(fs.getConf()), ckptDir,
                cfg.checkpoints().keepLast());
        Checkpoint last = store.latest().orElseThrow(() -> new IOException("no checkpoint in " + ckptDir
                + " after training; expected the final one"));
        AtomicFiles.write(fs, new Path(modelDir, OPTIMIZER_FILE), last::write);
    }

    /** {@code model} on {@code holdout}, scaled with the model's own scaler, with this config's loss. */
    private static Evaluation evaluate(JavaSparkContext jsc, ExperimentConfig cfg, DatasetConfig holdout,
                                       ModelFile model) {
        DistributedData data = DistributedData.load(jsc, Experiments.source(cfg, holdout, null, null),
                cfg.training().partitions()).scaled(model.scaler().map(FeatureScaler::state).orElse(null));
        int batch = cfg.evaluation().batchSize() == null ? 1024 : cfg.evaluation().batchSize();
        return new DistributedTrainer(jsc, data, Experiments.spec(cfg).onDevice("auto"),
                cfg.training().aggregationDepth(), cfg.training().jobTimeoutSeconds())
                .evaluate(data, model.parameters(), batch);
    }

    private static double metric(RetrainConfig r, Evaluation e) {
        return switch (r.metric()) {
            case "accuracy" -> e.accuracy();
            case "rmse" -> e.rmse();
            default -> e.loss();
        };
    }

    /** A version registered for {@code date} whose outcome was never recorded (the run died after register). */
    private static Optional<Result> interrupted(FileSystem fs, ModelRegistry registry, String name, String date,
                                                ExperimentConfig cfg) throws IOException {
        if (!fs.exists(new Path(new Path(registry.root(), name), ModelRegistry.VERSIONS))) {
            return Optional.empty();
        }
        for (ModelRegistry.Version v : registry.versions(name)) {
            Map<String, Object> s = v.summary();
            if (date.equals(s.get("retrain_date")) && s.get("retrain_decision") instanceof String decision) {
                return Optional.of(new Result(date, decision, v.number(), intOrNull(s.get("retrain_parent_version")),
                        String.valueOf(s.get("retrain_metric")), doubleOrNull(s.get("retrain_champion")),
                        doubleOrNull(s.get("retrain_challenger")), cfg.output().dir(), false));
            }
        }
        return Optional.empty();
    }

    private static void addToSummary(FileSystem fs, Path summary, Map<String, Object> entries) throws IOException {
        Map<String, Object> all = new LinkedHashMap<>(ModelRegistry.readJsonObject(fs, summary));
        all.putAll(entries);
        byte[] bytes = (MetricsLog.json(all) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(fs, summary, o -> o.write(bytes));
    }

    static void writeOutcome(FileSystem fs, Path file, Result r) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", r.date());
        m.put("decision", r.decision());
        m.put("version", (long) r.version());
        m.put("parent_version", r.parent() == null ? null : (long) r.parent());
        m.put("metric", r.metric());
        m.put("champion", r.champion());
        m.put("challenger", r.challenger());
        m.put("run_dir", r.runDir());
        m.put("finished", java.time.Instant.now().toString());
        byte[] bytes = (MetricsLog.json(m) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(fs, file, o -> o.write(bytes));
    }

    /** The outcome recorded for a date, if any; a corrupt file is an error naming it. */
    static Optional<Result> readOutcome(FileSystem fs, Path file) throws IOException {
        if (!fs.exists(file)) {
            return Optional.empty();
        }
        Map<String, Object> m = ModelRegistry.readJsonObject(fs, file);
        Object decision = m.get("decision");
        if (!(decision instanceof String d) || !List.of(PROMOTED, KEPT).contains(d) || !(m.get("version") instanceof Long v)) {
            throw new IOException(file + ": not a retrain outcome (expected decision promoted|kept and a version);"
                    + " delete it to run the date again");
        }
        return Optional.of(new Result(String.valueOf(m.get("date")), d, (int) (long) v,
                intOrNull(m.get("parent_version")), String.valueOf(m.get("metric")), doubleOrNull(m.get("champion")),
                doubleOrNull(m.get("challenger")), String.valueOf(m.get("run_dir")), true));
    }

    private static Integer intOrNull(Object o) {
        return o instanceof Number n ? n.intValue() : null;
    }

    private static Double doubleOrNull(Object o) {
        return o instanceof Number n ? n.doubleValue() : null;
    }

    private static DatasetConfig withPaths(DatasetConfig d, String path, String labels) {
        return new DatasetConfig(d.format(), path, labels, d.labelColumn(), d.header(), d.delimiter(), d.skipLines(),
                d.numFeatures(), d.numClasses(), d.task(), d.featuresColumn());
    }

    private static String sub(String s, String date) {
        return s == null ? null : s.replace(RetrainConfig.DATE, date);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
