package io.treegrad.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * RMSProp (Hinton, 2012), torch {@code RMSprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=λ)},
 * not centered, without momentum:
 *
 * <pre>
 *   d_t = g_t + λ·θ_{t−1}
 *   a_t = α·a_{t−1} + (1 − α)·d_t ⊙ d_t        (a_0 = 0)
 *   θ_t = θ_{t−1} − η_t·d_t ⊘ (√a_t + ε)
 * </pre>
 *
 * State: "squareAvg". NOTE: ε is added after the square root (as torch; TensorFlow adds it inside),
 * and a_t is not bias-corrected, so the first steps are large: |Δθ| ≈ η/√(1 − α) = 10η at α 0.99.
 */
public final class RmsProp extends Optimizer {
    static final String SQUARE_AVG = "squareAvg";
    public static final double DEFAULT_LR = 1e-2;
    public static final double DEFAULT_ALPHA = 0.99;
    public static final double DEFAULT_EPS = 1e-8;
    private final double alpha;
    private final double eps;
    private final double weightDecay;

    /** torch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay. */
    public RmsProp() {
        this(DEFAULT_LR);
    }

    public RmsProp(double lr) {
        this(LrSchedule.constant(lr), DEFAULT_ALPHA, DEFAULT_EPS, 0);
    }

    public RmsProp(LrSchedule lr, double alpha, double eps, double weightDecay) {
        super("rmsprop", lr, weightDecay == 0 ? 1 : 2, SQUARE_AVG);
        new Check().unitInterval("alpha", alpha).positive("eps", eps).nonNegative("weightDecay", weightDecay)
                .orThrow();
        this.alpha = alpha;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(INDArray params, INDArray grad, double lr, long t) {
        INDArray d = withWeightDecay(grad, params, weightDecay, weightDecay == 0 ? null : scratch(1));
        INDArray a = buffer(SQUARE_AVG);
        INDArray tmp = scratch(0);
        Flat.square(d, tmp);
        a.muli(alpha);
        Flat.axpy(1 - alpha, tmp, a);
        Flat.sqrt(a, tmp);
        tmp.addi(eps);
        Flat.divide(d, tmp, tmp);
        Flat.axpy(-lr, tmp, params);
    }

    @Override
    public String toString() {
        return "rmsprop(lr=" + schedule() + ", alpha=" + alpha + ", eps=" + eps + ", weightDecay=" + weightDecay + ")";
    }
}
