package io.treegrad.driver.config;

import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.OptimizerSpec;
import io.treegrad.optim.ScheduleSpec;
import java.nio.file.Path;
import java.util.List;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The whole document into an {@link ExperimentConfig}: each section read and its defaults filled in,
 * then the checks across sections (the loss fits the task, the model fits the data).
 */
final class ExperimentReader {
    static final List<String> SECTIONS = List.of("name", "data", "model", "loss", "optimizer", "training",
            "evaluation", "checkpoints", "output", "retrain");
    static final List<String> LOSS_KEYS = List.of("type", "delta", "l2");
    static final List<String> TRAINING_KEYS = List.of("epochs", "steps", "batch_size", "partitions",
            "aggregation_depth", "steps_per_round", "seed", "dtype", "device", "job_timeout_seconds", "mode", "local_steps",
            "outer_optimizer");
    static final List<String> EVALUATION_KEYS = List.of("every_steps", "batch_size");
    static final List<String> CHECKPOINT_KEYS = List.of("uri", "every_steps", "keep_last");
    static final List<String> OUTPUT_KEYS = List.of("dir", "log_every_steps");

    private final Problems problems;
    private final Path workingDir;
    private final String defaultName;

    ExperimentReader(Problems problems, Path workingDir, String defaultName) {
        this.problems = problems;
        this.workingDir = workingDir;
        this.defaultName = defaultName;
    }

    /** The config, or null when there were problems (all reported). */
    ExperimentConfig read(Node root) {
        Section s = Section.root(problems, root, SECTIONS);
        if (!s.present()) {
            return null;
        }
        String name = s.text("name");
        DataConfig data = new DataReader(workingDir).read(s.requiredSection("data", DataReader.KEYS,
                "a section with train (a data set) and optionally test, scaling and bad_records"));
        ModelSpec model = ModelReader.read(s.requiredSection("model", ModelReader.KEYS,
                "a section with inputs and layers"));
        LossConfig loss = loss(s.requiredSection("loss", LOSS_KEYS, "a section with type (one of "
                + String.join(", ", LossConfig.TYPES) + ")"));
        OptimizerSpec optimizer = OptimizerReader.read(s.requiredSection("optimizer", OptimizerReader.KEYS,
                "a section with type (one of " + String.join(", ", OptimizerReader.TYPES) + ") and its settings"));
        TrainingConfig training = training(s.requiredSection("training", TRAINING_KEYS,
                "a section with epochs or steps, and batch_size"), optimizer);
        EvaluationConfig evaluation = evaluation(s.section("evaluation", EVALUATION_KEYS), training.batchSize());
        OutputConfig output = output(s.requiredSection("output", OUTPUT_KEYS,
                "a section with dir (a Hadoop URI or local path)"));
        CheckpointConfig checkpoints = checkpoints(s.section("checkpoints", CHECKPOINT_KEYS), output.dir());
        crossCheck(data, model, loss);
        String resolvedName = name != null ? name : defaultName;
        RetrainConfig retrain = s.has("retrain") ? retrain(s.section("retrain", RetrainConfig.KEYS), data, resolvedName)
                : null;
        if (problems.any()) {
            return null;
        }
        return new ExperimentConfig(resolvedName, data, model, loss, optimizer, training, evaluation, checkpoints,
                output, retrain);
    }

    private static LossConfig loss(Section s) {
        String type = s.choice("type", LossConfig.TYPES);
        if (!s.has("type")) {
            s.missing("type", "one of " + LossConfig.TYPES);
        }
        Double delta = s.number("delta");
        if ("huber".equals(type)) {
            positive(s, "delta", delta);
        } else if (type != null) {
            s.unused("delta", type + " (only by huber)");
        }
        Double l2 = s.number("l2");
        if (l2 != null && !(Double.isFinite(l2) && l2 >= 0)) {
            s.fail("l2", "must be a finite number >= 0, got " + l2);
        }
        return new LossConfig(type, "huber".equals(type) ? (delta != null ? delta : LossConfig.DEFAULT_HUBER_DELTA)
                : null, l2 != null ? l2 : 0.0);
    }

