package io.treegrad.loss;

import io.treegrad.autodiff.Tensor;

/** L = mean over all n·k elements of (y − t)² (PyTorch's MSELoss, reduction 'mean'). */
public final class MeanSquaredError implements Loss {
    @Override
    public Tensor compute(Tensor output, Targets targets) {
        Tensor r = output.sub(Loss.valuesLike(output, targets, "mse"));
        return r.mul(r).mean();
    }
}
