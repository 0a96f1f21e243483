package io.treegrad.nn;

import io.treegrad.autodiff.Tensor;

/** y = x·W + b with W [in, out] and b [out] (views into the model's flat buffer). */
public record Linear(Tensor weight, Tensor bias) implements Module {
    @Override
    public Tensor forward(Tensor x, Mode mode) {
        return Tensor.linear(x, weight, bias);
    }
}
