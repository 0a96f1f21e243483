package io.treegrad.autodiff;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One differentiable operation: its forward and its vector-Jacobian product side by side. Built-in
 * ops ({@code io.treegrad.autodiff.ops}) and user ops extend this class the same way, as PyTorch's
 * {@code autograd.Function} does:
 *
 * <pre>{@code
 * final class Cube extends Function {
 *     protected INDArray forward(INDArray... x) { save(input(0)); return x[0].mul(x[0]).muli(x[0]); }
 *     protected Tensor[] backward(Tensor g) { Tensor x = saved(0); return grads(g.mul(x.mul(x)).mul(3)); }
 * }
 * Tensor y = new Cube().apply(x);
 * }</pre>
 *
 * <p>An instance is used for exactly one application. {@link #forward} computes on raw arrays and
 * never records. {@link #backward} is written with {@link Tensor} ops: the engine runs it with
 * recording off for a first-order gradient and on for {@code createGraph}, so the same code gives
 * gradients of gradients. Return one entry per input, {@code null} where an input has no gradient;
 * a gradient may have the broadcast shape of the output: the engine reduces it to the input's shape.
 * {@link #jvp} is the forward-mode rule (the Jacobian-vector product), optional for user ops.
 */
public abstract class Function {
    private Tensor[] inputs;
    private Node node;
    private boolean applied;
    private List<Tensor> saved = new ArrayList<>(2);
    private Tensor output;
    private boolean released;
    private boolean intoLeafGrads;   // set by the engine around a first-order backward() into .grad

    /** Computes the output from the inputs' values. Call {@link #save} for what backward needs. */
    protected abstract INDArray forward(INDArray... x);

    /** The vector-Jacobian product: given dL/dy, return dL/dx for each input ({@code null}: none). */
    protected abstract Tensor[] backward(Tensor gradOutput);

    /**
     * The Jacobian-vector product: given the inputs' tangents ({@code null} for a zero tangent), the
     * output's tangent. Ops without a forward-mode rule leave this as is.
     */
    protected Tensor jvp(Tensor... tangents) {
        throw new UnsupportedOperationException(name() + " has no forward-mode (jvp) rule");
    }

    /** Applies this op to the inputs, recording it when grad mode is on and an input requires grad. */
    public final Tensor apply(Tensor... in) {
        if (applied) {
            throw new IllegalStateException(name() + " was already applied: create a new instance per call");
        }
        applied = true;
        inputs = in;
        INDArray[] values = new INDArray[in.length];
        boolean needsGrad = false;
        boolean hasTangent = false;
        for (int i = 0; i < in.length; i++) {
            if (in[i] == null) {
                throw new IllegalArgumentException(name() + ": input " + i + " is null");
            }
            values[i] = in[i].value();
            needsGrad |= in[i].requiresGrad();
            hasTangent |= in[i].tangent() != null;
        }
        boolean record = needsGrad && GradMode.isEnabled();
        if (record) {
            node = new Node(this, in);
        }
        INDArray y = forward(values);
        Tensor out = new Tensor(y, false);
        output = out;
        if (hasTangent && ForwardAD.isEnabled()) {
            out.setTangent(ForwardAD.tangentOf(this, in, out));
        }
        inputs = null;   // inputs live on only where an op saved them
        if (record) {
            node.outputShape = y.shape();
            out.attach(node);
        } else {
            saved = null;    // nothing will call backward: let the saved arrays go now
            output = null;
        }
        return out;
    }

    /** Whether backward must produce a gradient for input i (false: return null, skip the work). */
    protected final boolean needsInputGrad(int i) {
        return node == null || node.next[i] != null;
    }

    /**
     * Where backward may add input i's gradient itself, or null. Non-null only when the engine would
     * do nothing with that gradient but add it to a leaf's {@code .grad}: a first-order
     * {@code backward()} (not {@code Autograd.grad}, not {@code createGraph}), input i a leaf with no
     * hooks whose {@code .grad} is already a contiguous C-ordered buffer of its shape (e.g. a view
     * into a model's flat gradient buffer after {@code zeroGrad}). An op that uses it adds its
     * gradient into the returned array in place and returns {@code null} for input i, so the engine
     * neither holds a separate gradient nor copies it (as PyTorch's AccumulateGrad avoids a copy).
     */
    protected final INDArray leafGradTarget(int i) {
        if (!intoLeafGrads || node == null) {
            return null;
        }
        Node target = node.next[i];
        if (target == null || !target.isLeaf() || (target.hooks != null && !target.hooks.isEmpty())) {
            return null;
        }
        Tensor grad = target.leaf.grad();
        if (grad == null || grad.requiresGrad()) {
            return null;
        }
        INDArray g = grad.value();
        boolean contiguousC = g.ordering() == 'c' && (g.length() == 1 || g.elementWiseStride() == 1);
        boolean fits = g.dataType() == target.leaf.dataType() && Shapes.equal(g.shape(), node.inputShapes[i]);
        return contiguousC && fits ? g : null;
    }

    /** Keeps tensors for backward or jvp; freed after backward unless the graph is retained. */
    protected final void save(Tensor... tensors) {
        if (saved != null) {
            for (Tensor t : tensors) {
                saved.add(t);
            }
        }
    }

    /** The i-th tensor given to {@link #save}. */
    protected final Tensor saved(int i) {
        if (released) {
            throw new IllegalStateException(Node.RELEASED_MESSAGE);
        }
        return saved.get(i);
    }

    /** The i-th input tensor; valid during {@link #forward} and {@link #jvp} (e.g. to {@link #save} it). */
    protected final Tensor input(int i) {
        if (inputs == null) {
            throw new IllegalStateException(name() + ": input(i) is only valid during forward and jvp;"
                    + " save() what backward needs");
        }
        return inputs[i];
    }

    /** The output tensor; valid in {@link #backward} and {@link #jvp} until the graph is freed. */
    protected final Tensor output() {
        if (released) {
            throw new IllegalStateException(Node.RELEASED_MESSAGE);
        }
        return output;
    }

    /** Syntactic sugar for a backward's return value. */
    protected static Tensor[] grads(Tensor... g) {
        return g;
    }

    /** Wraps an array as a constant (no gradient, no graph): masks, signs, one-hots. */
    protected static Tensor constant(INDArray a) {
        return new Tensor(a, false);
    }

    /** The name shown in errors and in graph pictures. */
    public String name() {
        return getClass().getSimpleName();
    }

    final void intoLeafGrads(boolean on) {
        intoLeafGrads = on;
    }

    final void release() {
        released = true;
        saved = null;
        output = null;
    }

    final boolean released() {
        return released;
    }
}
