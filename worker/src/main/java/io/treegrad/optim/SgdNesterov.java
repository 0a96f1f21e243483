package io.treegrad.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SGD with Nesterov momentum, torch {@code SGD(lr, momentum=μ, nesterov=True, dampening=0,
 * weight_decay=λ)}:
 *
 * <pre>
 *   d_t = g_t + λ·θ_{t−1}
 *   v_t = μ·v_{t−1} + d_t          (v_0 = 0)
 *   θ_t = θ_{t−1} − η_t·(d_t + μ·v_t)
 * </pre>
 *
 * the look-ahead form of Sutskever et al. (2013) in which the gradient is taken at θ itself.
 * State: "velocity". NOTE: the last line is applied as two axpys, θ −= η·d then θ −= η·μ·v, to
 * skip a pass that would form d + μ·v: the result differs from torch's only in the last bit.
 */
public final class SgdNesterov extends Optimizer {
    static final String VELOCITY = "velocity";
    private final double momentum;
    private final double weightDecay;

    public SgdNesterov(double lr, double momentum) {
        this(LrSchedule.constant(lr), momentum, 0);
    }

    public SgdNesterov(LrSchedule lr, double momentum, double weightDecay) {
        super("nesterov", lr, weightDecay == 0 ? 0 : 1, VELOCITY);
        Check c = new Check().unitInterval("momentum", momentum).nonNegative("weightDecay", weightDecay);
        if (c.ok() && momentum == 0) {
            c.fail("momentum", "must be > 0 for Nesterov momentum, got 0.0");
        }
        c.orThrow();
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(INDArray params, INDArray grad, double lr, long t) {
        INDArray d = withWeightDecay(grad, params, weightDecay, weightDecay == 0 ? null : scratch(0));
        INDArray v = buffer(VELOCITY);
        v.muli(momentum);
        Flat.axpy(1, d, v);
        Flat.axpy(-lr, d, params);
        Flat.axpy(-lr * momentum, v, params);
    }

    @Override
    public String toString() {
        return "nesterov(lr=" + schedule() + ", momentum=" + momentum + ", weightDecay=" + weightDecay + ")";
    }
}
