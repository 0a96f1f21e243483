package io.treegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Properties of NumPy broadcasting, forward and backward, on shapes jqwik draws. */
class BroadcastPropertiesTest {

    /** A full shape and a broadcast-compatible partner (leading axes dropped, some sizes set to 1). */
    @Provide
    Arbitrary<Tuple.Tuple2<long[], long[]>> shapePairs() {
        Arbitrary<List<Integer>> full = Arbitraries.integers().between(1, 4).list().ofMinSize(1).ofMaxSize(4);
        return full.flatMap(dims -> {
            long[] f = dims.stream().mapToLong(Integer::longValue).toArray();
            return Combinators.combine(Arbitraries.integers().between(0, f.length - 1),
                    Arbitraries.integers().between(0, (1 << f.length) - 1)).as((drop, ones) -> {
                        long[] o = Arrays.copyOfRange(f, drop, f.length);
                        for (int i = 0; i < o.length; i++) {
                            if ((ones >> i & 1) == 1) {
                                o[i] = 1;
                            }
                        }
                        return Tuple.of(f, o);
                    });
        });
    }

    @Property(tries = 60)
    void forwardMatchesElementwiseDefinition(@ForAll("shapePairs") Tuple.Tuple2<long[], long[]> shapes) {
        Tensor a = Tensor.randn(1, DataType.DOUBLE, shapes.get1());
        Tensor b = Tensor.randn(2, DataType.DOUBLE, shapes.get2());
        INDArray y = a.sub(b).value();
        long[] out = shapes.get1();
        assertArrayEquals(out, y.shape());
        long[] idx = new long[out.length];
        for (long flat = 0; flat < Shapes.length(out); flat++) {
            long rest = flat;
            for (int d = out.length - 1; d >= 0; d--) {
                idx[d] = rest % out[d];
                rest /= out[d];
            }
            assertEquals(a.value().getDouble(idx) - b.value().getDouble(project(idx, shapes.get2())),
                    y.getDouble(idx), 1e-15);
        }
    }

    @Property(tries = 60)
    void gradientOfTheSmallerOperandSumsOverBroadcastAxes(@ForAll("shapePairs") Tuple.Tuple2<long[], long[]> shapes) {
        Tensor a = Tensor.randn(3, DataType.DOUBLE, shapes.get1());
        Tensor b = Tensor.randn(4, DataType.DOUBLE, shapes.get2()).requiresGrad(true);
        b.mul(a).sum().backward();
        assertArrayEquals(shapes.get2(), b.grad().shape());
        // d/db Σ a·b = Σ of a over the axes b was broadcast along
        INDArray expected = Nd.sumTo(a.value(), shapes.get2());
        assertArrayEquals(Nd4j.toFlattened('c', expected).toDoubleVector(), Nd4j.toFlattened('c', b.grad().value()).toDoubleVector(), 1e-12);
        // and the reduction keeps the total
        assertEquals(a.value().sumNumber().doubleValue(), b.grad().value().sumNumber().doubleValue(), 1e-9);
    }

    private static long[] project(long[] idx, long[] shape) {
        long[] p = new long[shape.length];
        int lead = idx.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            p[i] = shape[i] == 1 ? 0 : idx[i + lead];
        }
        return p;
    }
}
