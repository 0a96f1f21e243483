package io.treegrad.loss;

import io.treegrad.autodiff.Tensor;

/**
 * L = mean over elements of ½r² where |r| ≤ δ, δ(|r| − ½δ) elsewhere, with r = y − t (PyTorch's
 * HuberLoss). Composite: with c = clamp(r, −δ, δ), ½c² + δ(|r| − |c|) equals both branches.
 */
public final class Huber implements Loss {
    private final double delta;

    public Huber(double delta) {
        if (!(delta > 0)) {
            throw new IllegalArgumentException("huber delta must be > 0, got " + delta);
        }
        this.delta = delta;
    }

    @Override
    public Tensor compute(Tensor output, Targets targets) {
        Tensor r = output.sub(Loss.valuesLike(output, targets, "huber"));
        Tensor c = r.clamp(-delta, delta);
        return c.mul(c).mul(0.5).add(r.abs().sub(c.abs()).mul(delta)).mean();
    }
}
