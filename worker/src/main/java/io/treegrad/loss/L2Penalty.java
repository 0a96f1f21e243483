package io.treegrad.loss;

import io.treegrad.autodiff.Tensor;
import java.util.List;

/** λ Σ_w ‖w‖², added to a loss; its gradient is 2λw. Usually applied to weights, not biases. */
public record L2Penalty(double lambda) {
    public L2Penalty {
        if (!(lambda >= 0)) {
            throw new IllegalArgumentException("l2 lambda must be >= 0, got " + lambda);
        }
    }

    public Tensor of(List<Tensor> weights) {
        Tensor total = null;
        for (Tensor w : weights) {
            Tensor sq = w.mul(w).sum();
            total = total == null ? sq : total.add(sq);
        }
        if (total == null) {
            throw new IllegalArgumentException("l2 penalty over no weights");
        }
        return total.mul(lambda);
    }
}
