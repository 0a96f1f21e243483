package io.treegrad.nn;

import java.util.Locale;

/**
 * One layer of a model description: {@code linear} (units, init), an activation ({@code relu},
 * {@code leaky_relu} with slope, {@code tanh}, {@code sigmoid}, {@code gelu}) or {@code dropout}
 * (rate). Plain data, so a YAML config can say it.
 *
 * @param rate the leaky-ReLU slope or the dropout probability; null where unused
 * @param init {@code he}, {@code xavier} or {@code zeros} for linear layers; null: he before a
 *             ReLU-family activation, xavier otherwise
 */
public record LayerSpec(String type, Integer units, Double rate, String init) implements java.io.Serializable {
    public LayerSpec {
        type = type == null ? null : type.trim().toLowerCase(Locale.ROOT);
    }

    public static LayerSpec linear(int units) {
        return new LayerSpec("linear", units, null, null);
    }

    public static LayerSpec linear(int units, String init) {
        return new LayerSpec("linear", units, null, init);
    }

    public static LayerSpec activation(String name) {
        return new LayerSpec(name, null, null, null);
    }

    public static LayerSpec leakyRelu(double slope) {
        return new LayerSpec("leaky_relu", null, slope, null);
    }

    public static LayerSpec dropout(double p) {
        return new LayerSpec("dropout", null, p, null);
    }

    boolean isLinear() {
        return "linear".equals(type);
    }

    boolean isDropout() {
        return "dropout".equals(type);
    }
}
