package io.treegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.autodiff.ops.Abs;
import io.treegrad.autodiff.ops.Add;
import io.treegrad.autodiff.ops.Cast;
import io.treegrad.autodiff.ops.Clamp;
import io.treegrad.autodiff.ops.Concat;
import io.treegrad.autodiff.ops.Cos;
import io.treegrad.autodiff.ops.Div;
import io.treegrad.autodiff.ops.Dropout;
import io.treegrad.autodiff.ops.Exp;
import io.treegrad.autodiff.ops.ExpandTo;
import io.treegrad.autodiff.ops.GatherRows;
import io.treegrad.autodiff.ops.Identity;
import io.treegrad.autodiff.ops.LeakyRelu;
import io.treegrad.autodiff.ops.Linear;
import io.treegrad.autodiff.ops.Log;
import io.treegrad.autodiff.ops.LogSoftmax;
import io.treegrad.autodiff.ops.LogSumExp;
import io.treegrad.autodiff.ops.MatMul;
import io.treegrad.autodiff.ops.Max;
import io.treegrad.autodiff.ops.Mean;
import io.treegrad.autodiff.ops.Mul;
import io.treegrad.autodiff.ops.Neg;
import io.treegrad.autodiff.ops.Pow;
import io.treegrad.autodiff.ops.PowScalar;
import io.treegrad.autodiff.ops.Relu;
import io.treegrad.autodiff.ops.Reshape;
import io.treegrad.autodiff.ops.ScatterAddRows;
import io.treegrad.autodiff.ops.Sigmoid;
import io.treegrad.autodiff.ops.Sin;
import io.treegrad.autodiff.ops.Slice;
import io.treegrad.autodiff.ops.SliceBackward;
import io.treegrad.autodiff.ops.Softmax;
import io.treegrad.autodiff.ops.SoftmaxCrossEntropy;
import io.treegrad.autodiff.ops.Softplus;
import io.treegrad.autodiff.ops.Sqrt;
import io.treegrad.autodiff.ops.Sub;
import io.treegrad.autodiff.ops.Sum;
import io.treegrad.autodiff.ops.SumTo;
import io.treegrad.autodiff.ops.Tanh;
import io.treegrad.autodiff.ops.Transpose;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every op, gradient-checked in float64 from one table: the reverse-mode VJP, the forward-mode JVP
 * and the second derivatives (backward of the backward), each against central finite differences,
 * on shapes drawn at random for each seed, broadcasting cases included. Adding an op = one row.
 */
class OpGradCheckTest {
    private static final long[] SEEDS = {1, 2, 3};

    /** How input values are drawn: kinks (relu, abs, clamp, max ties) are kept away from. */
    enum Domain { ANY, POSITIVE, AWAY_FROM_ZERO, DISTINCT }

    record Input(long[] shape, Domain domain) {}

    /** One op under test: its shapes for a seed, and the function of the inputs. */
    record Row(String name, List<Class<?>> covers, Function<SplittableRandom, Input[]> inputs,
               Function<Tensor[], Tensor> f, boolean secondOrder) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Row> TABLE = new ArrayList<>();

    private static void row(String name, Class<?> op, Function<SplittableRandom, Input[]> inputs,
                            Function<Tensor[], Tensor> f) {
        TABLE.add(new Row(name, List.of(op), inputs, f, true));
    }

