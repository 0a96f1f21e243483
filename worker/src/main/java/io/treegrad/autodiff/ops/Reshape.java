package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The same elements (C order) in a new shape; one size may be −1. */
public final class Reshape extends Function {
    private final long[] requested;
    private long[] in;

    public Reshape(long[] shape) { this.requested = shape.clone(); }

    @Override protected INDArray forward(INDArray... x) {
        in = x[0].shape();
        long[] shape = resolve(requested, x[0].length(), in);
        return Shapes.equal(shape, in) ? x[0] : x[0].reshape('c', shape);
    }

    static long[] resolve(long[] shape, long length, long[] in) {
        long[] s = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1 && infer < 0) {
                infer = i;
            } else if (s[i] < 0) {
                throw new IllegalArgumentException("reshape: bad size " + s[i] + " in " + Shapes.str(shape));
            } else {
                known *= s[i];
            }
        }
        if (infer >= 0 && known > 0 && length % known == 0) {
            s[infer] = length / known;
        }
        if (Shapes.length(s) != length || (infer >= 0 && s[infer] < 0)) {
            throw new IllegalArgumentException("reshape: cannot view " + length + " elements of shape "
                    + Shapes.str(in) + " as " + Shapes.str(shape));
        }
        return s;
    }

    @Override protected Tensor[] backward(Tensor g) { return grads(g.reshape(in)); }
    @Override protected Tensor jvp(Tensor... t) { return t[0].reshape(requested); }
}
