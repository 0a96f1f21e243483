package io.treegrad.autodiff;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks analytic derivatives against central finite differences in float64, as PyTorch's
 * {@code gradcheck}: for a random cotangent v, each entry of the backward's vᵀJ must match
 * (v·f(x + εeᵢ) − v·f(x − εeᵢ)) / 2ε within {@code atol + rtol·|numeric|}. Optionally it checks the
 * forward mode (J·u against (f(x + εu) − f(x − εu)) / 2ε) and, by running itself on the backward
 * built with createGraph, second derivatives.
 *
 * <pre>{@code
 * GradCheck.check(in -> new MyOp().apply(in[0]), x);                 // throws with the worst entry
 * GradCheck.withOptions().jvp(true).gradGrad(true).verify(f, x, y);
 * }</pre>
 */
public final class GradCheck {
    private double eps = 1e-6;
    private double atol = 1e-5;
    private double rtol = 1e-3;
    private long seed = 42;
    private boolean checkJvp;
    private boolean checkGradGrad;

    private GradCheck() {}

    public static GradCheck withOptions() {
        return new GradCheck();
    }

    /** First-order reverse-mode check with the default tolerances (ε 1e-6, atol 1e-5, rtol 1e-3). */
    public static void check(java.util.function.Function<Tensor[], Tensor> f, Tensor... inputs) {
        new GradCheck().run(f, inputs);
    }

    public GradCheck eps(double v) { eps = v; return this; }
    public GradCheck atol(double v) { atol = v; return this; }
    public GradCheck rtol(double v) { rtol = v; return this; }
    public GradCheck seed(long v) { seed = v; return this; }
    /** Also check the forward-mode (jvp) rules. */
    public GradCheck jvp(boolean v) { checkJvp = v; return this; }
    /** Also check second derivatives (the backward of the backward, via createGraph). */
    public GradCheck gradGrad(boolean v) { checkGradGrad = v; return this; }

    /** The failure, naming the check, the input, the element and both values. */
    public static final class Failure extends AssertionError {
        Failure(String message) {
            super(message);
        }
    }

    /**
     * Runs the checks on float64 copies of the inputs; inputs that require grad are the variables.
     * Returns the largest |analytic − numeric| seen.
     */
    public double verify(java.util.function.Function<Tensor[], Tensor> f, Tensor... inputs) {
        return run(f, inputs);
    }

    private double run(java.util.function.Function<Tensor[], Tensor> f, Tensor[] original) {
        Tensor[] x = new Tensor[original.length];
        List<Integer> vars = new ArrayList<>();
        for (int i = 0; i < original.length; i++) {
            // NOTE: ND4J's linear index follows an array's own ordering ('f' for a transpose view),
            // so every array compared by linear index here is a C-ordered copy.
            x[i] = new Tensor(original[i].value().castTo(DataType.DOUBLE).dup('c'), false);
            if (original[i].requiresGrad()) {
                x[i].requiresGrad(true);
                vars.add(i);
            }
        }
        if (vars.isEmpty()) {
            throw new IllegalArgumentException("gradcheck: no input requires grad");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor y = f.apply(x);
        Tensor v = random(rng, y.shape());
        Tensor[] wrt = vars.stream().map(i -> x[i]).toArray(Tensor[]::new);
        // an output that does not depend on the variables (e.g. a derivative that is constant) has
        // zero gradient, which the finite differences must then also find
        Tensor[] analytic = y.requiresGrad()
                ? Autograd.grad(new Tensor[] {y}, wrt, new Tensor[] {v}, false, false, true)
                : new Tensor[wrt.length];

        double worst = 0;
        for (int k = 0; k < wrt.length; k++) {
            INDArray xv = wrt[k].value();
            INDArray a = analytic[k] == null ? Nd4j.zeros(DataType.DOUBLE, xv.shape()) : analytic[k].value().dup('c');
            for (long j = 0; j < xv.length(); j++) {
                long at = j;
                double numeric = directional(f, x, h -> xv.putScalar(at, xv.getDouble(at) + h), v);
                worst = Math.max(worst, compare("gradient", vars.get(k), xv, j, a.getDouble(j), numeric));
            }
        }
        if (checkJvp) {
            worst = Math.max(worst, checkForward(f, x, vars, rng));
        }
        if (checkGradGrad) {
            worst = Math.max(worst, checkSecondOrder(f, original, vars, v));
        }
        return worst;
    }

    /** (v·f(x + ε d) − v·f(x − ε d)) / 2ε, where {@code step} adds h·d to the inputs in place. */
    private double directional(java.util.function.Function<Tensor[], Tensor> f, Tensor[] x,
                               java.util.function.DoubleConsumer step, Tensor v) {
        try (GradMode.Scope off = GradMode.noGrad()) {
            step.accept(eps);
            double plus = dot(f.apply(x), v);
            step.accept(-2 * eps);
            double minus = dot(f.apply(x), v);
            step.accept(eps);
            return (plus - minus) / (2 * eps);
        }
    }

    private double checkForward(java.util.function.Function<Tensor[], Tensor> f, Tensor[] x, List<Integer> vars,
                                SplittableRandom rng) {
        Tensor[] primals = new Tensor[x.length];
        Tensor[] tangents = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            primals[i] = x[i].detach();
            tangents[i] = vars.contains(i) ? random(rng, x[i].shape()) : null;
        }
        INDArray jv = ForwardAD.jvp(f, primals, tangents).tangent().value().dup('c');
        INDArray plus;
        INDArray minus;
        try (GradMode.Scope off = GradMode.noGrad()) {
            shift(primals, tangents, eps);
            plus = f.apply(primals).value().dup('c');
            shift(primals, tangents, -2 * eps);
            minus = f.apply(primals).value().dup('c');
            shift(primals, tangents, eps);
        }
        INDArray numeric = plus.sub(minus).divi(2 * eps);
        double worst = 0;
        for (long j = 0; j < numeric.length(); j++) {
            worst = Math.max(worst, compare("forward-mode tangent", -1, numeric, j, jv.getDouble(j),
                    numeric.getDouble(j)));
        }
        return worst;
    }

