package io.treegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Two or three steps of each update rule worked out by hand, on θ₀ = (1, −2) with the gradients
 * g₁ = (0.5, 1), g₂ = (−1, 2), g₃ = (0, −1) given directly (no objective).
 */
class HandComputedStepsTest {
    private static final double TOL = 1e-15;
    private static final double[] THETA0 = {1.0, -2.0};
    private static final double[][] G = {{0.5, 1.0}, {-1.0, 2.0}, {0.0, -1.0}};

    /** The parameters after each of {@code steps} steps. */
    private static double[][] run(Optimizer opt, int steps) {
        INDArray theta = Nd4j.createFromArray(THETA0.clone());
        double[][] after = new double[steps][];
        for (int s = 0; s < steps; s++) {
            opt.step(theta, Nd4j.createFromArray(G[s].clone()));
            after[s] = theta.toDoubleVector();
        }
        return after;
    }

    @Test
    void sgd() {
        double[][] theta = run(new Sgd(0.1), 2);
        // θ₁ = θ₀ − 0.1·g₁ = (1 − 0.05, −2 − 0.1)
        assertArrayEquals(new double[] {0.95, -2.1}, theta[0], TOL);
        // θ₂ = θ₁ − 0.1·g₂ = (0.95 + 0.1, −2.1 − 0.2)
        assertArrayEquals(new double[] {1.05, -2.3}, theta[1], TOL);
    }

    @Test
    void sgdWithL2WeightDecay() {
        double[][] theta = run(new Sgd(LrSchedule.constant(0.1), 0.5), 2);
        // d₁ = g₁ + 0.5·θ₀ = (0.5 + 0.5, 1 − 1) = (1, 0);  θ₁ = (1 − 0.1, −2)
        assertArrayEquals(new double[] {0.9, -2.0}, theta[0], TOL);
        // d₂ = g₂ + 0.5·θ₁ = (−1 + 0.45, 2 − 1) = (−0.55, 1);  θ₂ = (0.9 + 0.055, −2 − 0.1)
        assertArrayEquals(new double[] {0.955, -2.1}, theta[1], TOL);
    }

    @Test
    void momentum() {
        SgdMomentum opt = new SgdMomentum(0.1, 0.9);
        double[][] theta = run(opt, 3);
        // v₁ = g₁ = (0.5, 1);                         θ₁ = θ₀ − 0.1·v₁ = (0.95, −2.1)
        assertArrayEquals(new double[] {0.95, -2.1}, theta[0], TOL);
        // v₂ = 0.9·v₁ + g₂ = (0.45 − 1, 0.9 + 2) = (−0.55, 2.9);  θ₂ = (0.95 + 0.055, −2.1 − 0.29)
        assertArrayEquals(new double[] {1.005, -2.39}, theta[1], TOL);
        // v₃ = 0.9·v₂ + g₃ = (−0.495, 2.61 − 1) = (−0.495, 1.61);  θ₃ = (1.005 + 0.0495, −2.39 − 0.161)
        assertArrayEquals(new double[] {1.0545, -2.551}, theta[2], TOL);
        assertArrayEquals(new double[] {-0.495, 1.61},
                opt.state().buffers().get("velocity").toDoubleVector(), TOL);
    }

    @Test
    void nesterov() {
        double[][] theta = run(new SgdNesterov(0.1, 0.9), 2);
        // v₁ = (0.5, 1);  θ₁ = θ₀ − 0.1·(g₁ + 0.9·v₁) = (1 − 0.1·0.95, −2 − 0.1·1.9)
        assertArrayEquals(new double[] {0.905, -2.19}, theta[0], TOL);
        // v₂ = (−0.55, 2.9);  g₂ + 0.9·v₂ = (−1.495, 4.61);  θ₂ = (0.905 + 0.1495, −2.19 − 0.461)
        assertArrayEquals(new double[] {1.0545, -2.651}, theta[1], TOL);
    }

