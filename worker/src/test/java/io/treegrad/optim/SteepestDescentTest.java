package io.treegrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.optim.SteepestDescent.Iteration;
import io.treegrad.optim.SteepestDescent.Options;
import io.treegrad.optim.SteepestDescent.Result;
import io.treegrad.optim.SteepestDescent.Stop;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.inverse.InvertMatrix;

/** Steepest descent with Armijo backtracking against closed-form minimisers. */
class SteepestDescentTest {
    private static final DataType F64 = DataType.DOUBLE;

    private static INDArray column(INDArray v) {
        return v.reshape(v.length(), 1);
    }

    /** f(θ) = ½θᵀAθ − bᵀθ with A = Q·diag(1 … 10)·Qᵀ (condition number 10). */
    private static final class Quadratic {
        final INDArray a;
        final INDArray b;

        Quadratic() {
            Nd4j.getRandom().setSeed(3);
            INDArray q = orthonormal(Nd4j.randn(F64, 5, 5));
            INDArray eig = Nd4j.diag(Nd4j.createFromArray(1.0, 3.0, 5.0, 7.5, 10.0));
            INDArray full = q.mmul(eig).mmul(q.transpose());
            a = full.add(full.transpose()).muli(0.5);
            b = Nd4j.randn(F64, 5);
        }

        double value(INDArray theta) {
            return 0.5 * column(theta).transpose().mmul(a).mmul(column(theta)).getDouble(0)
                    - Nd4j.getBlasWrapper().dot(b, theta);
        }

        INDArray gradient(INDArray theta) {
            return a.mmul(column(theta)).reshape(theta.length()).subi(b);
        }

        INDArray minimiser() {
            return InvertMatrix.invert(a, false).mmul(column(b)).reshape(b.length());
        }
    }

    /** Gram–Schmidt on the columns. */
    private static INDArray orthonormal(INDArray m) {
        INDArray q = m.dup();
        for (int j = 0; j < q.columns(); j++) {
            INDArray c = q.getColumn(j);
            for (int k = 0; k < j; k++) {
                INDArray p = q.getColumn(k);
                c.subi(p.mul(Nd4j.getBlasWrapper().dot(p, c)));
            }
            c.divi(c.norm2Number());
        }
        return q;
    }

    @Test
    void findsTheMinimiserOfAConvexQuadratic() {
        Quadratic q = new Quadratic();
        INDArray theta0 = Nd4j.createFromArray(3.0, -2.0, 1.0, 0.5, -4.0);
        Result r = SteepestDescent.minimize(q::value, q::gradient, theta0);
        assertEquals(Stop.CONVERGED, r.stop());
        assertTrue(r.converged());
        assertTrue(r.gradNorm() <= 1e-6);
        // strong convexity: ‖θ − θ*‖ ≤ ‖∇f(θ)‖/μ, μ = 1
        INDArray error = r.theta().sub(q.minimiser());
        assertTrue(error.norm2Number().doubleValue() <= r.gradNorm() * (1 + 1e-9), error.toString());
        assertArrayEquals(q.minimiser().toDoubleVector(), r.theta().toDoubleVector(), 1e-6);
        assertEquals(q.value(r.theta()), r.value(), 0.0);
        assertArrayEquals(new double[] {3, -2, 1, 0.5, -4}, theta0.toDoubleVector(), 0.0, "θ₀ untouched");
        assertHistoryIsArmijo(r, Options.defaults());
        // L = 10: every t ≤ 2(1 − c)/L ≈ 0.2 is accepted, so from t₀ = 1 the search stops by 0.125
        for (Iteration it : r.history()) {
            assertTrue(it.step() >= 0.125, "step " + it.step() + " at " + it.k());
        }
    }

    @Test
    void solvesLeastSquaresAsTheNormalEquationsDo() {
        Nd4j.getRandom().setSeed(5);
        int m = 60;
        INDArray x = Nd4j.randn(F64, m, 4);
        INDArray w = Nd4j.createFromArray(1.5, -2.0, 0.25, 3.0);
        INDArray y = x.mmul(column(w)).reshape(m).addi(Nd4j.randn(F64, m).muli(0.1));
        // f(θ) = ½/m·‖Xθ − y‖²,  ∇f(θ) = Xᵀ(Xθ − y)/m
        Function<INDArray, INDArray> residual = theta -> x.mmul(column(theta)).reshape(m).subi(y);
        ToDoubleFunction<INDArray> f = theta -> {
            INDArray res = residual.apply(theta);
            return 0.5 / m * Nd4j.getBlasWrapper().dot(res, res);
        };
        Function<INDArray, INDArray> grad = theta ->
                x.transpose().mmul(column(residual.apply(theta))).reshape(4).divi(m);

        Result r = SteepestDescent.minimize(f, grad, Nd4j.zeros(F64, 4), Options.defaults().withGradientTolerance(1e-9));

        INDArray closedForm = InvertMatrix.invert(x.transpose().mmul(x), false).mmul(x.transpose()).mmul(column(y))
                .reshape(4);
        assertEquals(Stop.CONVERGED, r.stop());
        // ‖θ − θ*‖ ≤ ‖∇f(θ)‖/μ, μ the smallest eigenvalue of XᵀX/m (≈ 0.5 here)
        assertArrayEquals(closedForm.toDoubleVector(), r.theta().toDoubleVector(), 1e-8);
        assertArrayEquals(w.toDoubleVector(), r.theta().toDoubleVector(), 0.05);  // and near the truth
        assertHistoryIsArmijo(r, Options.defaults());
    }

