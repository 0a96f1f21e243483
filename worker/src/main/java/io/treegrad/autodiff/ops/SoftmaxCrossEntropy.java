package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import io.treegrad.util.HostCopy;
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
        if (z.dataType() != DataType.FLOAT && z.dataType() != DataType.DOUBLE) {
            INDArray logProb = Nd4j.exec(new LogSoftMax(z, Nd4j.createUninitialized(z.dataType(), z.shape(), 'c')))[0];
            double total = 0;
            for (int i = 0; i < labels.length; i++) {
                total -= logProb.getDouble(i, labels[i]);
            }
            save(input(0), constant(Transforms.exp(logProb, false)));
            return Nd.scalar(z.dataType(), total / n);
        }
        // FLOAT and DOUBLE: one pass over a host copy of the (small) logits instead of the log-softmax
        // op, an exp op and n single-element reads (~17 µs of them at n = 128)
        double[] v = HostCopy.toDoubles(z);
        double total = softmaxRows(v, (int) classes);
        save(input(0), constant(array(v, z.dataType(), z.shape())));
        return Nd.scalar(z.dataType(), total / n);
    }

    /**
     * Each row of {@code v} (row-major, k columns) ← its softmax, stably: pᵢⱼ = eᵢⱼ / Σⱼ eᵢⱼ with eᵢⱼ =
     * exp(zᵢⱼ − mᵢ), mᵢ = maxⱼ zᵢⱼ. Returns Σᵢ (lseᵢ − zᵢ,yᵢ), lseᵢ = mᵢ + log Σⱼ eᵢⱼ: the batch's loss sum.
     */
    private double softmaxRows(double[] v, int k) {
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            int row = i * k;
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                m = Math.max(m, v[row + j]);
            }
            double zy = v[row + labels[i]];
            double sum = 0;
            for (int j = 0; j < k; j++) {
                double e = Math.exp(v[row + j] - m);
                v[row + j] = e;
                sum += e;
            }
            total += m + Math.log(sum) - zy;
            double inv = 1.0 / sum;
            for (int j = 0; j < k; j++) {
                v[row + j] *= inv;
            }
        }
        return total;
    }

    /** v as a fresh C-ordered array of the given type (FLOAT or DOUBLE) and shape. */
    private static INDArray array(double[] v, DataType type, long[] shape) {
        INDArray out = Nd4j.createUninitialized(type, shape, 'c');
        if (type == DataType.DOUBLE) {
            HostCopy.into(v, v.length, out);
            return out;
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        HostCopy.into(f, f.length, out);
        return out;
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
        // first order: (softmax − onehot)·(g/n) (g is the scalar seed), on a host copy of p where two
        // ops (a subtraction, a scaling) cost ~25 µs at [128, 10]
        INDArray p = saved(1).value();
        double scale = g.value().getDouble(0) / n;
        if (p.dataType() != DataType.FLOAT && p.dataType() != DataType.DOUBLE) {
            return grads(constant(p.sub(oneHot(p.dataType(), p.shape())).muli(scale)));
        }
        double[] r = HostCopy.toDoubles(p);
        int k = (int) p.size(1);
        for (int i = 0; i < labels.length; i++) {
            r[i * k + labels[i]] -= 1.0;
        }
        for (int i = 0; i < r.length; i++) {
            r[i] *= scale;
        }
        return grads(constant(array(r, p.dataType(), p.shape())));
    }
    @Override protected Tensor jvp(Tensor... t) { return residual().mul(t[0]).sum().div(n); }
}
