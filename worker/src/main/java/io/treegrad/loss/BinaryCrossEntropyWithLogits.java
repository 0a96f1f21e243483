package io.treegrad.loss;

import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.factory.Nd4j;

/**
 * L = mean over elements of −[t·log σ(z) + (1 − t)·log(1 − σ(z))], from logits z and targets t in
 * [0, 1] (or 0/1 labels), computed stably as softplus(z) − t·z, which never takes the log of 0.
 */
public final class BinaryCrossEntropyWithLogits implements Loss {
    @Override
    public Tensor compute(Tensor output, Targets targets) {
        Tensor t;
        if (targets.labels() != null) {
            int[] y = targets.labels();
            double[] v = new double[y.length];
            for (int i = 0; i < y.length; i++) {
                if (y[i] != 0 && y[i] != 1) {
                    throw new IllegalArgumentException("bce_with_logits: label " + y[i] + " at row " + i
                            + " must be 0 or 1");
                }
                v[i] = y[i];
            }
            t = Loss.valuesLike(output, Targets.values(Nd4j.createFromArray(v).reshape(y.length, 1)), "bce_with_logits");
        } else {
            t = Loss.valuesLike(output, targets, "bce_with_logits");
        }
        return output.softplus().sub(output.mul(t)).mean();
    }
}
