package io.treegrad.train;

import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Tensor;
import io.treegrad.loss.L2Penalty;
import io.treegrad.loss.Loss;
import io.treegrad.loss.Targets;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

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
        Tensor out = model.forward(Tensor.of(x), mode);
        Tensor objective = loss.compute(out, targets);
        if (penalty != null && penalty.lambda() > 0) {
            objective = objective.add(penalty.of(model.weights()));
        }
        int n = targets.size();
        double value = objective.item();
        objective.backward(Tensor.scalar(objective.dataType(), n));
        return value * n;
    }

    /** The loss (without penalty) and the raw outputs of a batch, in evaluation mode, unrecorded. */
    public BatchEvaluation evaluate(INDArray x, Targets targets) {
        try (GradMode.Scope off = GradMode.noGrad()) {
            Tensor out = model.forward(Tensor.of(x), io.treegrad.nn.Mode.EVAL);
            return new BatchEvaluation(loss.compute(out, targets).item(), out.value());
        }
    }

    /** A batch's mean loss and its outputs. */
    public record BatchEvaluation(double meanLoss, INDArray outputs) {}
}
