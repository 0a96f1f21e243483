package io.treegrad.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdaGrad (Duchi, Hazan and Singer, 2011), torch {@code Adagrad(lr=1e-2, eps=1e-10,
 * weight_decay=λ)} with {@code lr_decay=0} and {@code initial_accumulator_value=0} (torch's
 * {@code lr_decay} is {@link LrSchedule#inverseTime}):
 *
 * <pre>
 *   d_t = g_t + λ·θ_{t−1}
 *   s_t = s_{t−1} + d_t ⊙ d_t                  (s_0 = 0)
 *   θ_t = θ_{t−1} − η_t·d_t ⊘ (√s_t + ε)
 * </pre>
 *
 * State: "sumSq".
 */
public final class AdaGrad extends Optimizer {
    static final String SUM_SQ = "sumSq";
    public static final double DEFAULT_LR = 1e-2;
    public static final double DEFAULT_EPS = 1e-10;
    private final double eps;
    private final double weightDecay;

    /** torch's defaults: lr 1e-2, eps 1e-10, no weight decay. */
    public AdaGrad() {
        this(DEFAULT_LR);
    }

    public AdaGrad(double lr) {
        this(LrSchedule.constant(lr), DEFAULT_EPS, 0);
    }

    public AdaGrad(LrSchedule lr, double eps, double weightDecay) {
        super("adagrad", lr, weightDecay == 0 ? 1 : 2, SUM_SQ);
        new Check().positive("eps", eps).nonNegative("weightDecay", weightDecay).orThrow();
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(INDArray params, INDArray grad, double lr, long t) {
        INDArray d = withWeightDecay(grad, params, weightDecay, weightDecay == 0 ? null : scratch(1));
        INDArray s = buffer(SUM_SQ);
        INDArray tmp = scratch(0);
        Flat.square(d, tmp);
        s.addi(tmp);
        Flat.sqrt(s, tmp);
        tmp.addi(eps);
        Flat.divide(d, tmp, tmp);
        Flat.axpy(-lr, tmp, params);
    }

    @Override
    public String toString() {
        return "adagrad(lr=" + schedule() + ", eps=" + eps + ", weightDecay=" + weightDecay + ")";
    }
}