    @Test
    void adagrad() {
        double[][] theta = run(new AdaGrad(0.1), 2);
        double eps = 1e-10;
        // s₁ = g₁² = (0.25, 1);  θ₁ = θ₀ − 0.1·g₁/(√s₁ + ε) = θ₀ − 0.1·(0.5/(0.5+ε), 1/(1+ε))
        double[] t1 = {1 - 0.1 * 0.5 / (0.5 + eps), -2 - 0.1 * 1 / (1 + eps)};
        assertArrayEquals(t1, theta[0], TOL);
        // s₂ = (0.25 + 1, 1 + 4) = (1.25, 5);  θ₂ = θ₁ − 0.1·(−1/(√1.25 + ε), 2/(√5 + ε))
        double[] t2 = {t1[0] + 0.1 / (Math.sqrt(1.25) + eps), t1[1] - 0.1 * 2 / (Math.sqrt(5) + eps)};
        assertArrayEquals(t2, theta[1], TOL);
    }

    @Test
    void rmsprop() {
        double[][] theta = run(new RmsProp(0.01), 2);
        double eps = 1e-8;
        // a₁ = 0.01·g₁² = (0.0025, 0.01);  √a₁ = (0.05, 0.1): a step of 10·lr
        double[] t1 = {1 - 0.01 * 0.5 / (0.05 + eps), -2 - 0.01 * 1 / (0.1 + eps)};
        assertArrayEquals(t1, theta[0], TOL);
        // a₂ = 0.99·a₁ + 0.01·g₂² = (0.002475 + 0.01, 0.0099 + 0.04)
        double[] a2 = {0.002475 + 0.01, 0.0099 + 0.04};
        double[] t2 = {t1[0] + 0.01 / (Math.sqrt(a2[0]) + eps), t1[1] - 0.01 * 2 / (Math.sqrt(a2[1]) + eps)};
        assertArrayEquals(t2, theta[1], 1e-14);
    }

    @Test
    void adam() {
        double[][] theta = run(new Adam(0.1), 2);
        double eps = 1e-8;
        // m̂₁ = g₁, v̂₁ = g₁²: the first step is lr·sign(g) up to ε
        double[] t1 = {1 - 0.1 * 0.5 / (0.5 + eps), -2 - 0.1 * 1 / (1 + eps)};
        assertArrayEquals(t1, theta[0], TOL);
        // m₂ = 0.9·0.1·g₁ + 0.1·g₂ = (0.045 − 0.1, 0.09 + 0.2) = (−0.055, 0.29), m̂₂ = m₂/0.19
        // v₂ = 0.999·0.001·g₁² + 0.001·g₂² = (0.00024975 + 0.001, 0.000999 + 0.004), v̂₂ = v₂/0.001999
        double[] mHat = {-0.055 / 0.19, 0.29 / 0.19};
        double[] vHat = {(0.00024975 + 0.001) / 0.001999, (0.000999 + 0.004) / 0.001999};
        double[] t2 = {t1[0] - 0.1 * mHat[0] / (Math.sqrt(vHat[0]) + eps),
                       t1[1] - 0.1 * mHat[1] / (Math.sqrt(vHat[1]) + eps)};
        assertArrayEquals(t2, theta[1], 1e-14);
    }

    @Test
    void adamwDecaysTheParametersBeforeTheAdamStep() {
        double[][] theta = run(new AdamW(LrSchedule.constant(0.1), 0.9, 0.999, 1e-8, 0.5), 1);
        // θ' = (1 − 0.1·0.5)·θ₀ = (0.95, −1.9);  then − 0.1·sign(g₁) as Adam's first step
        double[] t1 = {0.95 - 0.1 * 0.5 / (0.5 + 1e-8), -1.9 - 0.1 * 1 / (1 + 1e-8)};
        assertArrayEquals(t1, theta[0], TOL);
    }
}
