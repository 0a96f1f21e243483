package io.treegrad.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything an {@link Optimizer} carries from one step to the next: what a checkpoint saves and
 * {@link Optimizer#restore} puts back, after which stepping on continues bit for bit as if never
 * interrupted.
 *
 * <p>{@code buffers} are the optimizer's named flat state buffers ("velocity", "m", "v", "sumSq"),
 * in a fixed order, each a rank-1 array as long as the parameter buffer and in its data type (a
 * checkpoint writes them like parameters). They are empty before the first step and for plain SGD.
 * Hyperparameters are not state: they come from the run's configuration.
 *
 * @param optimizer the optimizer's {@link Optimizer#name()}, checked on restore
 * @param step      the number of steps taken (the next step is {@code step + 1})
 * @param buffers   name → flat buffer; the record owns these arrays (copies, never live state)
 */
public record OptimizerState(String optimizer, long step, LinkedHashMap<String, INDArray> buffers) {
    public OptimizerState {
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(buffers, "buffers");
        if (step < 0) {
            throw new IllegalArgumentException("OptimizerState.step: must be >= 0, got " + step);
        }
        buffers = new LinkedHashMap<>(buffers);
        for (Map.Entry<String, INDArray> e : buffers.entrySet()) {
            INDArray b = Objects.requireNonNull(e.getValue(), "buffer " + e.getKey());
            if (b.rank() != 1) {
                throw new IllegalArgumentException("OptimizerState buffer '" + e.getKey()
                        + "': must be rank 1 (flat), got shape " + Arrays.toString(b.shape()));
            }
        }
    }
}
