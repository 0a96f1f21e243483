package io.treegrad.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An update rule over ONE flat parameter buffer and ONE flat gradient buffer (rank 1, float32 or
 * float64; a model's parameters are all views into the former). The driver calls
 * {@link #step(INDArray, INDArray)} once per training step; the optimizer counts the steps itself.
 *
 * <p>State is a fixed list of named flat buffers as long as the parameters ({@link #stateNames()}),
 * allocated as zeros on the first step in the parameters' data type, plus the step count.
 * {@link #state()} copies it out and {@link #restore(OptimizerState)} puts it back: a run restored
 * from a checkpoint continues bit for bit (the learning-rate schedule depends on the step only).
 *
 * <p>A step allocates no array after the first: each subclass writes its formula as in-place
 * kernels ({@link Flat}) into its state and a few preallocated scratch buffers. Subclasses follow
 * torch.optim op for op (PyTorch 1.13, {@code foreach=False}), defaults and where weight decay enters
 * included; each one's Javadoc has its formula, with g the gradient, θ the parameters, η_t the
 * learning rate of step t (1-based; η_t = {@code schedule.lr(t − 1)}) and λ the weight decay.
 *
 * <p>Not thread-safe: one driver thread steps it.
 */
public abstract class Optimizer {
    private final String name;
    private final LrSchedule schedule;
    private final List<String> stateNames;
    private final LinkedHashMap<String, INDArray> buffers = new LinkedHashMap<>();
    private final INDArray[] scratch;
    private long step;
    private double clipNorm;
    private double lastLr = Double.NaN;
    private double lastGradNorm = Double.NaN;

    /**
     * @param name         the type's name, stored in its {@link OptimizerState}
     * @param scratchCount how many parameter-sized scratch buffers {@link #update} needs
     * @param stateNames   the names of its state buffers, in checkpoint order
     */
    protected Optimizer(String name, LrSchedule schedule, int scratchCount, String... stateNames) {
        this.name = Objects.requireNonNull(name, "name");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.scratch = new INDArray[scratchCount];
        this.stateNames = List.of(stateNames);
    }

    /**
     * Performs step t = {@link #stepCount()} + 1: clips {@code grad} in place if
     * {@link #clipGradNorm(double)} was set, then updates {@code params} in place with the learning
     * rate {@code schedule.lr(t − 1)}. {@code grad} is otherwise left unchanged.
     */
    public final void step(INDArray params, INDArray grad) {
        checkArguments(params, grad);
        prepare(params);
        if (clipNorm > 0) {
            lastGradNorm = GradientClipping.clipByGlobalNorm(grad, clipNorm);
        }
        double lr = schedule.lr(step);
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalStateException(name + ": the learning-rate schedule " + schedule
                    + " gave lr = " + lr + " at step " + (step + 1) + "; it must be finite and >= 0");
        }
        update(params, grad, lr, step + 1);
        step++;
        lastLr = lr;
    }

    /**
     * The update of step t, in place on {@code params} and the state buffers.
     *
     * @param grad the (clipped) gradient; must not be modified
     * @param lr   η_t
     * @param t    the 1-based step number
     */
    protected abstract void update(INDArray params, INDArray grad, double lr, long t);

    /** A state buffer by name (allocated before {@link #update} is first called). */
    protected final INDArray buffer(String bufferName) {
        return buffers.get(bufferName);
    }

    /** Scratch buffer i: parameter-sized, contents undefined at the start of each step. */
    protected final INDArray scratch(int i) {
        return scratch[i];
    }

    /**
     * The L2-regularised gradient d = g + λθ of torch's {@code weight_decay} (the gradient of
     * f(θ) + λ/2·‖θ‖²): {@code grad} itself when λ = 0, else written into {@code out}.
     */
    protected static INDArray withWeightDecay(INDArray grad, INDArray params, double weightDecay, INDArray out) {
        if (weightDecay == 0) {
            return grad;
        }
        out.assign(grad);
        Flat.axpy(weightDecay, params, out);
        return out;
    }

    /**
     * Clips the gradient to global L2 norm {@code maxNorm} before every step, in place
     * ({@link GradientClipping#clipByGlobalNorm}); 0 turns clipping off.
     *
     * @return this
     */
    public final Optimizer clipGradNorm(double maxNorm) {
        new Check().nonNegative("clipNorm", maxNorm).orThrow();
        this.clipNorm = maxNorm;
        return this;
    }

    /** The clipping threshold, 0 when off. */
    public final double clipNorm() {
        return clipNorm;
    }

    /** The type's name ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"). */
    public final String name() {
        return name;
    }

    public final LrSchedule schedule() {
        return schedule;
    }

    /** The number of steps taken (restored ones included). */
    public final long stepCount() {
        return step;
    }

    /** The learning rate of the last step, NaN before the first one. */
    public final double lastLearningRate() {
        return lastLr;
    }

    /** The gradient norm before clipping at the last step; NaN if not clipping or no step yet. */
    public final double lastGradNorm() {
        return lastGradNorm;
    }

    /** The names of the state buffers, in checkpoint order (empty for plain SGD). */
    public final List<String> stateNames() {
        return stateNames;
    }

    /** A copy of the state: later steps do not change it. */
    public final OptimizerState state() {
        LinkedHashMap<String, INDArray> copies = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : buffers.entrySet()) {
            copies.put(e.getKey(), Flat.persistentCopy(e.getValue()));
        }
        return new OptimizerState(name, step, copies);
    }

    /**
     * Replaces the state with a copy of {@code saved} (from {@link #state()} or a checkpoint). The
     * next step checks that the buffers match the parameters' length and data type.
     *
     * @throws IllegalArgumentException if {@code saved} is another optimizer's, or its buffers are
     *                                  not exactly {@link #stateNames()} of one length and type
     */
    public final void restore(OptimizerState saved) {
        Objects.requireNonNull(saved, "saved");
        if (!saved.optimizer().equals(name)) {
            throw new IllegalArgumentException("cannot restore '" + saved.optimizer()
                    + "' optimizer state into a '" + name + "' optimizer");
        }
        Map<String, INDArray> in = saved.buffers();
        boolean fresh = saved.step() == 0 && in.isEmpty();
        if (!fresh && !stateNames.isEmpty() && !(in.keySet().containsAll(stateNames) && in.size() == stateNames.size())) {
            throw new IllegalArgumentException(name + " state must have buffers " + stateNames
                    + ", got " + in.keySet() + " (at step " + saved.step() + ")");
        }
        if (stateNames.isEmpty() && !in.isEmpty()) {
            throw new IllegalArgumentException(name + " has no state buffers, got " + in.keySet());
        }
        INDArray first = in.isEmpty() ? null : in.values().iterator().next();
        for (Map.Entry<String, INDArray> e : in.entrySet()) {
            INDArray b = e.getValue();
            if (b.length() != first.length() || b.dataType() != first.dataType()) {
                throw new IllegalArgumentException(name + " state buffer '" + e.getKey() + "' is "
                        + describe(b) + " but '" + in.keySet().iterator().next() + "' is " + describe(first));
            }
        }
        buffers.clear();
        if (!fresh) {
            for (String bufferName : stateNames) {
                buffers.put(bufferName, Flat.persistentCopy(in.get(bufferName)));
            }
        }
        Arrays.fill(scratch, null);
        step = saved.step();
        lastLr = Double.NaN;
        lastGradNorm = Double.NaN;
    }

    private void prepare(INDArray params) {
        DataType type = params.dataType();
        long n = params.length();
        if (buffers.isEmpty()) {
            for (String bufferName : stateNames) {
                buffers.put(bufferName, Flat.persistentZeros(type, n));
            }
        } else {
            INDArray any = buffers.values().iterator().next();
            if (any.length() != n || any.dataType() != type) {
                throw new IllegalStateException(name + " state is " + describe(any) + " but params are "
                        + describe(params) + ": was it restored from another model's checkpoint?");
            }
        }
        for (int i = 0; i < scratch.length; i++) {
            if (scratch[i] == null || scratch[i].length() != n || scratch[i].dataType() != type) {
                scratch[i] = Flat.persistentZeros(type, n);
            }
        }
    }

    private void checkArguments(INDArray params, INDArray grad) {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(grad, "grad");
        if (params.rank() != 1 || grad.rank() != 1) {
            throw new IllegalArgumentException(name + ".step: params and grad must be flat (rank 1), got shapes "
                    + Arrays.toString(params.shape()) + " and " + Arrays.toString(grad.shape()));
        }
        if (params.length() != grad.length() || params.dataType() != grad.dataType()) {
            throw new IllegalArgumentException(name + ".step: params are " + describe(params)
                    + " but grad is " + describe(grad) + "; they must match");
        }
        if (params.dataType() != DataType.FLOAT && params.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException(name + ".step: params must be FLOAT or DOUBLE, got "
                    + params.dataType());
        }
        if (params.length() > 1 && (params.stride(0) != 1 || grad.stride(0) != 1)) {
            throw new IllegalArgumentException(name + ".step: params and grad must be contiguous, got strides "
                    + params.stride(0) + " and " + grad.stride(0));
        }
    }

    private static String describe(INDArray a) {
        return a.length() + " × " + a.dataType();
    }
}
