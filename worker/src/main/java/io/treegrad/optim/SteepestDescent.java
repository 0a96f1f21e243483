package io.treegrad.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Full-batch steepest descent with a backtracking (Armijo) line search, for small smooth problems
 * where f and ∇f are cheap to evaluate exactly (convex fits, the numerical-optimisation lecture):
 *
 * <pre>
 *   repeat for k = 0, 1, ...
 *     g_k = ∇f(θ_k);  stop if ‖g_k‖₂ ≤ tol
 *     t = t₀;  while f(θ_k − t·g_k) &gt; f(θ_k) − c·t·‖g_k‖²:  t = β·t     (sufficient decrease)
 *     θ_{k+1} = θ_k − t·g_k
 * </pre>
 *
 * Every iteration starts its search again from t₀. If ∇f is L-Lipschitz, every t ≤ 2(1 − c)/L
 * satisfies the condition, so the search ends with t ≥ min(t₀, 2β(1 − c)/L) without knowing L, f
 * decreases monotonically and, for a μ-strongly convex f, f(θ_k) − f* shrinks linearly. A NaN or
 * ∞ trial value counts as not decreasing, so too large a t₀ only costs backtracking.
 *
 * <p>Everything is float64. f and ∇f must neither modify nor keep their argument.
 */
public final class SteepestDescent {
    private SteepestDescent() {}

    /**
     * @param initialStep        t₀ &gt; 0, where every line search starts
     * @param shrink             β ∈ (0, 1), the backtracking factor
     * @param sufficientDecrease c ∈ (0, 1), the Armijo constant
     * @param gradientTolerance  stop when ‖∇f(θ)‖₂ ≤ this (≥ 0)
     * @param maxIterations      stop after this many steps (≥ 0)
     * @param maxBacktracks      give up when no t₀·β^j with j ≤ this decreases f enough (≥ 1)
     */
    public record Options(double initialStep, double shrink, double sufficientDecrease, double gradientTolerance,
                          int maxIterations, int maxBacktracks) {
        public Options {
            Check c = new Check().positive("initialStep", initialStep).nonNegative("gradientTolerance", gradientTolerance)
                    .atLeast("maxIterations", maxIterations, 0).atLeast("maxBacktracks", maxBacktracks, 1);
            if (!(shrink > 0 && shrink < 1)) {
                c.fail("shrink", "must be in (0, 1), got " + shrink);
            }
            if (!(sufficientDecrease > 0 && sufficientDecrease < 1)) {
                c.fail("sufficientDecrease", "must be in (0, 1), got " + sufficientDecrease);
            }
            c.orThrow();
        }

        /**
         * t₀ = 1, β = 0.5, c = 10⁻⁴, gradient tolerance 10⁻⁶, 10 000 iterations, 50 backtracks.
         * NOTE: near θ* the decrease f can show is about ‖∇f‖²/L against a rounding error of
         * ~10⁻¹⁶·|f|, so a tolerance much below √(10⁻¹⁶·|f|·L) ends in LINE_SEARCH_FAILED.
         */
        public static Options defaults() {
            return new Options(1.0, 0.5, 1e-4, 1e-6, 10_000, 50);
        }

        public Options withInitialStep(double t0) {
            return new Options(t0, shrink, sufficientDecrease, gradientTolerance, maxIterations, maxBacktracks);
        }

        public Options withGradientTolerance(double tol) {
            return new Options(initialStep, shrink, sufficientDecrease, tol, maxIterations, maxBacktracks);
        }

        public Options withMaxIterations(int n) {
            return new Options(initialStep, shrink, sufficientDecrease, gradientTolerance, n, maxBacktracks);
        }
    }

    /** Why the iteration ended. */
    public enum Stop {
        /** ‖∇f(θ)‖₂ ≤ gradientTolerance. */
        CONVERGED,
        /** maxIterations steps were taken. */
        MAX_ITERATIONS,
        /**
         * No trial step t₀·β^j, j ≤ maxBacktracks, decreased f enough: usually the gradient
         * tolerance is below what f's rounding error can resolve; θ is then as good as f can tell.
         */
        LINE_SEARCH_FAILED
    }

