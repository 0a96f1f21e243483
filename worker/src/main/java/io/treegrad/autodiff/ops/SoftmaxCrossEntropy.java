package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Fused, stable softmax cross-entropy with integer labels: L = (1/n) Σᵢ (logΣⱼexp zᵢⱼ − zᵢ,yᵢ), the mean
 * over the batch. ∂L/∂z = (softmax(z) − onehot(y)) / n. Fused because the separate ops overflow
 * (exp of a large logit) and cost several passes.
 */
public final class SoftmaxCrossEntropy extends Function {
    private final int[] labels;
    private long n;
    private INDArray onehot;   // built on first use

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
        INDArray logProb = Nd4j.exec(new LogSoftMax(z, Nd4j.createUninitialized(z.dataType(), z.shape(), 'c')))[0];
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            total -= logProb.getDouble(i, labels[i]);
        }
        save(input(0), constant(Transforms.exp(logProb, false)));
        return Nd.scalar(z.dataType(), total / n);
    }

    /** onehot(y) [n, classes], built on the host and copied over once. */
    private INDArray oneHot(DataType type, long[] shape) {
        if (onehot != null) {
            return onehot;
        }
        int k = (int) shape[1];
        if (type == DataType.FLOAT) {
            float[] h = new float[labels.length * k];
            for (int i = 0; i < labels.length; i++) {
                h[i * k + labels[i]] = 1f;
            }
            onehot = Nd4j.create(h, new long[] {labels.length, k}, 'c');
            return onehot;
        }
        double[] h = new double[labels.length * k];
        for (int i = 0; i < labels.length; i++) {
            h[i * k + labels[i]] = 1.0;
        }
        INDArray d = Nd4j.create(h, new long[] {labels.length, k}, 'c');
        onehot = type == DataType.DOUBLE ? d : d.castTo(type);
        return onehot;
    }

    /** softmax(z) − onehot(y): recomputed from z when the backward itself is recorded. */
    private Tensor residual() {
        Tensor p = GradMode.isEnabled() ? saved(0).softmax(1) : saved(1);
        return p.sub(constant(oneHot(p.dataType(), p.shape())));
    }

    @Override protected Tensor[] backward(Tensor g) {
        if (GradMode.isEnabled()) {
            return grads(residual().mul(g.div(n)));
        }
        // first order: (softmax − onehot)·(g/n) in two ops (g is the scalar seed)
        INDArray p = saved(1).value();
        return grads(constant(p.sub(oneHot(p.dataType(), p.shape())).muli(g.value().getDouble(0) / n)));
    }
    @Override protected Tensor jvp(Tensor... t) { return residual().mul(t[0]).sum().div(n); }
}
