package io.treegrad.nn;

import io.treegrad.autodiff.Tensor;
import java.util.Locale;

/** Elementwise activations as layers. */
public enum Activation {
    RELU, LEAKY_RELU, TANH, SIGMOID,
    /** GELU, tanh approximation (PyTorch's approximate='tanh'): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
    GELU;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    public static Activation parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_').replace("LEAKYRELU", "LEAKY_RELU"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown activation '" + name
                    + "': expected relu, leaky_relu, tanh, sigmoid or gelu");
        }
    }

    /** The layer; {@code slope} is used by LEAKY_RELU only. */
    public Module layer(double slope) {
        return (x, mode) -> apply(x, slope);
    }

    public Tensor apply(Tensor x, double slope) {
        return switch (this) {
            case RELU -> x.relu();
            case LEAKY_RELU -> x.leakyRelu(slope);
            case TANH -> x.tanh();
            case SIGMOID -> x.sigmoid();
            // composite of existing ops: no backward of its own to get wrong
            case GELU -> x.mul(0.5).mul(x.pow(3).mul(0.044715).add(x).mul(SQRT_2_OVER_PI).tanh().add(1));
        };
    }
}
