package io.treegrad.autodiff;

import io.treegrad.autodiff.ops.Abs;
import io.treegrad.autodiff.ops.Add;
import io.treegrad.autodiff.ops.Cast;
import io.treegrad.autodiff.ops.Clamp;
import io.treegrad.autodiff.ops.Concat;
import io.treegrad.autodiff.ops.Cos;
import io.treegrad.autodiff.ops.Div;
import io.treegrad.autodiff.ops.Dropout;
import io.treegrad.autodiff.ops.Exp;
import io.treegrad.autodiff.ops.ExpandTo;
import io.treegrad.autodiff.ops.GatherRows;
import io.treegrad.autodiff.ops.LeakyRelu;
import io.treegrad.autodiff.ops.Linear;
import io.treegrad.autodiff.ops.Log;
import io.treegrad.autodiff.ops.LogSoftmax;
import io.treegrad.autodiff.ops.LogSumExp;
import io.treegrad.autodiff.ops.MatMul;
import io.treegrad.autodiff.ops.Max;
import io.treegrad.autodiff.ops.Mean;
import io.treegrad.autodiff.ops.Mul;
import io.treegrad.autodiff.ops.Neg;
import io.treegrad.autodiff.ops.Pow;
import io.treegrad.autodiff.ops.PowScalar;
import io.treegrad.autodiff.ops.Relu;
import io.treegrad.autodiff.ops.Reshape;
import io.treegrad.autodiff.ops.Sigmoid;
import io.treegrad.autodiff.ops.Sin;
import io.treegrad.autodiff.ops.Slice;
import io.treegrad.autodiff.ops.Softmax;
import io.treegrad.autodiff.ops.SoftmaxCrossEntropy;
import io.treegrad.autodiff.ops.Softplus;
import io.treegrad.autodiff.ops.Sqrt;
import io.treegrad.autodiff.ops.Sub;
import io.treegrad.autodiff.ops.Sum;
import io.treegrad.autodiff.ops.SumTo;
import io.treegrad.autodiff.ops.Tanh;
import io.treegrad.autodiff.ops.Transpose;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An ND4J array in a dynamically recorded graph, with PyTorch's autograd semantics.
 *
 * <p>A <em>leaf</em> is a tensor the user made; a non-leaf is the output of an op applied while
 * {@link GradMode} is on to inputs of which at least one {@linkplain #requiresGrad() requires grad}.
 * {@link #backward()} walks the graph from this tensor and <em>accumulates</em> gradients into the
 * {@link #grad()} of leaves that require grad, until {@link #zeroGrad()}. The graph's saved arrays are
 * freed by backward unless it is asked to retain them.
 */
public final class Tensor {
    public static final DataType DEFAULT_TYPE = DataType.FLOAT;

    private final INDArray value;
    private boolean requiresGrad;
    private Node node;          // creator (non-leaf) or lazily made accumulator (leaf)
    private Tensor grad;
    private Tensor tangent;
    private String name;

    Tensor(INDArray value, boolean requiresGrad) {
        if (value == null) {
            throw new IllegalArgumentException("a tensor needs a value");
        }
        this.value = value;
        this.requiresGrad = requiresGrad;
    }

    // ---------------------------------------------------------------- construction

    /** A leaf wrapping {@code value} (not copied), not requiring grad. */
    public static Tensor of(INDArray value) {
        return new Tensor(value, false);
    }

    /** A rank-1 float32 leaf. */
    public static Tensor of(double... values) {
        return of(DEFAULT_TYPE, values);
    }

    public static Tensor of(DataType type, double... values) {
        return new Tensor(Nd4j.createFromArray(values).castTo(type), false);
    }

    /** A rank-2 float32 leaf from rows. */
    public static Tensor of(double[][] rows) {
        return of(DEFAULT_TYPE, rows);
    }

    public static Tensor of(DataType type, double[][] rows) {
        return new Tensor(Nd4j.createFromArray(rows).castTo(type), false);
    }

    /** A rank-0 float32 leaf. */
    public static Tensor scalar(double v) {
        return scalar(DEFAULT_TYPE, v);
    }

    public static Tensor scalar(DataType type, double v) {
        return new Tensor(Nd.scalar(type, v), false);
    }

    public static Tensor zeros(DataType type, long... shape) {
        return new Tensor(Nd.zeros(type, shape), false);
    }

    public static Tensor ones(DataType type, long... shape) {
        return new Tensor(Nd.ones(type, shape), false);
    }

    /** Standard normal values from a seeded generator (same seed, same values, on every backend). */
    public static Tensor randn(long seed, DataType type, long... shape) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        double[] v = new double[(int) Shapes.length(shape)];
        for (int i = 0; i < v.length; i++) {
            // Box-Muller from two uniforms in (0,1]
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            v[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        }
        return new Tensor(Nd4j.createFromArray(v).castTo(type).reshape(shape), false);
    }

    // ---------------------------------------------------------------- properties

    public INDArray value() {
        return value;
    }

    public long[] shape() {
        return value.shape();
    }

    public int rank() {
        return value.rank();
    }

    public long size(int axis) {
        return value.size(Shapes.axis(axis, rank()));
    }

    public long length() {
        return value.length();
    }

    public DataType dataType() {
        return value.dataType();
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (value.length() != 1) {
            throw new IllegalStateException("item() needs a one-element tensor, this one has shape "
                    + Shapes.str(shape()));
        }
        return value.getDouble(0);
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as a variable whose gradient backward should compute; returns this tensor. */
    public Tensor requiresGrad(boolean requires) {
        if (!isLeaf()) {
            throw new IllegalStateException("requiresGrad can only be changed on a leaf; this tensor is"
                    + " the output of " + node.label() + " (use detach() to get a leaf)");
        }
        if (requires && !value.dataType().isFPType()) {
            throw new IllegalArgumentException("only floating-point tensors can require grad, not "
                    + value.dataType());
        }
        this.requiresGrad = requires;
        return this;
    }

    /** True for tensors made by the user, false for outputs of recorded ops. */
    public boolean isLeaf() {
        return node == null || node.isLeaf();
    }

    /** The accumulated gradient, or null. For non-leaves only after {@link #retainGrad()}. */
    public Tensor grad() {
        return grad;
    }

    /**
     * Sets this leaf's gradient tensor, e.g. a view into a model's flat gradient buffer, into which
     * later backward calls then accumulate in place.
     */
    public void setGrad(Tensor g) {
        if (g != null && !Shapes.equal(g.shape(), shape())) {
            throw new IllegalArgumentException("setGrad: gradient shape " + Shapes.str(g.shape())
                    + " differs from the tensor's " + Shapes.str(shape()));
        }
        grad = g;
    }

    void setGradUnchecked(Tensor g) {
        grad = g;
    }

    /** Zeros the gradient in place (keeping the buffer, so views into a flat buffer stay bound). */
    public void zeroGrad() {
        if (grad == null) {
            return;
        }
        if (grad.requiresGrad()) {
            grad = null;   // a gradient with a graph (createGraph) is dropped, not overwritten
        } else {
            grad.value.assign(0);
        }
    }

    /** Keeps this non-leaf's gradient in {@link #grad()} during backward (leaves always keep it). */
    public Tensor retainGrad() {
        if (!requiresGrad) {
            throw new IllegalStateException("retainGrad on a tensor that does not require grad");
        }
        if (!isLeaf()) {
            node.retained = this;
        }
        return this;
    }

    /**
     * Registers a hook that sees the gradient flowing into this tensor during backward and may
     * return a replacement (or null to keep it). Returns a handle whose {@code close()} removes it.
     */
    public AutoCloseable registerHook(UnaryOperator<Tensor> hook) {
        Node n = gradNode();
        if (n == null) {
            throw new IllegalStateException("cannot register a hook on a tensor that does not require grad");
        }
        n.addHook(hook);
        return () -> n.hooks.remove(hook);
    }

    /** A new leaf sharing this tensor's value, cut from the graph (and without a tangent). */
    public Tensor detach() {
        return new Tensor(value, false);
    }

    /** The forward-mode tangent carried by this tensor (see {@link ForwardAD}), or null. */
    public Tensor tangent() {
        return tangent;
    }

    void setTangent(Tensor t) {
        tangent = t;
    }

    /** A label for error messages and graph pictures; returns this tensor. */
    public Tensor name(String label) {
        this.name = label;
        return this;
    }

    public String name() {
        return name;
    }

    /** The op that produced this tensor, or null for a leaf. */
    public String creator() {
        return isLeaf() ? null : node.label();
    }

    void attach(Node creator) {
        node = creator;
        requiresGrad = true;
    }

    /** The graph vertex gradients flow into: the creator, a leaf's accumulator, or null. */
    Node gradNode() {
        if (node != null) {
            return node;
        }
        if (requiresGrad) {
            node = new Node(this);
            return node;
        }
        return null;
    }

    // ---------------------------------------------------------------- backward

    /** Backward from a one-element tensor: accumulates d(this)/d(leaf) into each leaf's grad. */
    public void backward() {
        backward(null, false, false);
    }

    /** Backward with seed {@code v}: accumulates the vector-Jacobian product vᵀJ into the leaves. */
    public void backward(Tensor v) {
        backward(v, false, false);
    }

    public void backward(Tensor v, boolean retainGraph) {
        backward(v, retainGraph, false);
    }

    /**
     * @param v           the vector in vᵀJ, of this tensor's shape; null for a one-element tensor
     * @param retainGraph keep the saved arrays so the graph can be walked again
     * @param createGraph record the backward itself, so the gradients have graphs (higher order)
     */
    public void backward(Tensor v, boolean retainGraph, boolean createGraph) {
        Engine.run(new Tensor[] {this}, new Tensor[] {seedFor(v)}, retainGraph || createGraph, createGraph,
                null, false);
    }

    Tensor seedFor(Tensor v) {
        if (v == null) {
            if (length() != 1) {
                throw new IllegalArgumentException("backward() without a gradient needs a one-element"
                        + " output, but this tensor has shape " + Shapes.str(shape())
                        + ": pass v, the vector of the vector-Jacobian product vᵀJ, with that shape");
            }
            return null;
        }
        if (!Shapes.equal(v.shape(), shape())) {
            throw new IllegalArgumentException("backward(v): v has shape " + Shapes.str(v.shape())
                    + " but the output has shape " + Shapes.str(shape()));
        }
        Nd.requireSameType(v.value, value, "backward(v)");
        return v;
    }

    // ---------------------------------------------------------------- ops

    public Tensor add(Tensor o) { return new Add().apply(this, o); }
    public Tensor add(double c) { return add(constantLike(c)); }
    public Tensor sub(Tensor o) { return new Sub().apply(this, o); }
    public Tensor sub(double c) { return sub(constantLike(c)); }
    public Tensor mul(Tensor o) { return new Mul().apply(this, o); }
    public Tensor mul(double c) { return mul(constantLike(c)); }
    public Tensor div(Tensor o) { return new Div().apply(this, o); }
    public Tensor div(double c) { return div(constantLike(c)); }
    public Tensor neg() { return new Neg().apply(this); }
    public Tensor pow(double p) { return new PowScalar(p).apply(this); }
    public Tensor pow(Tensor p) { return new Pow().apply(this, p); }
    public Tensor exp() { return new Exp().apply(this); }
    public Tensor log() { return new Log().apply(this); }
    public Tensor sqrt() { return new Sqrt().apply(this); }
    public Tensor abs() { return new Abs().apply(this); }
    public Tensor sin() { return new Sin().apply(this); }
    public Tensor cos() { return new Cos().apply(this); }
    public Tensor tanh() { return new Tanh().apply(this); }
    public Tensor sigmoid() { return new Sigmoid().apply(this); }
    public Tensor relu() { return new Relu().apply(this); }
    public Tensor leakyRelu(double slope) { return new LeakyRelu(slope).apply(this); }
    public Tensor softplus() { return new Softplus().apply(this); }
    public Tensor clamp(double min, double max) { return new Clamp(min, max).apply(this); }

    /** Matrix product: 2-D × 2-D, batched 3-D × 3-D, or 3-D × 2-D (one matrix for every batch). */
    public Tensor matmul(Tensor o) { return new MatMul().apply(this, o); }
    /** op(this)·op(o), op transposing the last two axes where asked (as gemm flags, no copies). */
    public Tensor matmul(Tensor o, boolean transposeThis, boolean transposeOther) {
        return new MatMul(transposeThis, transposeOther).apply(this, o);
    }
    /** Swaps the last two axes (the matrix transpose, batched for rank 3). */
    public Tensor transpose() { return new Transpose().apply(this); }
    /** Same values in a new shape (C order); one size may be -1 to be inferred. */
    public Tensor reshape(long... newShape) { return new Reshape(newShape).apply(this); }
    /** Elements {@code from} (inclusive) to {@code to} (exclusive) along an axis. */
    public Tensor slice(int axis, long from, long to) { return new Slice(axis, from, to).apply(this); }
    /** The rows {@code index[i]} of this tensor along axis 0, repeats allowed. */
    public Tensor gatherRows(int... index) { return new GatherRows(index).apply(this); }
    public Tensor sum() { return new Sum(null, false).apply(this); }
    public Tensor sum(int axis, boolean keepDims) { return new Sum(axis, keepDims).apply(this); }
    public Tensor mean() { return new Mean(null, false).apply(this); }
    public Tensor mean(int axis, boolean keepDims) { return new Mean(axis, keepDims).apply(this); }
    public Tensor max() { return new Max(null, false).apply(this); }
    public Tensor max(int axis, boolean keepDims) { return new Max(axis, keepDims).apply(this); }
    public Tensor softmax(int axis) { return new Softmax(axis).apply(this); }
    public Tensor logSoftmax(int axis) { return new LogSoftmax(axis).apply(this); }
    public Tensor logSumExp() { return new LogSumExp(null, false).apply(this); }
    public Tensor logSumExp(int axis, boolean keepDims) { return new LogSumExp(axis, keepDims).apply(this); }
    /** Inverted dropout: zeroes each element with probability p (mask from {@code seed}), scales the rest by 1/(1-p). */
    public Tensor dropout(double p, long seed) { return new Dropout(p, seed).apply(this); }
    /** Broadcasts to {@code shape} by NumPy rules (materialised). */
    public Tensor expandTo(long... target) { return new ExpandTo(target).apply(this); }
    /** Sums over broadcast axes down to {@code shape}: the adjoint of {@link #expandTo}. */
    public Tensor sumTo(long... target) { return new SumTo(target).apply(this); }
    /** A copy in another data type (the gradient is cast back). */
    public Tensor to(DataType type) { return type == dataType() ? this : new Cast(type).apply(this); }

    /** Concatenation along an axis. */
    public static Tensor concat(int axis, Tensor... parts) { return new Concat(axis).apply(parts); }

    /** x·W + b in one op (b may be null): x [n, in], W [in, out], b [out]. */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        return b == null ? new Linear().apply(x, w) : new Linear().apply(x, w, b);
    }

    /** Mean over the batch of −log softmax(logits)[i, label_i]; logits [n, classes]. */
    public static Tensor softmaxCrossEntropy(Tensor logits, int[] labels) {
        return new SoftmaxCrossEntropy(labels).apply(logits);
    }

    private Tensor constantLike(double c) {
        return new Tensor(Nd.scalar(dataType(), c), false);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Tensor");
        if (name != null) {
            s.append(' ').append(name);
        }
        s.append(Shapes.str(shape())).append(' ').append(dataType());
        if (!isLeaf()) {
            s.append(" creator=").append(node.label());
        } else if (requiresGrad) {
            s.append(" requiresGrad");
        }
        return s.append('\n').append(value).toString();
    }
}
