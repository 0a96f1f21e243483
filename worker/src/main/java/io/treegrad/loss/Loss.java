package io.treegrad.loss;

import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import java.util.Locale;

/** A training objective: the MEAN over the batch of a per-example loss (documented per loss). */
public interface Loss {
    Tensor compute(Tensor output, Targets targets);

    /** By name, as a config says it: mse, cross_entropy, bce_with_logits, huber (delta default 1). */
    static Loss named(String name, Double delta) {
        return switch (name.trim().toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "mse", "mean_squared_error" -> new MeanSquaredError();
            case "cross_entropy", "softmax_cross_entropy" -> new SoftmaxCrossEntropyLoss();
            case "bce_with_logits", "binary_cross_entropy_with_logits" -> new BinaryCrossEntropyWithLogits();
            case "huber" -> new Huber(delta == null ? 1.0 : delta);
            default -> throw new IllegalArgumentException("unknown loss '" + name
                    + "': expected mse, cross_entropy, bce_with_logits or huber");
        };
    }

    /** The targets as a constant tensor of the output's shape and type. */
    static Tensor valuesLike(Tensor output, Targets targets, String loss) {
        var v = targets.requireValues(loss);
        if (v.length() != output.length() || v.size(0) != output.size(0)) {
            throw new IllegalArgumentException(loss + ": targets " + Shapes.str(v.shape()) + " do not match outputs "
                    + Shapes.str(output.shape()));
        }
        return Tensor.of(v.castTo(output.dataType()).reshape(output.shape()));
    }
}
