package io.treegrad.driver.spark;

import java.io.Serializable;

/** A partition's evaluation, mergeable: loss sum, correct predictions, squared errors, examples. */
public final class EvalSum implements Serializable {
    private static final long serialVersionUID = 1L;

    double lossSum;
    long correct;
    double squaredErrors;
    long count;

    EvalSum merge(EvalSum o) {
        lossSum += o.lossSum;
        correct += o.correct;
        squaredErrors += o.squaredErrors;
        count += o.count;
        return this;
    }
}