    /**
     * One step: at θ_k with value f(θ_k) and gradient norm ‖∇f(θ_k)‖₂, the accepted step size t_k
     * after {@code backtracks} reductions, and the value f(θ_{k+1}) reached.
     */
    public record Iteration(int k, double value, double gradNorm, double step, int backtracks, double nextValue) {}

    /**
     * @param theta    the last iterate (a new array)
     * @param value    f(theta)
     * @param gradNorm ‖∇f(theta)‖₂
     * @param history  one entry per step taken
     */
    public record Result(INDArray theta, double value, double gradNorm, List<Iteration> history, Stop stop) {
        public int iterations() {
            return history.size();
        }

        public boolean converged() {
            return stop == Stop.CONVERGED;
        }
    }

    /** Minimises f from {@code theta0} (not modified) with {@link Options#defaults()}. */
    public static Result minimize(ToDoubleFunction<INDArray> f, Function<INDArray, INDArray> gradient,
                                  INDArray theta0) {
        return minimize(f, gradient, theta0, Options.defaults());
    }

    /** Minimises f from {@code theta0} (rank 1, float64; not modified). */
    public static Result minimize(ToDoubleFunction<INDArray> f, Function<INDArray, INDArray> gradient,
                                  INDArray theta0, Options options) {
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(gradient, "gradient");
        Objects.requireNonNull(options, "options");
        if (theta0.rank() != 1 || theta0.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("SteepestDescent: theta0 must be a flat DOUBLE array, got "
                    + theta0.dataType() + " of rank " + theta0.rank());
        }
        INDArray theta = theta0.dup();
        INDArray trial = theta0.dup();
        double value = f.applyAsDouble(theta);
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("SteepestDescent: f(theta0) = " + value + ", must be finite");
        }
        List<Iteration> history = new ArrayList<>();
        for (int k = 0; ; k++) {
            INDArray g = gradientAt(gradient, theta);
            double gradNorm = Flat.norm2(g);
            if (gradNorm <= options.gradientTolerance()) {
                return new Result(theta, value, gradNorm, List.copyOf(history), Stop.CONVERGED);
            }
            if (k == options.maxIterations()) {
                return new Result(theta, value, gradNorm, List.copyOf(history), Stop.MAX_ITERATIONS);
            }
            double decreasePerUnitStep = options.sufficientDecrease() * gradNorm * gradNorm;
            double t = options.initialStep();
            int backtracks = 0;
            double trialValue;
            while (true) {
                trial.assign(theta);
                Flat.axpy(-t, g, trial);
                trialValue = f.applyAsDouble(trial);
                // NOTE: once c·t·‖g‖² is below f's rounding error, the first test alone would accept
                // steps that do not decrease f at all (f − tiny == f) and stall forever; demanding a
                // strict decrease makes the search fail instead, which ends the run.
                if (trialValue <= value - t * decreasePerUnitStep && trialValue < value) {   // false for NaN
                    break;
                }
                if (backtracks == options.maxBacktracks()) {
                    return new Result(theta, value, gradNorm, List.copyOf(history), Stop.LINE_SEARCH_FAILED);
                }
                t *= options.shrink();
                backtracks++;
            }
            history.add(new Iteration(k, value, gradNorm, t, backtracks, trialValue));
            INDArray previous = theta;
            theta = trial;
            trial = previous;
            value = trialValue;
        }
    }

    private static INDArray gradientAt(Function<INDArray, INDArray> gradient, INDArray theta) {
        INDArray g = gradient.apply(theta);
        if (g == null || g.length() != theta.length() || g.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("SteepestDescent: the gradient must be a DOUBLE array of length "
                    + theta.length() + ", got " + (g == null ? "null" : g.length() + " × " + g.dataType()));
        }
        return g.rank() == 1 ? g : g.reshape(theta.length());
    }
}
