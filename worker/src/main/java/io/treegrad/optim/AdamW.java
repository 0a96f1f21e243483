package io.treegrad.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW (Loshchilov and Hutter, 2019), torch {@code AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
 * weight_decay=1e-2)}, without amsgrad: Adam on the raw gradient, with the weight decay applied to
 * the parameters directly and scaled by the learning rate (not by the adaptive denominator):
 *
 * <pre>
 *   θ'  = (1 − η_t·λ)·θ_{t−1}
 *   m_t = β₁·m_{t−1} + (1 − β₁)·g_t             (m_0 = v_0 = 0)
 *   v_t = β₂·v_{t−1} + (1 − β₂)·g_t ⊙ g_t
 *   θ_t = θ' − η_t/(1 − β₁^t) · m_t ⊘ (√v_t/√(1 − β₂^t) + ε)
 * </pre>
 *
 * State: "m", "v". NOTE: the default λ is 0.01, not 0 as in {@link Adam}.
 */
public final class AdamW extends Optimizer {
    public static final double DEFAULT_WEIGHT_DECAY = 1e-2;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;

    /** torch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2. */
    public AdamW() {
        this(Adam.DEFAULT_LR);
    }

    public AdamW(double lr) {
        this(LrSchedule.constant(lr), Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPS, DEFAULT_WEIGHT_DECAY);
    }

    public AdamW(LrSchedule lr, double beta1, double beta2, double eps, double weightDecay) {
        super("adamw", lr, 1, Adam.M, Adam.V);
        Adam.check(beta1, beta2, eps, weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    @Override
    protected void update(INDArray params, INDArray grad, double lr, long t) {
        if (weightDecay != 0) {
            params.muli(1 - lr * weightDecay);
        }
        Adam.adamUpdate(params, grad, buffer(Adam.M), buffer(Adam.V), scratch(0), lr, t, beta1, beta2, eps);
    }

    @Override
    public String toString() {
        return "adamw(lr=" + schedule() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps
                + ", weightDecay=" + weightDecay + ")";
    }
}
