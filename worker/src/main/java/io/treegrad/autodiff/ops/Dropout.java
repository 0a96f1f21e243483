package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Inverted dropout: y = x · m / (1 − p) with m ~ Bernoulli(1 − p) drawn from {@code seed}, so a step
 * is a pure function of its seed on every backend. ∂y/∂x = m / (1 − p).
 */
public final class Dropout extends Function {
    private final double p;
    private final long seed;

    public Dropout(double p, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        }
        this.p = p;
        this.seed = seed;
    }

    @Override protected INDArray forward(INDArray... x) {
        double keep = 1.0 / (1 - p);
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        double[] m = new double[(int) x[0].length()];
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.nextDouble() >= p ? keep : 0.0;
        }
        INDArray mask = org.nd4j.linalg.factory.Nd4j.createFromArray(m).castTo(x[0].dataType()).reshape(x[0].shape());
        save(constant(mask));
        return x[0].mul(mask);
    }
    @Override protected Tensor[] backward(Tensor g) { return grads(g.mul(saved(0))); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].mul(saved(0)); }
}
