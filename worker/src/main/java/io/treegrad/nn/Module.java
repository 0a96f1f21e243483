package io.treegrad.nn;

import io.treegrad.autodiff.Tensor;

/** A layer or a stack of layers: a function of a batch [n, features]. */
public interface Module {
    Tensor forward(Tensor x, Mode mode);
}