    private TrainingConfig training(Section s, OptimizerSpec inner) {
        Integer epochs = s.integer("epochs", 1);
        Long steps = s.whole("steps", 1);
        if (s.has("epochs") && s.has("steps")) {
            problems.at(s.value("steps"), s.path(), "expected exactly one of epochs and steps, got both (epochs "
                    + text(s.value("epochs")) + ", steps " + text(s.value("steps")) + ")");
        } else if (!s.has("epochs") && !s.has("steps")) {
            s.missing("epochs", "an integer >= 1 (or steps instead)");
        }
        Integer batchSize = s.integer("batch_size", 1);
        if (!s.has("batch_size")) {
            s.missing("batch_size", "an integer >= 1, the examples each worker takes per step");
        }
        Integer partitions = s.integer("partitions", 1);
        Integer depth = s.integer("aggregation_depth", 1);
        Integer stepsPerRound = s.integer("steps_per_round", 1);
        Long seed = s.whole("seed");
        String dtype = s.choice("dtype", TrainingConfig.DTYPES);
        String device = s.choice("device", TrainingConfig.DEVICES);
        Long jobTimeout = s.whole("job_timeout_seconds", 0);
        String mode = s.choice("mode", TrainingConfig.MODES);
        boolean local = TrainingConfig.LOCAL_SGD.equals(mode);
        Integer localSteps = null;
        OptimizerSpec outer = null;
        if (local) {
            localSteps = s.integer("local_steps", 1);
            if (!s.has("local_steps")) {
                s.missing("local_steps", "an integer >= 1, the minibatches each task steps through per round");
            }
            if (s.has("steps_per_round")) {
                s.fail("steps_per_round", "not used by mode local_sgd (it accumulates minibatches into one sync"
                        + " step); set local_steps instead");
            }
            Section o = s.section("outer_optimizer", OptimizerReader.KEYS);
            outer = o.present() ? OptimizerReader.read(o) : OptimizerSpec.of("sgd").withLr(1.0).resolved();
            ScheduleSpec schedule = inner == null ? null : inner.schedule();
            if (schedule != null && !("constant".equals(schedule.type())
                    && (schedule.warmupSteps() == null || schedule.warmupSteps() == 0))) {
                problems.at("optimizer.schedule", "mode local_sgd restarts the inner optimizer every round, so a"
                        + " schedule would restart too; put it on training.outer_optimizer.schedule instead");
            }
        } else {
            s.unused("local_steps", "mode " + (mode == null ? TrainingConfig.SYNC : mode) + " (only by local_sgd)");
            s.unused("outer_optimizer", "mode " + (mode == null ? TrainingConfig.SYNC : mode) + " (only by local_sgd)");
        }
        return new TrainingConfig(epochs, steps, batchSize != null ? batchSize : 0,
                or(partitions, TrainingConfig.DEFAULT_PARTITIONS), or(depth, TrainingConfig.DEFAULT_AGGREGATION_DEPTH),
                or(stepsPerRound, TrainingConfig.DEFAULT_STEPS_PER_ROUND),
                seed != null ? seed : TrainingConfig.DEFAULT_SEED, dtype != null ? dtype : "float32",
                device != null ? device : TrainingConfig.DEFAULT_DEVICE,
                jobTimeout != null ? jobTimeout : TrainingConfig.DEFAULT_JOB_TIMEOUT_SECONDS,
                mode != null ? mode : TrainingConfig.SYNC, local ? (localSteps != null ? localSteps : 1) : null, outer);
    }

    private static EvaluationConfig evaluation(Section s, int trainingBatchSize) {
        Long every = s.whole("every_steps", 0);
        Integer batchSize = s.integer("batch_size", 1);
        return new EvaluationConfig(every != null ? every : 0L, batchSize != null ? batchSize : trainingBatchSize);
    }

    private OutputConfig output(Section s) {
        String dir = Locations.read(s, "dir", workingDir);
        if (!s.has("dir")) {
            s.missing("dir", "a Hadoop URI or local path for the run's metrics and checkpoints");
        }
        Long logEvery = s.whole("log_every_steps", 1);
        return new OutputConfig(dir, logEvery != null ? logEvery : OutputConfig.DEFAULT_LOG_EVERY_STEPS);
    }

    private CheckpointConfig checkpoints(Section s, String outputDir) {
        String uri = Locations.read(s, "uri", workingDir);
        Long every = s.whole("every_steps", 0);
        Integer keep = s.integer("keep_last", 1);
        if (uri == null && outputDir != null) {
            uri = Locations.child(outputDir, "checkpoints");
        }
        return new CheckpointConfig(uri, every != null ? every : 0L, or(keep, CheckpointConfig.DEFAULT_KEEP_LAST));
    }