    /** Checks the gradient of x ↦ Σ_k wₖ·(vᵀ∂f/∂xₖ)(x), whose backward is the backward of the backward. */
    private double checkSecondOrder(java.util.function.Function<Tensor[], Tensor> f, Tensor[] original,
                                    List<Integer> vars, Tensor v) {
        SplittableRandom rng = new SplittableRandom(seed + 1);
        Tensor[] w = new Tensor[vars.size()];
        for (int k = 0; k < w.length; k++) {
            w[k] = random(rng, original[vars.get(k)].shape());
        }
        java.util.function.Function<Tensor[], Tensor> firstOrder = in -> {
            Tensor[] wrt = vars.stream().map(i -> in[i]).toArray(Tensor[]::new);
            Tensor[] g;
            try (GradMode.Scope on = GradMode.enableGrad()) {
                g = Autograd.grad(new Tensor[] {f.apply(in)}, wrt, new Tensor[] {v}, true, true, true);
            }
            Tensor total = null;
            for (int k = 0; k < g.length; k++) {
                if (g[k] != null) {
                    Tensor term = g[k].mul(w[k]).sum();
                    total = total == null ? term : total.add(term);
                }
            }
            return total == null ? Tensor.scalar(DataType.DOUBLE, 0) : total;
        };
        GradCheck inner = new GradCheck().eps(eps).atol(atol).rtol(rtol).seed(seed + 2);
        try {
            return inner.run(firstOrder, original);
        } catch (Failure e) {
            throw new Failure("second derivatives: " + e.getMessage());
        }
    }

    private static void shift(Tensor[] x, Tensor[] d, double h) {
        for (int i = 0; i < x.length; i++) {
            if (d[i] != null) {
                x[i].value().addi(d[i].value().mul(h));
            }
        }
    }

    private double compare(String what, int input, INDArray x, long j, double analytic, double numeric) {
        double diff = Math.abs(analytic - numeric);
        if (!(diff <= atol + rtol * Math.abs(numeric))) {
            String where = input >= 0 ? "input " + input + " " : "output ";
            throw new Failure("gradcheck: " + what + " mismatch at " + where + "element " + j + " (of shape "
                    + Shapes.str(x.shape()) + "): analytic " + analytic + ", numeric " + numeric + ", |diff| "
                    + diff + " > atol " + atol + " + rtol " + rtol + "·|numeric|");
        }
        return diff;
    }

    private static double dot(Tensor y, Tensor v) {
        return y.value().castTo(DataType.DOUBLE).mul(v.value()).sumNumber().doubleValue();
    }

    private static Tensor random(SplittableRandom rng, long[] shape) {
        double[] d = new double[(int) Shapes.length(shape)];
        for (int i = 0; i < d.length; i++) {
            d[i] = rng.nextDouble(-1, 1);
        }
        return new Tensor(Nd4j.createFromArray(d).reshape(shape), false);
    }
}
