package io.treegrad.driver.config;

import java.util.List;

/**
 * {@code retrain:}: how {@code treegrad retrain CONFIG --date YYYY-MM-DD} turns a new data partition
 * into a challenger and decides whether it replaces the champion (the registry's {@code current}).
 *
 * @param registry       the model registry's root (any Hadoop URI or local path)
 * @param model          the model's name in the registry; defaults to the config's {@code name}
 * @param metric         what decides: {@code accuracy} (higher is better; classification),
 *                       {@code loss} or {@code rmse} (lower is better; rmse for regression). Default:
 *                       accuracy for classification, rmse for regression
 * @param minImprovement the challenger is promoted when it beats the champion by at least this much
 *                       (in the metric's units, ≥ 0; default 0: any strict improvement)
 * @param optimizerState {@code fresh} (the default: a new optimizer on the champion's parameters) or
 *                       {@code carried} (the champion's final optimizer state too)
 * @param epochs         epochs over the day's partition; null: {@code training.epochs} / {@code steps}
 * @param holdout        the data both models are evaluated on; null: {@code data.test}'s path
 * @param holdoutLabels  idx only: the holdout's labels file; null: {@code data.test.labels}
 */
public record RetrainConfig(String registry, String model, String metric, double minImprovement,
                            String optimizerState, Integer epochs, String holdout, String holdoutLabels) {
    public static final List<String> KEYS = List.of("registry", "model", "metric", "min_improvement",
            "optimizer_state", "epochs", "holdout", "holdout_labels");
    public static final List<String> METRICS = List.of("accuracy", "loss", "rmse");
    public static final List<String> OPTIMIZER_STATES = List.of("fresh", "carried");
    /** What a data path names to be replaced by the date being retrained. */
    public static final String DATE = "{date}";

    /** Whether a larger value of {@link #metric} is better. */
    public boolean higherIsBetter() {
        return metric.equals("accuracy");
    }

    public boolean carriesOptimizerState() {
        return optimizerState.equals("carried");
    }
}