    /** {@code retrain:}: the metric must fit the task, and there must be a holdout to compare on. */
    private RetrainConfig retrain(Section s, DataConfig data, String name) {
        String registry = Locations.read(s, "registry", workingDir);
        if (!s.has("registry")) {
            s.missing("registry", "a Hadoop URI or local path: the model registry the champion lives in");
        }
        String model = s.text("model");
        if (model == null) {
            model = name;
        }
        if (!model.matches("[A-Za-z0-9_-][A-Za-z0-9._-]*")) {
            s.fail("model", "expected a registry model name (letters, digits, '.', '_' and '-', not starting with"
                    + " '.'), got '" + model + "'" + (s.has("model") ? "" : " (the config's name)"));
        }
        boolean classification = data.train() == null || data.train().task() == null || data.train().isClassification();
        String metric = s.choice("metric", RetrainConfig.METRICS);
        if (metric == null) {
            metric = classification ? "accuracy" : "rmse";
        } else if (metric.equals("accuracy") && !classification) {
            s.fail("metric", "accuracy needs class labels, but data.train.task is regression; use rmse or loss");
        } else if (metric.equals("rmse") && classification) {
            s.fail("metric", "rmse needs real-valued targets, but data.train.task is classification; use accuracy or loss");
        }
        Double margin = s.number("min_improvement");
        if (margin != null && !(Double.isFinite(margin) && margin >= 0)) {
            s.fail("min_improvement", "must be a finite number >= 0, got " + margin);
        }
        String optimizerState = s.choice("optimizer_state", RetrainConfig.OPTIMIZER_STATES);
        Integer epochs = s.integer("epochs", 1);
        String holdout = Locations.read(s, "holdout", workingDir);
        String holdoutLabels = Locations.read(s, "holdout_labels", workingDir);
        if (holdout == null && data.test() == null && !problems.reportedAtOrUnder("data")) {
            s.missing("holdout", "the data champion and challenger are compared on (a path in data.test's format),"
                    + " since the config has no data.test");
        }
        if (holdoutLabels != null && holdout == null) {
            s.fail("holdout_labels", "given without holdout; set holdout too (the labels belong to its images)");
        }
        return new RetrainConfig(registry, model, metric, margin != null ? margin : 0.0,
                optimizerState != null ? optimizerState : "fresh", epochs, holdout, holdoutLabels);
    }

    /** What no section can check alone: the loss needs the task's targets, the model the data's shape. */
    private void crossCheck(DataConfig data, ModelSpec model, LossConfig loss) {
        boolean dataBroken = problems.reportedAt("data") || problems.reportedAtOrUnder("data.train");
        if (dataBroken || data.train().task() == null || loss.type() == null) {
            return;
        }
        DatasetConfig train = data.train();
        boolean classification = train.isClassification();
        String lossPath = "loss.type";
        switch (loss.type()) {
            case "cross_entropy", "bce_with_logits" -> {
                if (!classification) {
                    problems.at(lossPath, loss.type() + " needs class labels, but data.train.task is regression;"
                            + " use mse or huber");
                }
            }
            default -> {
                if (classification) {
                    problems.at(lossPath, loss.type() + " needs real-valued targets, but data.train.task is"
                            + " classification; use cross_entropy (or bce_with_logits for two classes)");
                }
            }
        }
        if (loss.type().equals("bce_with_logits") && train.numClasses() != null && train.numClasses() != 2) {
            problems.at("data.train.num_classes", "bce_with_logits is for two classes, got " + train.numClasses());
        }
        if (model == null || problems.reportedAtOrUnder("model")) {
            return;
        }
        if (train.numFeatures() != null && train.numFeatures() != model.inputs()) {
            problems.at("model.inputs", "must equal data.train.num_features (" + train.numFeatures() + "), got "
                    + model.inputs());
        }
        Integer wanted = loss.type().equals("cross_entropy") ? train.numClasses() : Integer.valueOf(1);
        if (wanted != null && model.outputs() != wanted) {
            String why = loss.type().equals("cross_entropy") ? "one per class of data.train.num_classes"
                    : "one per example for " + loss.type();
            problems.at(lastLinear(model), "the model must output " + wanted + " value" + (wanted == 1 ? "" : "s")
                    + " (" + why + "), got " + model.outputs());
        }
    }

    /** The key path of the model's last linear layer, which sets its output width. */
    private static String lastLinear(ModelSpec model) {
        List<LayerSpec> layers = model.layers();
        int last = 0;
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).type().equals("linear")) {
                last = i;
            }
        }
        return "model.layers[" + last + "]";
    }

    private static String text(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : ConfigTree.describe(n);
    }

    private static void positive(Section s, String key, Double v) {
        if (v != null && !(Double.isFinite(v) && v > 0)) {
            s.fail(key, "must be a finite number > 0, got " + v);
        }
    }

    private static int or(Integer value, int fallback) {
        return value != null ? value : fallback;
    }
}
