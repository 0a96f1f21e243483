package io.treegrad.nn;

import io.treegrad.autodiff.Tensor;

/** Inverted dropout in training mode (mask seeded per pass and layer), the identity in evaluation. */
public record Dropout(double p, int layerIndex) implements Module {
    public Dropout {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout p must be in [0, 1), got " + p);
        }
    }

    @Override
    public Tensor forward(Tensor x, Mode mode) {
        return mode.training() && p > 0 ? x.dropout(p, mode.seedFor(layerIndex)) : x;
    }
}
