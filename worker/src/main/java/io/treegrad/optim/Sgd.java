package io.treegrad.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain stochastic gradient descent, torch {@code SGD(lr, weight_decay=λ)}:
 *
 * <pre>
 *   d_t = g_t + λ·θ_{t−1}
 *   θ_t = θ_{t−1} − η_t·d_t
 * </pre>
 *
 * No state buffers. One BLAS axpy per step (three passes with weight decay).
 */
public final class Sgd extends Optimizer {
    private final double weightDecay;

    /** torch {@code SGD(lr)}: no weight decay (torch has no default learning rate). */
    public Sgd(double lr) {
        this(LrSchedule.constant(lr), 0);
    }

    public Sgd(LrSchedule lr, double weightDecay) {
        super("sgd", lr, weightDecay == 0 ? 0 : 1);
        new Check().nonNegative("weightDecay", weightDecay).orThrow();
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(INDArray params, INDArray grad, double lr, long t) {
        INDArray d = withWeightDecay(grad, params, weightDecay, weightDecay == 0 ? null : scratch(0));
        Flat.axpy(-lr, d, params);
    }

    @Override
    public String toString() {
        return "sgd(lr=" + schedule() + ", weightDecay=" + weightDecay + ")";
    }
}
