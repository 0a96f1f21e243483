package io.treegrad.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SGD with (heavy-ball) momentum, torch {@code SGD(lr, momentum=μ, dampening=0, weight_decay=λ)}:
 *
 * <pre>
 *   d_t = g_t + λ·θ_{t−1}
 *   v_t = μ·v_{t−1} + d_t          (v_0 = 0, so v_1 = d_1 as torch's first step)
 *   θ_t = θ_{t−1} − η_t·v_t
 * </pre>
 *
 * State: "velocity" (torch's {@code momentum_buffer}). NOTE: the learning rate multiplies the
 * velocity when it is applied, not when it is accumulated (torch's form, not Sutskever's): a
 * schedule's change of η_t takes effect at once on the whole accumulated velocity.
 */
public final class SgdMomentum extends Optimizer {
    static final String VELOCITY = "velocity";
    private final double momentum;
    private final double weightDecay;

    public SgdMomentum(double lr, double momentum) {
        this(LrSchedule.constant(lr), momentum, 0);
    }

    public SgdMomentum(LrSchedule lr, double momentum, double weightDecay) {
        super("momentum", lr, weightDecay == 0 ? 0 : 1, VELOCITY);
        new Check().unitInterval("momentum", momentum).nonNegative("weightDecay", weightDecay).orThrow();
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(INDArray params, INDArray grad, double lr, long t) {
        INDArray d = withWeightDecay(grad, params, weightDecay, weightDecay == 0 ? null : scratch(0));
        INDArray v = buffer(VELOCITY);
        v.muli(momentum);
        Flat.axpy(1, d, v);
        Flat.axpy(-lr, v, params);
    }

    @Override
    public String toString() {
        return "momentum(lr=" + schedule() + ", momentum=" + momentum + ", weightDecay=" + weightDecay + ")";
    }
}
