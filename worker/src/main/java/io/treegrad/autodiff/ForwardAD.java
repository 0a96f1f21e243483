package io.treegrad.autodiff;

import io.treegrad.autodiff.ops.Identity;
import java.util.function.UnaryOperator;

/**
 * Forward-mode differentiation with dual tensors: a tensor may carry a tangent ṫ, and every op
 * applied to tensors with tangents computes its output's tangent with its {@code jvp} rule in the same
 * pass, so {@code f(dual(x, v))} carries J·v, the directional derivative of f at x along v.
 */
public final class ForwardAD {
    private static final ThreadLocal<boolean[]> SUSPENDED = ThreadLocal.withInitial(() -> new boolean[1]);

    private ForwardAD() {}

    /** The primal f(x) and the tangent J·v. */
    public record Jvp(Tensor value, Tensor tangent) {}

    /** A dual tensor: {@code primal} (gradients still flow to it) carrying {@code tangent}. */
    public static Tensor dual(Tensor primal, Tensor tangent) {
        if (!Shapes.equal(primal.shape(), tangent.shape())) {
            throw new IllegalArgumentException("dual: tangent shape " + Shapes.str(tangent.shape())
                    + " differs from the primal's " + Shapes.str(primal.shape()));
        }
        Nd.requireSameType(primal.value(), tangent.value(), "dual");
        Tensor d = new Identity().apply(primal);
        d.setTangent(tangent.detach());
        return d;
    }

    /** J·v of a one-input function at x, in one forward pass. */
    public static Jvp jvp(UnaryOperator<Tensor> f, Tensor x, Tensor v) {
        return jvp(in -> f.apply(in[0]), new Tensor[] {x}, new Tensor[] {v});
    }

    /** Σ_i J_i·v_i of a many-input function, in one forward pass. */
    public static Jvp jvp(java.util.function.Function<Tensor[], Tensor> f, Tensor[] xs, Tensor[] vs) {
        if (xs.length != vs.length) {
            throw new IllegalArgumentException("jvp: " + xs.length + " inputs but " + vs.length + " tangents");
        }
        Tensor[] duals = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            duals[i] = vs[i] == null ? xs[i] : dual(xs[i], vs[i]);
        }
        Tensor out = f.apply(duals);
        Tensor t = out.tangent();
        if (t == null) {
            t = Tensor.zeros(out.dataType(), out.shape());   // the output does not depend on the inputs
        }
        return new Jvp(out, t);
    }

    static boolean isEnabled() {
        return !SUSPENDED.get()[0];
    }

    /**
     * The output tangent of one op application. Rules run with tangent propagation suspended: they
     * read the inputs' primal values, and the tangents they build carry no tangents of their own.
     */
    static Tensor tangentOf(Function fn, Tensor[] inputs, Tensor out) {
        Tensor[] tangents = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            tangents[i] = inputs[i].tangent();
        }
        boolean[] flag = SUSPENDED.get();
        flag[0] = true;
        try {
            Tensor t = fn.jvp(tangents);
            if (t != null && !Shapes.equal(t.shape(), out.shape())) {
                t = t.expandTo(out.shape());
            }
            return t;
        } finally {
            flag[0] = false;
        }
    }
}
