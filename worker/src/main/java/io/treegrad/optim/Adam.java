package io.treegrad.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam (Kingma and Ba, 2015), torch {@code Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
 * weight_decay=λ)}, without amsgrad; λ is an L2 term added to the gradient (see {@link AdamW} for
 * decoupled decay):
 *
 * <pre>
 *   d_t = g_t + λ·θ_{t−1}
 *   m_t = β₁·m_{t−1} + (1 − β₁)·d_t             (m_0 = v_0 = 0)
 *   v_t = β₂·v_{t−1} + (1 − β₂)·d_t ⊙ d_t
 *   θ_t = θ_{t−1} − η_t/(1 − β₁^t) · m_t ⊘ (√v_t/√(1 − β₂^t) + ε)
 * </pre>
 *
 * State: "m", "v". NOTE: ε is added after the bias-corrected square root, as torch does; DL4J and
 * libnd4j's fused {@code adam_updater} add it to the uncorrected √v_t, which at step 1 with
 * β₂ = 0.999 is an ε ~32× larger. The 10 passes per step are dominated by the square root.
 */
public final class Adam extends Optimizer {
    static final String M = "m";
    static final String V = "v";
    public static final double DEFAULT_LR = 1e-3;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPS = 1e-8;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;

    /** torch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam() {
        this(DEFAULT_LR);
    }

    public Adam(double lr) {
        this(LrSchedule.constant(lr), DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, 0);
    }

    public Adam(LrSchedule lr, double beta1, double beta2, double eps, double weightDecay) {
        super("adam", lr, weightDecay == 0 ? 1 : 2, M, V);
        check(beta1, beta2, eps, weightDecay);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    static void check(double beta1, double beta2, double eps, double weightDecay) {
        new Check().unitInterval("beta1", beta1).unitInterval("beta2", beta2).positive("eps", eps)
                .nonNegative("weightDecay", weightDecay).orThrow();
    }

    @Override
    protected void update(INDArray params, INDArray grad, double lr, long t) {
        INDArray d = withWeightDecay(grad, params, weightDecay, weightDecay == 0 ? null : scratch(1));
        adamUpdate(params, d, buffer(M), buffer(V), scratch(0), lr, t, beta1, beta2, eps);
    }

    /** The moment updates and the bias-corrected step of the formula above, shared with AdamW. */
    static void adamUpdate(INDArray params, INDArray d, INDArray m, INDArray v, INDArray tmp,
                           double lr, long t, double beta1, double beta2, double eps) {
        m.muli(beta1);
        Flat.axpy(1 - beta1, d, m);
        Flat.square(d, tmp);
        v.muli(beta2);
        Flat.axpy(1 - beta2, tmp, v);

        double biasCorrection1 = 1 - Math.pow(beta1, t);
        double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        Flat.sqrt(v, tmp);
        tmp.divi(biasCorrection2Sqrt);
        tmp.addi(eps);
        Flat.divide(m, tmp, tmp);
        Flat.axpy(-lr / biasCorrection1, tmp, params);
    }

    @Override
    public String toString() {
        return "adam(lr=" + schedule() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps
                + ", weightDecay=" + weightDecay + ")";
    }
}