    static {
        // elementwise binary, with NumPy broadcasting
        row("add", Add.class, r -> pair(r, Domain.ANY, Domain.ANY), x -> x[0].add(x[1]));
        row("sub", Sub.class, r -> pair(r, Domain.ANY, Domain.ANY), x -> x[0].sub(x[1]));
        row("mul", Mul.class, r -> pair(r, Domain.ANY, Domain.ANY), x -> x[0].mul(x[1]));
        row("div", Div.class, r -> pair(r, Domain.ANY, Domain.POSITIVE), x -> x[0].div(x[1]));
        row("pow tensor exponent", Pow.class, r -> pair(r, Domain.POSITIVE, Domain.ANY), x -> x[0].pow(x[1]));
        row("add scalar", Add.class, r -> new Input[] {any(r, shape(r)), new Input(new long[0], Domain.ANY)},
                x -> x[0].add(x[1]));
        // elementwise unary
        row("neg", Neg.class, r -> one(r, Domain.ANY), x -> x[0].neg());
        row("pow 3", PowScalar.class, r -> one(r, Domain.ANY), x -> x[0].pow(3));
        row("pow -1.5", PowScalar.class, r -> one(r, Domain.POSITIVE), x -> x[0].pow(-1.5));
        row("exp", Exp.class, r -> one(r, Domain.ANY), x -> x[0].exp());
        row("log", Log.class, r -> one(r, Domain.POSITIVE), x -> x[0].log());
        row("sqrt", Sqrt.class, r -> one(r, Domain.POSITIVE), x -> x[0].sqrt());
        row("abs", Abs.class, r -> one(r, Domain.AWAY_FROM_ZERO), x -> x[0].abs());
        row("sin", Sin.class, r -> one(r, Domain.ANY), x -> x[0].sin());
        row("cos", Cos.class, r -> one(r, Domain.ANY), x -> x[0].cos());
        row("tanh", Tanh.class, r -> one(r, Domain.ANY), x -> x[0].tanh());
        row("sigmoid", Sigmoid.class, r -> one(r, Domain.ANY), x -> x[0].sigmoid());
        row("relu", Relu.class, r -> one(r, Domain.AWAY_FROM_ZERO), x -> x[0].relu());
        row("leaky relu", LeakyRelu.class, r -> one(r, Domain.AWAY_FROM_ZERO), x -> x[0].leakyRelu(0.1));
        row("softplus", Softplus.class, r -> one(r, Domain.ANY), x -> x[0].mul(4).softplus());
        row("clamp", Clamp.class, r -> one(r, Domain.AWAY_FROM_ZERO), x -> x[0].clamp(-0.1, 0.1));
        row("dropout", Dropout.class, r -> one(r, Domain.ANY), x -> x[0].dropout(0.4, 7));
        row("identity", Identity.class, r -> one(r, Domain.ANY), x -> new Identity().apply(x[0]));
        row("cast round trip", Cast.class, r -> one(r, Domain.ANY),
                x -> x[0].mul(x[0]).to(DataType.FLOAT).to(DataType.DOUBLE).mul(0).add(x[0].mul(x[0])));
        // linear algebra and shapes
        row("matmul 2-D", MatMul.class, r -> matmul(r, false, false), x -> x[0].matmul(x[1]));
        row("matmul batched 3-D", MatMul.class, r -> matmul(r, true, true), x -> x[0].matmul(x[1]));
        row("matmul 3-D by 2-D", MatMul.class, r -> matmul(r, true, false), x -> x[0].matmul(x[1]));
        row("matmul a·bᵀ", MatMul.class, r -> swap(matmul(r, false, false), false, true),
                x -> x[0].matmul(x[1], false, true));
        row("matmul aᵀ·b", MatMul.class, r -> swap(matmul(r, false, false), true, false),
                x -> x[0].matmul(x[1], true, false));
        row("matmul aᵀ·bᵀ", MatMul.class, r -> swap(matmul(r, false, false), true, true),
                x -> x[0].matmul(x[1], true, true));
        row("matmul batched aᵀ·bᵀ", MatMul.class, r -> swap(matmul(r, true, true), true, true),
                x -> x[0].matmul(x[1], true, true));
        row("matmul 3-D by 2-Dᵀ", MatMul.class, r -> swap(matmul(r, true, false), false, true),
                x -> x[0].matmul(x[1], false, true));
        row("transpose 2-D", Transpose.class, r -> new Input[] {any(r, dims(r, 2))}, x -> x[0].transpose());
        row("transpose 3-D", Transpose.class, r -> new Input[] {any(r, dims(r, 3))}, x -> x[0].transpose());
        row("reshape", Reshape.class, r -> new Input[] {any(r, new long[] {2, 3, 2 * (1 + r.nextInt(2))})},
                x -> x[0].reshape(6, -1));
        row("concat", Concat.class, r -> concat(r), x -> Tensor.concat(1, x[0], x[1], x[2]));
        row("slice", Slice.class, r -> new Input[] {any(r, new long[] {2 + r.nextInt(3), 5})},
                x -> x[0].slice(1, 1, 4));
        row("slice backward", SliceBackward.class, r -> new Input[] {any(r, new long[] {3, 2})},
                x -> new SliceBackward(new long[] {3, 5}, 1, 2).apply(x[0]));
        row("gather rows (repeats)", GatherRows.class, r -> new Input[] {any(r, new long[] {5, 1 + r.nextInt(3)})},
                x -> x[0].gatherRows(4, 0, 4, 2));
        row("scatter-add rows", ScatterAddRows.class, r -> new Input[] {any(r, new long[] {4, 3})},
                x -> new ScatterAddRows(new int[] {4, 0, 4, 2}, new long[] {5, 3}).apply(x[0]));
        row("expand to", ExpandTo.class, r -> new Input[] {any(r, new long[] {3, 1})}, x -> x[0].expandTo(2, 3, 4));
        row("sum to", SumTo.class, r -> new Input[] {any(r, new long[] {2, 3, 4})}, x -> x[0].sumTo(3, 1));
        // reductions
        row("sum all", Sum.class, r -> one(r, Domain.ANY), x -> x[0].sum());
        row("sum axis keepDims", Sum.class, r -> new Input[] {any(r, dims(r, 3))}, x -> x[0].sum(1, true));
        row("sum last axis", Sum.class, r -> new Input[] {any(r, dims(r, 2))}, x -> x[0].sum(-1, false));
        row("mean all", Mean.class, r -> one(r, Domain.ANY), x -> x[0].mean());
        row("mean axis", Mean.class, r -> new Input[] {any(r, dims(r, 3))}, x -> x[0].mean(0, false));
        row("max all", Max.class, r -> one(r, Domain.DISTINCT), x -> x[0].max());
        row("max axis keepDims", Max.class, r -> new Input[] {new Input(dims(r, 2), Domain.DISTINCT)},
                x -> x[0].max(1, true));
        row("softmax", Softmax.class, r -> new Input[] {any(r, dims(r, 2))}, x -> x[0].softmax(1));
        row("softmax axis 0", Softmax.class, r -> new Input[] {any(r, dims(r, 3))}, x -> x[0].softmax(0));
        row("log softmax", LogSoftmax.class, r -> new Input[] {any(r, dims(r, 2))}, x -> x[0].logSoftmax(-1));
        row("log-sum-exp all", LogSumExp.class, r -> one(r, Domain.ANY), x -> x[0].logSumExp());
        row("log-sum-exp axis", LogSumExp.class, r -> new Input[] {any(r, dims(r, 3))}, x -> x[0].logSumExp(1, true));
        // fused
        row("linear", Linear.class, r -> linear(r, true), x -> Tensor.linear(x[0], x[1], x[2]));
        row("linear without bias", Linear.class, r -> linear(r, false), x -> Tensor.linear(x[0], x[1], null));
        row("softmax cross-entropy", SoftmaxCrossEntropy.class, r -> new Input[] {any(r, new long[] {4, 3})},
                x -> Tensor.softmaxCrossEntropy(x[0].mul(3), new int[] {0, 2, 2, 1}));
    }

