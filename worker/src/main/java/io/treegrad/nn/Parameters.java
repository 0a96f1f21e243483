package io.treegrad.nn;

import io.treegrad.autodiff.Shapes;
import io.treegrad.autodiff.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * All parameters of a model as views into ONE contiguous flat buffer, and their gradients as views
 * into one flat gradient buffer. The flat buffers are what gets broadcast, aggregated, stepped by the
 * optimizer and checkpointed; the per-layer tensors see every change without a copy.
 */
public final class Parameters {
    /** One named parameter: where it lives in the flat buffers. */
    public record Entry(String name, long[] shape, long offset, long length, Tensor tensor) {}

    private final INDArray values;
    private final INDArray grads;
    private final Map<String, Entry> entries;

    private Parameters(DataType type, List<String> names, List<long[]> shapes) {
        long total = 0;
        for (long[] s : shapes) {
            total += Shapes.length(s);
        }
        values = Nd4j.zeros(type, total);
        grads = Nd4j.zeros(type, total);
        Map<String, Entry> map = new LinkedHashMap<>();
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            long[] shape = shapes.get(i);
            long n = Shapes.length(shape);
            Tensor t = Tensor.of(view(values, offset, n, shape)).requiresGrad(true).name(names.get(i));
            t.setGrad(Tensor.of(view(grads, offset, n, shape)));
            map.put(names.get(i), new Entry(names.get(i), shape.clone(), offset, n, t));
            offset += n;
        }
        entries = Collections.unmodifiableMap(map);
    }

    private static INDArray view(INDArray flat, long offset, long n, long[] shape) {
        return flat.get(NDArrayIndex.interval(offset, offset + n)).reshape('c', shape);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Declares parameters in order; {@link #build} lays them out back to back. */
    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private final List<long[]> shapes = new ArrayList<>();

        public Builder add(String name, long... shape) {
            if (names.contains(name)) {
                throw new IllegalArgumentException("parameter " + name + " declared twice");
            }
            names.add(name);
            shapes.add(shape.clone());
            return this;
        }

        public Parameters build(DataType type) {
            return new Parameters(type, names, shapes);
        }
    }

    /** The flat parameter buffer (rank 1). */
    public INDArray values() {
        return values;
    }

    /** The flat gradient buffer (rank 1), into which backward accumulates. */
    public INDArray grads() {
        return grads;
    }

    public long size() {
        return values.length();
    }

    public DataType dataType() {
        return values.dataType();
    }

    public Tensor get(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no parameter named " + name + "; have " + entries.keySet());
        }
        return e.tensor();
    }

    /** The parameters in layout order. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    public void zeroGrad() {
        Nd4j.getMemoryManager().memset(grads);   // the whole buffer it owns: one memset, not an assign op
    }

    /** Overwrites the flat values (e.g. with broadcast parameters); the length must match. */
    public void setValues(INDArray flat) {
        if (flat.length() != values.length()) {
            throw new IllegalArgumentException("expected " + values.length() + " parameter values, got "
                    + flat.length());
        }
        values.assign(flat.reshape(values.length()));
    }
}
