package io.treegrad.driver.config;

/**
 * {@code evaluation:}: when and how the test set is evaluated.
 *
 * @param everySteps every this many optimizer steps; 0 (the default) evaluates once per epoch
 * @param batchSize  examples per evaluation batch; defaults to {@code training.batch_size}
 */
public record EvaluationConfig(Long everySteps, Integer batchSize) {
}
