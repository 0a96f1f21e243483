package io.treegrad.driver.config;

import java.util.List;

/**
 * {@code data.scaling}: the per-feature scaler fitted on the training set
 * ({@link io.treegrad.data.FeatureScaler}).
 *
 * @param method   {@code none} (the default), {@code divide} (x / constant), {@code minmax} (to
 *                 [0, 1] on the training set) or {@code standardize} (zero mean, unit variance)
 * @param constant the divisor for {@code divide} (255 for pixels); null otherwise
 */
public record ScalingConfig(String method, Double constant) {
    public static final List<String> METHODS = List.of("none", "divide", "minmax", "standardize");

    public static ScalingConfig none() {
        return new ScalingConfig("none", null);
    }
}
