package io.treegrad.train;

import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Tensor;
import io.treegrad.loss.L2Penalty;
import io.treegrad.loss.Loss;
import io.treegrad.loss.Targets;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Model;
import io.treegrad.util.HostCopy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.MirroringPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What is minimised: a model, a loss (a mean over the batch) and an optional L2 penalty on its
 * weights. {@link #accumulateGradient} is the work of one minibatch in a task.
 */
public final class Objective {
    private final Model model;
    private final Loss loss;
    private final L2Penalty penalty;

    public Objective(Model model, Loss loss, L2Penalty penalty) {
        this.model = model;
        this.loss = loss;
        this.penalty = penalty;
    }

    public Model model() {
        return model;
    }

    /**
     * Forward, loss and backward of one minibatch of n examples. Adds n·∇(mean loss + penalty) to
     * the model's flat gradient buffer (backward seeded with n instead of 1: the gradient of the
     * batch's loss SUM, so minibatches of different sizes add up exactly and the driver divides
     * once). Returns n·(mean loss + penalty).
     */
    public double accumulateGradient(INDArray x, Targets targets, Mode mode) {
        // Every array of the step (activations, saved tensors, gradients) lives in a workspace that
        // is reused from step to step: no fresh allocation, page zeroing or GC per step. Nothing made
        // inside escapes: the gradient is added into the flat buffer allocated outside it.
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP, STEP_WORKSPACE)) {
            Tensor out = model.forward(Tensor.of(x), mode);
            Tensor objective = loss.compute(out, targets);
            if (penalty != null && penalty.lambda() > 0) {
                objective = objective.add(penalty.of(model.weights()));
            }
            int n = targets.size();
            double value = objective.item();
            fit(out.value(), targets);
            objective.backward(Tensor.scalar(objective.dataType(), n));
            return value * n;
        }
    }

    private long lastCorrect;
    private double lastSquaredError;

    /** Rows of the last {@link #accumulateGradient} batch whose argmax was their label (0 for regression). */
    public long lastCorrect() {
        return lastCorrect;
    }

    /** Σ (output − target)² over the last {@link #accumulateGradient} batch (0 for classification). */
    public double lastSquaredError() {
        return lastSquaredError;
    }

    /** The same measures as {@link #evaluate}'s, on the training batch's (training-mode) outputs. */
    private void fit(INDArray outputs, Targets targets) {
        BatchEvaluation b = new BatchEvaluation(Double.NaN, outputs);
        lastCorrect = targets.labels() != null ? b.correct(targets.labels()) : 0;
        lastSquaredError = targets.labels() != null ? 0 : b.squaredError(targets.values());
    }

    private static final String STEP_WORKSPACE = "treegrad-step";
    /** Learns its size on the first step, then reuses one block (DL4J's training workspace policy). */
    private static final WorkspaceConfiguration STEP = WorkspaceConfiguration.builder()
            .initialSize(0)
            .overallocationLimit(0.2)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyMirroring(MirroringPolicy.FULL)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    /** The loss (without penalty) and the raw outputs of a batch, in evaluation mode, unrecorded. */
    public BatchEvaluation evaluate(INDArray x, Targets targets) {
        try (GradMode.Scope off = GradMode.noGrad()) {
            Tensor out = model.forward(Tensor.of(x), io.treegrad.nn.Mode.EVAL);
            return new BatchEvaluation(loss.compute(out, targets).item(), out.value());
        }
    }

    /** A batch's mean loss and its outputs. */
    public record BatchEvaluation(double meanLoss, INDArray outputs) {
        /**
         * How many rows' argmax (the first largest output) equals their label. FLOAT and DOUBLE
         * outputs are read in one bulk copy: the argMax op and a getLong per row cost ~35 µs at
         * [128, 10], a sizable part of a training step's non-gemm time.
         */
        public long correct(int[] labels) {
            if (outputs.rank() != 2 || (outputs.dataType() != DataType.FLOAT && outputs.dataType() != DataType.DOUBLE)) {
                INDArray predicted = outputs.argMax(1);
                long correct = 0;
                for (int r = 0; r < labels.length; r++) {
                    correct += predicted.getLong(r) == labels[r] ? 1 : 0;
                }
                return correct;
            }
            int k = (int) outputs.size(1);
            double[] v = HostCopy.toDoubles(outputs);   // FLOAT widened exactly: the same comparisons
            long correct = 0;
            for (int r = 0; r < labels.length; r++) {
                int at = r * k;
                int best = 0;
                for (int j = 1; j < k; j++) {
                    if (v[at + j] > v[at + best]) {
                        best = j;
                    }
                }
                correct += best == labels[r] ? 1 : 0;
            }
            return correct;
        }

        /** Σ (output − target)² over the batch. */
        public double squaredError(INDArray targets) {
            INDArray diff = outputs.sub(targets.reshape(outputs.shape()));
            return diff.mul(diff).sumNumber().doubleValue();
        }
    }
}