    static Stream<Arguments> cases() {
        return TABLE.stream().flatMap(row -> Arrays.stream(SEEDS).mapToObj(seed -> Arguments.of(row, seed)));
    }

    @ParameterizedTest(name = "{0}, seed {1}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(Row row, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Input[] spec = row.inputs().apply(rng);
        Tensor[] x = new Tensor[spec.length];
        for (int i = 0; i < spec.length; i++) {
            x[i] = draw(rng, spec[i]).requiresGrad(true);
        }
        double worst = GradCheck.withOptions().seed(seed).jvp(true).gradGrad(row.secondOrder()).verify(row.f(), x);
        assertTrue(worst < 1e-4, row.name() + ": worst |analytic − numeric| " + worst);
    }

    /** Every op class has a row: a new op without one fails here. */
    @Test
    void everyOpHasARow() throws IOException, URISyntaxException {
        Path dir = Path.of(Add.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/treegrad/autodiff/ops");
        Set<String> ops;
        try (Stream<Path> files = Files.list(dir)) {
            ops = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".class") && !n.contains("$"))
                    .map(n -> n.substring(0, n.length() - ".class".length()))
                    .filter(n -> isOp("io.treegrad.autodiff.ops." + n))
                    .collect(Collectors.toCollection(HashSet::new));
        }
        Set<String> covered = TABLE.stream().flatMap(r -> r.covers().stream()).map(Class::getSimpleName)
                .collect(Collectors.toSet());
        ops.removeAll(covered);
        assertEquals(Set.of(), ops, "ops without a row in the gradient-check table");
    }

    private static boolean isOp(String className) {
        try {
            Class<?> c = Class.forName(className);
            return io.treegrad.autodiff.Function.class.isAssignableFrom(c)
                    && java.lang.reflect.Modifier.isPublic(c.getModifiers());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- shapes

    private static Input any(SplittableRandom r, long[] shape) {
        return new Input(shape, Domain.ANY);
    }

    /** A random shape of rank 1-3 with sizes 1-4. */
    private static long[] shape(SplittableRandom r) {
        return dims(r, 1 + r.nextInt(3));
    }

    private static long[] dims(SplittableRandom r, int rank) {
        long[] s = new long[rank];
        for (int i = 0; i < rank; i++) {
            s[i] = 2 + r.nextInt(3);
        }
        return s;
    }

    private static Input[] one(SplittableRandom r, Domain d) {
        return new Input[] {new Input(shape(r), d)};
    }

    /**
     * Two shapes for a binary op: equal, or the second (or the first) broadcast from the other by
     * dropping leading axes and setting random sizes to 1.
     */
    private static Input[] pair(SplittableRandom r, Domain da, Domain db) {
        long[] full = dims(r, 1 + r.nextInt(3));
        long[] other = full.clone();
        int kind = r.nextInt(3);
        if (kind > 0) {
            int drop = r.nextInt(other.length);
            other = Arrays.copyOfRange(other, drop, other.length);
            for (int i = 0; i < other.length; i++) {
                if (r.nextBoolean()) {
                    other[i] = 1;
                }
            }
        }
        return kind == 2 ? new Input[] {new Input(other, da), new Input(full, db)}
                : new Input[] {new Input(full, da), new Input(other, db)};
    }

    private static Input[] matmul(SplittableRandom r, boolean batchA, boolean batchB) {
        long b = 2 + r.nextInt(2);
        long n = 1 + r.nextInt(4);
        long k = 1 + r.nextInt(4);
        long m = 1 + r.nextInt(4);
        return new Input[] {any(r, batchA ? new long[] {b, n, k} : new long[] {n, k}),
                any(r, batchB ? new long[] {b, k, m} : new long[] {k, m})};
    }

    /** The same operands stored transposed (last two axes swapped), for the transposed products. */
    private static Input[] swap(Input[] ab, boolean a, boolean b) {
        return new Input[] {a ? transposed(ab[0]) : ab[0], b ? transposed(ab[1]) : ab[1]};
    }

    private static Input transposed(Input in) {
        long[] s = in.shape().clone();
        long last = s[s.length - 1];
        s[s.length - 1] = s[s.length - 2];
        s[s.length - 2] = last;
        return new Input(s, in.domain());
    }

    private static Input[] concat(SplittableRandom r) {
        long rows = 2 + r.nextInt(3);
        return new Input[] {any(r, new long[] {rows, 1 + r.nextInt(3)}), any(r, new long[] {rows, 1 + r.nextInt(3)}),
                any(r, new long[] {rows, 1 + r.nextInt(3)})};
    }

    private static Input[] linear(SplittableRandom r, boolean bias) {
        long n = 1 + r.nextInt(4);
        long in = 1 + r.nextInt(4);
        long out = 1 + r.nextInt(4);
        Input x = any(r, new long[] {n, in});
        Input w = any(r, new long[] {in, out});
        return bias ? new Input[] {x, w, any(r, new long[] {out})} : new Input[] {x, w};
    }

    private static Tensor draw(SplittableRandom r, Input in) {
        int n = (int) Shapes.length(in.shape());
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            switch (in.domain()) {
                case POSITIVE -> v[i] = r.nextDouble(0.5, 2.0);
                case AWAY_FROM_ZERO -> v[i] = (r.nextBoolean() ? 1 : -1) * r.nextDouble(0.2, 1.0);
                case DISTINCT -> v[i] = i * 0.37 - 0.5 * n * 0.37;
                default -> v[i] = r.nextDouble(-1, 1);
            }
        }
        if (in.domain() == Domain.DISTINCT) {
            for (int i = n - 1; i > 0; i--) {   // shuffle the evenly spaced values
                int j = r.nextInt(i + 1);
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
        }
        return Tensor.of(Nd4j.createFromArray(v).reshape(in.shape()));
    }
}
