package io.treegrad.driver.config;

import io.treegrad.loss.L2Penalty;
import io.treegrad.loss.Loss;
import java.util.List;

/**
 * {@code loss:}.
 *
 * @param type  {@code cross_entropy} (softmax, integer labels), {@code mse}, {@code bce_with_logits}
 *              (one logit, 0/1 labels or targets in [0, 1]) or {@code huber}
 * @param delta Huber's threshold (default 1); null for the other losses
 * @param l2    λ of the weight penalty λ·Σ‖W‖² (default 0: none)
 */
public record LossConfig(String type, Double delta, Double l2) {
    public static final List<String> TYPES = List.of("cross_entropy", "mse", "bce_with_logits", "huber");
    public static final double DEFAULT_HUBER_DELTA = 1.0;

    public Loss build() {
        return Loss.named(type, delta);
    }

    /** The weight penalty, or null when {@code l2} is 0. */
    public L2Penalty l2Penalty() {
        return l2 == null || l2 == 0 ? null : new L2Penalty(l2);
    }
}
