package io.treegrad.driver.config;

import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.OptimizerSpec;
import io.treegrad.optim.ScheduleSpec;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.DumperOptions.FlowStyle;
import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A resolved {@link ExperimentConfig} as YAML in the format {@link ConfigLoader} reads, every
 * default written out (what a run records as its provenance). Loading the text again gives an
 * equal record. Null fields (a format's unused keys, no test set) are left out.
 */
public final class ConfigWriter {
    private ConfigWriter() {}

    public static String toYaml(ExperimentConfig c) {
        MappingNode root = block();
        put(root, "name", str(c.name()));
        put(root, "data", data(c.data()));
        put(root, "model", model(c.model()));
        put(root, "loss", loss(c.loss()));
        put(root, "optimizer", optimizer(c.optimizer()));
        put(root, "training", training(c.training()));
        put(root, "evaluation", evaluation(c.evaluation()));
        put(root, "checkpoints", checkpoints(c.checkpoints()));
        put(root, "output", output(c.output()));
        put(root, "retrain", c.retrain() == null ? null : retrain(c.retrain()));
        DumperOptions options = new DumperOptions();
        options.setIndent(2);
        options.setIndicatorIndent(2);
        options.setIndentWithIndicator(true);
        options.setWidth(120);
        options.setSplitLines(false);
        StringWriter out = new StringWriter();
        out.write("# the resolved config: every default written out\n");
        new Yaml(options).serialize(root, out);
        return out.toString();
    }

    private static Node data(DataConfig d) {
        MappingNode m = block();
        put(m, "train", dataset(d.train()));
        put(m, "test", d.test() == null ? null : dataset(d.test()));
        MappingNode scaling = block();
        put(scaling, "method", str(d.scaling().method()));
        put(scaling, "constant", num(d.scaling().constant()));
        put(m, "scaling", scaling);
        put(m, "bad_records", str(d.badRecords()));
        return m;
    }

    private static Node dataset(DatasetConfig d) {
        MappingNode m = block();
        put(m, "format", str(d.format()));
        put(m, "path", str(d.path()));
        put(m, "labels", str(d.labels()));
        put(m, "label_column", str(d.labelColumn()));
        put(m, "header", d.header() == null ? null : scalar(Tag.BOOL, d.header().toString()));
        put(m, "delimiter", str(d.delimiter()));
        put(m, "skip_lines", whole(d.skipLines()));
        put(m, "features_column", str(d.featuresColumn()));
        put(m, "num_features", whole(d.numFeatures()));
        put(m, "num_classes", whole(d.numClasses()));
        put(m, "task", str(d.task()));
        return m;
    }

    private static Node model(ModelSpec spec) {
        MappingNode m = block();
        put(m, "inputs", whole(spec.inputs()));
        List<Node> layers = new ArrayList<>();
        for (LayerSpec l : spec.layers()) {
            layers.add(layer(l));
        }
        put(m, "layers", new SequenceNode(Tag.SEQ, layers, FlowStyle.BLOCK));
        return m;
    }

    /**
     * The compact form: {@code {linear: 256, init: he}}, {@code relu},
     * {@code {dropout: 0.2}}, {@code {leaky_relu: 0.1}}.
     */
    private static Node layer(LayerSpec l) {
        MappingNode m = new MappingNode(Tag.MAP, new ArrayList<>(), FlowStyle.FLOW);
        switch (l.type()) {
            case "linear" -> {
                put(m, "linear", whole(l.units()));
                put(m, "init", str(l.init()));
            }
            case "dropout", "leaky_relu" -> {
                if (l.rate() == null) {
                    return str(l.type());
                }
                put(m, l.type(), num(l.rate()));
            }
            default -> {
                return str(l.type());
            }
        }
        return m;
    }

    private static Node loss(LossConfig l) {
        MappingNode m = block();
        put(m, "type", str(l.type()));
        put(m, "delta", num(l.delta()));
        put(m, "l2", num(l.l2()));
        return m;
    }

    private static Node optimizer(OptimizerSpec o) {
        MappingNode m = block();
        put(m, "type", str(o.type()));
        put(m, "lr", num(o.lr()));
        put(m, "momentum", num(o.momentum()));
        put(m, "nesterov", o.nesterov() == null ? null : scalar(Tag.BOOL, o.nesterov().toString()));
        if (o.betas() != null) {
            List<Node> betas = new ArrayList<>();
            for (Double b : o.betas()) {
                betas.add(num(b));
            }
            put(m, "betas", new SequenceNode(Tag.SEQ, betas, FlowStyle.FLOW));
        }
        put(m, "alpha", num(o.alpha()));
        put(m, "eps", num(o.eps()));
        put(m, "weight_decay", num(o.weightDecay()));
        put(m, "clip_norm", num(o.clipNorm()));
        ScheduleSpec s = o.schedule();
        if (s != null) {
            MappingNode schedule = block();
            put(schedule, "type", str(s.type()));
            put(schedule, "step_size", whole(s.stepSize()));
            put(schedule, "gamma", num(s.gamma()));
            put(schedule, "decay", num(s.decay()));
            put(schedule, "t_max", whole(s.tMax()));
            put(schedule, "min_lr", num(s.minLr()));
            put(schedule, "warmup_steps", whole(s.warmupSteps()));
            put(m, "schedule", schedule);
        }
        return m;
    }

    private static Node training(TrainingConfig t) {
        MappingNode m = block();
        put(m, "epochs", whole(t.epochs()));
        put(m, "steps", whole(t.steps()));
        put(m, "batch_size", whole(t.batchSize()));
        put(m, "partitions", whole(t.partitions()));
        put(m, "aggregation_depth", whole(t.aggregationDepth()));
        put(m, "steps_per_round", whole(t.stepsPerRound()));
        put(m, "seed", whole(t.seed()));
        put(m, "dtype", str(t.dtype()));
        put(m, "device", str(t.device()));
        put(m, "job_timeout_seconds", whole(t.jobTimeoutSeconds()));
        put(m, "mode", str(t.mode()));
        put(m, "local_steps", whole(t.localSteps()));
        if (t.outerOptimizer() != null) {
            put(m, "outer_optimizer", optimizer(t.outerOptimizer()));
        }
        return m;
    }

    private static Node evaluation(EvaluationConfig e) {
        MappingNode m = block();
        put(m, "every_steps", whole(e.everySteps()));
        put(m, "batch_size", whole(e.batchSize()));
        return m;
    }

    private static Node checkpoints(CheckpointConfig c) {
        MappingNode m = block();
        put(m, "uri", str(c.uri()));
        put(m, "every_steps", whole(c.everySteps()));
        put(m, "keep_last", whole(c.keepLast()));
        return m;
    }

    private static Node output(OutputConfig o) {
        MappingNode m = block();
        put(m, "dir", str(o.dir()));
        put(m, "log_every_steps", whole(o.logEverySteps()));
        return m;
    }

    private static Node retrain(RetrainConfig r) {
        MappingNode m = block();
        put(m, "registry", str(r.registry()));
        put(m, "model", str(r.model()));
        put(m, "metric", str(r.metric()));
        put(m, "min_improvement", num(r.minImprovement()));
        put(m, "optimizer_state", str(r.optimizerState()));
        put(m, "epochs", whole(r.epochs()));
        put(m, "holdout", str(r.holdout()));
        put(m, "holdout_labels", str(r.holdoutLabels()));
        return m;
    }

    private static MappingNode block() {
        return new MappingNode(Tag.MAP, new ArrayList<>(), FlowStyle.BLOCK);
    }

    /** Adds {@code key: value} unless the value is null. */
    private static void put(MappingNode m, String key, Node value) {
        if (value != null) {
            m.getValue().add(new NodeTuple(str(key), value));
        }
    }

    private static Node str(String s) {
        return s == null ? null : scalar(Tag.STR, s);
    }

    private static Node whole(Number n) {
        return n == null ? null : scalar(Tag.INT, Long.toString(n.longValue()));
    }

    /** {@link Double#toString} round-trips exactly and reads back as a YAML float (0.001, 1.0E-8). */
    private static Node num(Double d) {
        if (d == null) {
            return null;
        }
        String text = d.isNaN() ? ".nan" : d.isInfinite() ? (d > 0 ? ".inf" : "-.inf") : d.toString();
        return scalar(Tag.FLOAT, text);
    }

    /** A scalar the emitter writes plain when the text reads back as {@code tag}, quoted otherwise. */
    private static ScalarNode scalar(Tag tag, String value) {
        return new ScalarNode(tag, value, null, null, ScalarStyle.PLAIN);
    }
}
