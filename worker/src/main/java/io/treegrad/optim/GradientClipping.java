package io.treegrad.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Gradient clipping of the flat gradient buffer, in place. */
public final class GradientClipping {
    /** torch's guard against dividing by a zero norm; it also keeps a gradient exactly at the limit. */
    static final double NORM_EPS = 1e-6;

    private GradientClipping() {}

    /**
     * Rescales {@code grad} in place so that its global L2 norm is at most {@code maxNorm}, as
     * {@code torch.nn.utils.clip_grad_norm_}: with n = ‖g‖₂ and c = maxNorm / (n + 10⁻⁶),
     * g ← min(c, 1)·g. Over one flat buffer the global norm of all parameters is the buffer's norm.
     *
     * <p>NOTE: a non-finite norm (NaN or ∞ in the gradient) leaves {@code grad} as it is (torch
     * would fill it with NaN) and is returned, for the caller's divergence check to act on.
     *
     * @return n, the norm before clipping
     */
    public static double clipByGlobalNorm(INDArray grad, double maxNorm) {
        new Check().positive("maxNorm", maxNorm).orThrow();
        double norm = Flat.norm2(grad);
        double coefficient = maxNorm / (norm + NORM_EPS);
        if (Double.isFinite(norm) && coefficient < 1) {
            grad.muli(coefficient);
        }
        return norm;
    }
}