    /** Every accepted step satisfies the sufficient-decrease condition and is t₀·β^j; f decreases strictly. */
    private static void assertHistoryIsArmijo(Result r, Options o) {
        assertTrue(r.iterations() > 0);
        double previous = Double.POSITIVE_INFINITY;
        for (Iteration it : r.history()) {
            assertEquals(o.initialStep() * Math.pow(o.shrink(), it.backtracks()), it.step(), 0.0);
            assertTrue(it.nextValue() <= it.value() - o.sufficientDecrease() * it.step() * it.gradNorm() * it.gradNorm(),
                    "Armijo at " + it.k());
            assertTrue(it.value() < previous);
            previous = it.value();
        }
        assertEquals(r.history().get(r.iterations() - 1).nextValue(), r.value(), 0.0);
    }

    @Test
    void tooLargeAFirstStepOnlyCostsBacktracking() {
        Quadratic q = new Quadratic();
        Options o = Options.defaults().withInitialStep(100);
        Result r = SteepestDescent.minimize(q::value, q::gradient, Nd4j.ones(F64, 5), o);
        assertEquals(Stop.CONVERGED, r.stop());
        assertTrue(r.history().get(0).backtracks() >= 9, "100·0.5^j ≤ 0.2 needs j ≥ 9");
        assertHistoryIsArmijo(r, o);
        assertArrayEquals(q.minimiser().toDoubleVector(), r.theta().toDoubleVector(), 1e-6);
    }

    /** Asking for more than f's rounding error can resolve ends the run instead of stalling it. */
    @Test
    void aToleranceBelowRoundingNoiseEndsInAFailedLineSearchNotAStall() {
        Quadratic q = new Quadratic();
        Result r = SteepestDescent.minimize(q::value, q::gradient, Nd4j.ones(F64, 5),
                Options.defaults().withGradientTolerance(1e-14));
        assertEquals(Stop.LINE_SEARCH_FAILED, r.stop());
        assertTrue(r.iterations() < 200, r.iterations() + " iterations");
        assertArrayEquals(q.minimiser().toDoubleVector(), r.theta().toDoubleVector(), 1e-7);
        assertHistoryIsArmijo(r, Options.defaults());
    }

    @Test
    void stopsAfterMaxIterations() {
        Quadratic q = new Quadratic();
        Result r = SteepestDescent.minimize(q::value, q::gradient, Nd4j.ones(F64, 5),
                Options.defaults().withMaxIterations(3));
        assertEquals(Stop.MAX_ITERATIONS, r.stop());
        assertEquals(3, r.iterations());
        assertEquals(2, r.history().get(2).k());
    }

    @Test
    void reportsALineSearchThatFindsNoDecrease() {
        Quadratic q = new Quadratic();
        // an ascent direction: no step along −(−∇f) decreases f
        Result r = SteepestDescent.minimize(q::value, t -> q.gradient(t).negi(), Nd4j.ones(F64, 5),
                new Options(1, 0.5, 1e-4, 1e-8, 100, 20));
        assertEquals(Stop.LINE_SEARCH_FAILED, r.stop());
        assertEquals(0, r.iterations());
        assertArrayEquals(Nd4j.ones(F64, 5).toDoubleVector(), r.theta().toDoubleVector(), 0.0);
    }

    @Test
    void rejectsBadOptionsAndNonDoubleInput() {
        assertEquals("shrink: must be in (0, 1), got 1.0",
                assertThrows(IllegalArgumentException.class, () -> new Options(1, 1, 1e-4, 0, 10, 10)).getMessage());
        assertEquals("initialStep: must be > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> new Options(0, 0.5, 1e-4, 0, 10, 10)).getMessage());
        Quadratic q = new Quadratic();
        assertThrows(IllegalArgumentException.class,
                () -> SteepestDescent.minimize(q::value, q::gradient, Nd4j.ones(DataType.FLOAT, 5)));
    }
}
