package io.treegrad.nn;

import java.util.ArrayList;
import java.util.List;

/**
 * A model as plain data: the number of input features and the layers. Validated when made, with
 * errors that name the layer ({@code layers[2].units: must be >= 1, got 0}).
 */
public record ModelSpec(int inputs, List<LayerSpec> layers) implements java.io.Serializable {
    public ModelSpec {
        if (inputs < 1) {
            throw new IllegalArgumentException("inputs: must be >= 1, got " + inputs);
        }
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("layers: a model needs at least one layer");
        }
        layers = List.copyOf(layers);
        boolean anyLinear = false;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            String at = "layers[" + i + "]";
            if (l.type() == null) {
                throw new IllegalArgumentException(at + ".type: missing; expected linear, an activation or dropout");
            }
            if (l.isLinear()) {
                anyLinear = true;
                if (l.units() == null || l.units() < 1) {
                    throw new IllegalArgumentException(at + ".units: must be >= 1, got " + l.units());
                }
                if (l.init() != null) {
                    Init.parse(l.init());
                }
            } else if (l.isDropout()) {
                if (l.rate() == null || !(l.rate() >= 0 && l.rate() < 1)) {
                    throw new IllegalArgumentException(at + ".rate: dropout probability must be in [0, 1), got "
                            + l.rate());
                }
            } else {
                try {
                    Activation.parse(l.type());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(at + ".type: " + e.getMessage() + ", linear or dropout");
                }
                if (l.units() != null) {
                    throw new IllegalArgumentException(at + ".units: only linear layers have units");
                }
            }
        }
        if (!anyLinear) {
            throw new IllegalArgumentException("layers: a model needs at least one linear layer");
        }
    }

    /** The width of the output. */
    public int outputs() {
        int width = inputs;
        for (LayerSpec l : layers) {
            if (l.isLinear()) {
                width = l.units();
            }
        }
        return width;
    }

    /** Multinomial logistic regression: one linear layer to class logits. */
    public static ModelSpec logisticRegression(int inputs, int classes) {
        return new ModelSpec(inputs, List.of(LayerSpec.linear(classes, "zeros")));
    }

    /** Linear regression: one linear layer to one output. */
    public static ModelSpec linearRegression(int inputs) {
        return new ModelSpec(inputs, List.of(LayerSpec.linear(1, "zeros")));
    }

    /** An MLP with the given hidden widths and activation, ending in a linear layer of {@code outputs}. */
    public static ModelSpec mlp(int inputs, int[] hidden, int outputs, String activation) {
        List<LayerSpec> layers = new ArrayList<>();
        for (int h : hidden) {
            layers.add(LayerSpec.linear(h));
            layers.add(LayerSpec.activation(activation));
        }
        layers.add(LayerSpec.linear(outputs));
        return new ModelSpec(inputs, layers);
    }
}
