package io.treegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.treegrad.testing.Fixtures;

import io.treegrad.autodiff.ops.LogSumExp;
import io.treegrad.autodiff.ops.Max;
import io.treegrad.autodiff.ops.Mean;
import io.treegrad.autodiff.ops.Sum;



import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Gradient parity with PyTorch: every case of {@code fixtures/torch_parity.json} (made by
 * {@code src/test/python/make_torch_fixtures.py}, which documents the op program format) is rebuilt
 * with the Tensor API in float64, and its value and its vector-Jacobian products vᵀJ, by
 * {@link Autograd#grad} and by {@link Tensor#backward(Tensor)}, are compared with torch's.
 */
class TorchParityTest {
    private static final DataType F64 = DataType.DOUBLE;
    private static final String FIXTURES = "/fixtures/torch_parity.json";
    /** |ours − torch| ≤ ATOL + RTOL·|torch|, element by element. */
    private static final double RTOL = 1e-10;
    private static final double ATOL = 1e-12;

    private static JsonNode doc;
    private static double worstRelative;        // max |ours − torch| / |torch| over |torch| ≥ 1e-6
    private static String worstRelativeAt = "-";
    private static double worstNormalised;      // max |ours − torch| / (ATOL + RTOL·|torch|): ≤ 1 passes
    private static String worstNormalisedAt = "-";

    static synchronized JsonNode fixtures() {
        if (doc == null) {
            doc = Fixtures.load(FIXTURES, "make_torch_fixtures.py");
        }
        return doc;
    }

    static Stream<Arguments> cases() {
        return Fixtures.cases(fixtures());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTorch(JsonNode c) {
        String name = c.get("name").asText() + " = " + c.get("expr").asText();
        Tensor v = Tensor.of(array(c.get("cotangent")));

        // functional: Autograd.grad with the cotangent v
        Map<String, Tensor> leaves = leaves(c);
        Tensor y = evaluate(c, leaves);
        check(name, "value", y.value(), c.get("value"));
        List<String> wrt = new ArrayList<>(c.get("grads").size());
        c.get("grads").fieldNames().forEachRemaining(wrt::add);
        Tensor[] inputs = wrt.stream().map(leaves::get).toArray(Tensor[]::new);
        Tensor[] grads = Autograd.grad(new Tensor[] {y}, inputs, new Tensor[] {v}, false, false, true);
        for (int i = 0; i < inputs.length; i++) {
            assertNotNull(grads[i], name + ": Autograd.grad gave no gradient for " + wrt.get(i));
            check(name, "Autograd.grad d/d" + wrt.get(i), grads[i].value(), c.get("grads").get(wrt.get(i)));
        }

        // accumulating: y.backward(v) on a fresh graph into the leaves' grad
        Map<String, Tensor> fresh = leaves(c);
        evaluate(c, fresh).backward(Tensor.of(array(c.get("cotangent"))));
        for (String n : wrt) {
            Tensor g = fresh.get(n).grad();
            assertNotNull(g, name + ": backward left no grad in " + n);
            check(name, "backward d/d" + n, g.value(), c.get("grads").get(n));
        }
        for (Map.Entry<String, Tensor> e : fresh.entrySet()) {
            if (!wrt.contains(e.getKey()) && e.getValue().grad() != null) {
                fail(name + ": input " + e.getKey() + " does not require grad but got one");
            }
        }
    }

    @AfterAll
    static void report() {
        System.out.printf("TorchParityTest (torch %s): largest relative error %.3g at %s;"
                        + " largest error / (%.0e + %.0e·|torch|) %.3g at %s%n",
                fixtures().get("torch_version").asText(), worstRelative, worstRelativeAt, ATOL, RTOL,
                worstNormalised, worstNormalisedAt);
    }

    // ------------------------------------------------------------------------ the op program

    private static Map<String, Tensor> leaves(JsonNode c) {
        Map<String, Tensor> env = new LinkedHashMap<>();
        for (JsonNode in : c.get("inputs")) {
            Tensor t = Tensor.of(array(in));
            env.put(in.get("name").asText(), in.get("requires_grad").asBoolean() ? t.requiresGrad(true) : t);
        }
        return env;
    }

    private static Tensor evaluate(JsonNode c, Map<String, Tensor> env) {
        for (JsonNode step : c.get("steps")) {
            List<Tensor> args = new ArrayList<>();
            for (JsonNode a : step.get("args")) {
                args.add(env.get(a.asText()));
            }
            env.put(step.get("out").asText(), apply(step, args.toArray(new Tensor[0])));
        }
        return env.get(c.get("output").asText());
    }

    private static Tensor apply(JsonNode s, Tensor[] a) {
        String op = s.get("op").asText();
        switch (op) {
            case "add": return a[0].add(a[1]);
            case "sub": return a[0].sub(a[1]);
            case "mul": return a[0].mul(a[1]);
            case "div": return a[0].div(a[1]);
            case "pow": return a[0].pow(a[1]);
            case "add_scalar": return a[0].add(s.get("c").asDouble());
            case "sub_scalar": return a[0].sub(s.get("c").asDouble());
            case "mul_scalar": return a[0].mul(s.get("c").asDouble());
            case "div_scalar": return a[0].div(s.get("c").asDouble());
            case "pow_scalar": return a[0].pow(s.get("p").asDouble());
            case "neg": return a[0].neg();
            case "exp": return a[0].exp();
            case "log": return a[0].log();
            case "sqrt": return a[0].sqrt();
            case "abs": return a[0].abs();
            case "sin": return a[0].sin();
            case "cos": return a[0].cos();
            case "tanh": return a[0].tanh();
            case "sigmoid": return a[0].sigmoid();
            case "relu": return a[0].relu();
            case "softplus": return a[0].softplus();
            case "leaky_relu": return a[0].leakyRelu(s.get("slope").asDouble());
            case "clamp": return a[0].clamp(s.get("min").asDouble(), s.get("max").asDouble());
            case "matmul": return a[0].matmul(a[1]);
            case "transpose": return a[0].transpose();
            case "reshape": return a[0].reshape(longs(s.get("shape")));
            case "slice": return a[0].slice(s.get("axis").asInt(), s.get("from").asLong(), s.get("to").asLong());
            case "gather_rows": return a[0].gatherRows(ints(s.get("indices")));
            case "sum": case "mean": case "max": case "logsumexp": return reduce(op, s, a[0]);
            case "softmax": return a[0].softmax(s.get("axis").asInt());
            case "log_softmax": return a[0].logSoftmax(s.get("axis").asInt());
            case "concat": return Tensor.concat(s.get("axis").asInt(), a);
            case "linear": return Tensor.linear(a[0], a[1], a.length == 3 ? a[2] : null);
            case "softmax_cross_entropy": return Tensor.softmaxCrossEntropy(a[0], ints(s.get("labels")));
            default: throw new IllegalArgumentException("unknown op in fixture: " + op);
        }
    }

    private static Tensor reduce(String op, JsonNode s, Tensor x) {
        boolean keep = s.get("keep_dims").asBoolean();
        if (!s.get("axis").isNull()) {
            int axis = s.get("axis").asInt();
            switch (op) {
                case "sum": return x.sum(axis, keep);
                case "mean": return x.mean(axis, keep);
                case "max": return x.max(axis, keep);
                default: return x.logSumExp(axis, keep);
            }
        }
        if (!keep) {
            switch (op) {
                case "sum": return x.sum();
                case "mean": return x.mean();
                case "max": return x.max();
                default: return x.logSumExp();
            }
        }
        // all axes with keepDims: not on Tensor, so the op itself
        switch (op) {
            case "sum": return new Sum(null, true).apply(x);
            case "mean": return new Mean(null, true).apply(x);
            case "max": return new Max(null, true).apply(x);
            default: return new LogSumExp(null, true).apply(x);
        }
    }

    // ------------------------------------------------------------------------ arrays

    /** A float64 array from {"shape": [...], "data": [...]} (C order). */
    private static INDArray array(JsonNode a) {
        long[] shape = longs(a.get("shape"));
        JsonNode data = a.get("data");
        double[] v = new double[data.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = data.get(i).asDouble();
        }
        INDArray flat = Nd4j.createFromArray(v);
        return shape.length == 0 ? Nd4j.scalar(F64, v[0]) : flat.reshape('c', shape).dup('c');
    }

    private static double[] flat(INDArray a) {
        if (a.rank() == 0) {
            return new double[] {a.getDouble(0)};
        }
        return Nd4j.toFlattened('c', a).toDoubleVector();
    }

    private static void check(String name, String what, INDArray got, JsonNode want) {
        assertEquals(F64, got.dataType(), name + ": " + what + " data type");
        assertArrayEquals(longs(want.get("shape")), got.shape(), name + ": " + what + " shape");
        double[] g = flat(got);
        JsonNode w = want.get("data");
        assertEquals(w.size(), g.length, name + ": " + what + " length");
        for (int i = 0; i < g.length; i++) {
            double t = w.get(i).asDouble();
            double err = Math.abs(g[i] - t);
            double allowed = ATOL + RTOL * Math.abs(t);
            synchronized (TorchParityTest.class) {
                if (Math.abs(t) >= 1e-6 && err / Math.abs(t) > worstRelative) {
                    worstRelative = err / Math.abs(t);
                    worstRelativeAt = name.substring(0, name.indexOf(' ')) + " " + what + "[" + i + "]";
                }
                if (err / allowed > worstNormalised) {
                    worstNormalised = err / allowed;
                    worstNormalisedAt = name.substring(0, name.indexOf(' ')) + " " + what + "[" + i + "]";
                }
            }
            if (!(err <= allowed)) {
                fail(String.format("%s: %s[%d] (flat, C order, of shape %s) is %.17g but torch has %.17g"
                                + " (|diff| %.3g > %.3g)", name, what, i, java.util.Arrays.toString(got.shape()),
                        g[i], t, err, allowed));
            }
        }
    }

    private static long[] longs(JsonNode a) {
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asLong();
        }
        return r;
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }
}
