package io.treegrad.autodiff.ops;

import io.treegrad.autodiff.Function;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Concatenation along an axis; the gradient is cut back into the parts. */
public final class Concat extends Function {
    private final int axisArg;
    private int axis;
    private long[] sizes;
    private long[][] shapes;

    public Concat(int axis) { this.axisArg = axis; }

    @Override protected INDArray forward(INDArray... x) {
        if (x.length == 0) {
            throw new IllegalArgumentException("concat needs at least one tensor");
        }
        axis = Shapes.axis(axisArg, x[0].rank());
        sizes = new long[x.length];
        shapes = new long[x.length][];
        for (int i = 0; i < x.length; i++) {
            sizes[i] = x[i].size(axis);
            shapes[i] = x[i].shape();
            Nd.requireSameType(x[0], x[i], "concat");
        }
        return x.length == 1 ? x[0].dup() : Nd4j.concat(axis, x);
    }
    @Override protected Tensor[] backward(Tensor g) {
        Tensor[] parts = new Tensor[sizes.length];
        long offset = 0;
        for (int i = 0; i < sizes.length; i++) {
            parts[i] = needsInputGrad(i) ? g.slice(axis, offset, offset + sizes[i]) : null;
            offset += sizes[i];
        }
        return parts;
    }
    @Override protected Tensor jvp(Tensor... t) {
        Tensor[] parts = new Tensor[t.length];
        for (int i = 0; i < t.length; i++) {
            parts[i] = t[i] != null ? t[i] : Tensor.zeros(output().dataType(), shapes[i]);
        }
        return Tensor.concat(axis, parts);
    }
}
