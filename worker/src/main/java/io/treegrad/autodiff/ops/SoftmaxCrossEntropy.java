package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fused, stable softmax cross-entropy with integer labels: L = (1/n) Σᵢ (logΣⱼexp zᵢⱼ − zᵢ,yᵢ), the mean
 * over the batch. ∂L/∂z = (softmax(z) − onehot(y)) / n. Fused because the separate ops overflow
 * (exp of a large logit) and cost several passes.
 */
public final class SoftmaxCrossEntropy extends Function {
    private final int[] labels;
    private long n;

    public SoftmaxCrossEntropy(int[] labels) { this.labels = labels.clone(); }

    @Override protected INDArray forward(INDArray... x) {
        INDArray z = x[0];
        if (z.rank() != 2) {
            throw new IllegalArgumentException("softmaxCrossEntropy: logits must be [batch, classes], got "
                    + Shapes.str(z.shape()));
        }
        n = z.size(0);
        long classes = z.size(1);
        if (labels.length != n) {
            throw new IllegalArgumentException("softmaxCrossEntropy: " + labels.length + " labels for "
                    + n + " rows of logits");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("softmaxCrossEntropy: label " + labels[i] + " at row "
                        + i + " is out of range for " + classes + " classes (expected 0.." + (classes - 1) + ")");
            }
        }
        INDArray logProb = Nd.binary(Nd.Binary.SUB, z, LogSumExp.compute(z, 1));
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            total -= logProb.getDouble(i, labels[i]);
        }
        save(input(0), constant(org.nd4j.linalg.ops.transforms.Transforms.exp(logProb, false)));
        return Nd.scalar(z.dataType(), total / n);
    }

    /** softmax(z) − onehot(y): recomputed from z when the backward itself is recorded. */
    private Tensor residual() {
        Tensor p = io.treegrad.autodiff.GradMode.isEnabled() ? saved(0).softmax(1) : saved(1);
        INDArray onehot = Nd4j.zeros(p.dataType(), p.shape());
        for (int i = 0; i < labels.length; i++) {
            onehot.putScalar(i, labels[i], 1.0);
        }
        return p.sub(constant(onehot));
    }

    @Override protected Tensor[] backward(Tensor g) { return grads(residual().mul(g.div(n))); }
    @Override protected Tensor jvp(Tensor... t) { return residual().mul(t[0]).sum().div(n); }
}
