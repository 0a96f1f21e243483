package io.treegrad.loss;

import io.treegrad.autodiff.Tensor;

/**
 * L = (1/n) Σᵢ −log softmax(zᵢ)[yᵢ], from logits z [n, classes] and integer labels; the fused,
 * log-sum-exp-stable op.
 */
public final class SoftmaxCrossEntropyLoss implements Loss {
    @Override
    public Tensor compute(Tensor output, Targets targets) {
        return Tensor.softmaxCrossEntropy(output, targets.requireLabels("cross_entropy"));
    }
}
