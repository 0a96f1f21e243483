package io.treegrad.driver.config;

import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.OptimizerSpec;

/**
 * One experiment, fully resolved: every default filled in, every path absolute or a URI. Made by
 * {@link ConfigLoader} from a YAML file (the format is described in {@code package-info.java}),
 * written back by {@link ConfigWriter}; the same text loads to an equal record.
 *
 * @param name     the run's name; defaults to the config file's name without its extension
 * @param model    the network, as the worker's plain-data description
 * @param optimizer the update rule, resolved ({@link OptimizerSpec#resolved()})
 * @param retrain  how {@code treegrad retrain} works on this experiment; null when the config has no
 *                 {@code retrain:} section
 */
public record ExperimentConfig(String name, DataConfig data, ModelSpec model, LossConfig loss,
                               OptimizerSpec optimizer, TrainingConfig training, EvaluationConfig evaluation,
                               CheckpointConfig checkpoints, OutputConfig output, RetrainConfig retrain) {
    /** An experiment without a {@code retrain:} section. */
    public ExperimentConfig(String name, DataConfig data, ModelSpec model, LossConfig loss, OptimizerSpec optimizer,
                            TrainingConfig training, EvaluationConfig evaluation, CheckpointConfig checkpoints,
                            OutputConfig output) {
        this(name, data, model, loss, optimizer, training, evaluation, checkpoints, output, null);
    }
}
