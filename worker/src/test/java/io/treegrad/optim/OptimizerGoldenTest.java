package io.treegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.treegrad.testing.Fixtures;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

import java.io.UncheckedIOException;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity with torch.optim: every case of {@code fixtures/optim_golden.json} (made by
 * {@code src/test/python/make_optim_fixtures.py}, which documents the problem and the step loop)
 * is an {@link OptimizerSpec} read from JSON with Jackson, built, and run in float64 for the same
 * steps on f(θ) = ½θᵀAθ − bᵀθ with the gradient Aθ − b computed here by ND4J. After every step
 * the parameters, the learning rate used and the pre-clip gradient norm must match torch's.
 */
class OptimizerGoldenTest {
    private static final String FIXTURES = "/fixtures/optim_golden.json";
    /** |ours − torch| ≤ ATOL + RTOL·|torch|, element by element, after every step. */
    private static final double RTOL = 1e-10;
    private static final double ATOL = 1e-12;
    private static final DataType F64 = DataType.DOUBLE;

    private static JsonNode doc;
    private static double worstRelative;        // max |ours − torch| / |torch| over |torch| ≥ 1e-6
    private static String worstRelativeAt = "-";

    static synchronized JsonNode fixtures() {
        if (doc == null) {
            doc = Fixtures.load(FIXTURES, "make_optim_fixtures.py");
        }
        return doc;
    }

    static Stream<Arguments> cases() {
        return Fixtures.cases(fixtures());
    }

    /** The fixed quadratic of the fixtures. */
    record Quadratic(INDArray a, INDArray b, INDArray theta0) {
        static Quadratic fromFixtures() {
            JsonNode p = fixtures().get("problem");
            int n = p.get("b").size();
            double[][] a = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a[i][j] = p.get("A").get(i).get(j).asDouble();
                }
            }
            return new Quadratic(Nd4j.createFromArray(a), vector(p.get("b")), vector(p.get("theta0")));
        }

        /** ∇f(θ) = Aθ − b into {@code out}. */
        void gradient(INDArray theta, INDArray out) {
            INDArray atheta = a.castTo(theta.dataType()).mmul(theta.reshape(theta.length(), 1));
            out.assign(atheta.reshape(theta.length())).subi(b.castTo(theta.dataType()));
        }

        double value(INDArray theta) {
            INDArray t = theta.castTo(F64);
            double quad = t.reshape(1, t.length()).mmul(a).mmul(t.reshape(t.length(), 1)).getDouble(0);
            return 0.5 * quad - Nd4j.getBlasWrapper().dot(b, t);
        }
    }

    static INDArray vector(JsonNode values) {
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = values.get(i).asDouble();
        }
        return Nd4j.createFromArray(v);
    }

    static OptimizerSpec spec(JsonNode c) {
        try {
            return new ObjectMapper().treeToValue(c.get("spec"), OptimizerSpec.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTorch(JsonNode c) {
        String name = c.get("name").asText();
        Quadratic q = Quadratic.fromFixtures();
        Optimizer opt = spec(c).build();
        INDArray theta = q.theta0().dup();
        INDArray grad = Nd4j.zeros(F64, theta.length());
        int steps = c.get("params").size();
        assertEquals(fixtures().get("steps").asInt(), steps);
        for (int s = 0; s < steps; s++) {
            String at = name + " step " + (s + 1);
            assertClose(c.get("loss").get(s).asDouble(), q.value(theta), 1e-10, at + " loss (the problem itself)");
            q.gradient(theta, grad);
            opt.step(theta, grad);
            assertClose(c.get("lr").get(s).asDouble(), opt.lastLearningRate(), 1e-12, at + " lr");
            JsonNode norm = c.get("gradNorm").get(s);
            if (norm.isNull()) {
                assertTrue(Double.isNaN(opt.lastGradNorm()), at + ": clipping when torch does not");
            } else {
                assertClose(norm.asDouble(), opt.lastGradNorm(), 1e-12, at + " pre-clip gradient norm");
            }
            compare(at, c.get("params").get(s), theta);
        }
        assertEquals(steps, opt.stepCount());
    }

    /** The fixtures cover every optimizer class and every schedule type, with and without extras. */
    @Test
    void fixturesCoverEveryOptimizerAndSchedule() {
        java.util.Set<String> classes = new java.util.TreeSet<>();
        java.util.Set<String> schedules = new java.util.TreeSet<>();
        boolean clipping = false;
        boolean warmup = false;
        for (JsonNode c : fixtures().get("cases")) {
            OptimizerSpec spec = spec(c);
            classes.add(spec.build().getClass().getSimpleName());
            if (spec.schedule() != null) {
                schedules.add(spec.schedule().type());
                warmup |= spec.schedule().warmupSteps() != null;
            }
            clipping |= spec.clipNorm() != null;
        }
        assertEquals(java.util.Set.of("Sgd", "SgdMomentum", "SgdNesterov", "AdaGrad", "RmsProp", "Adam", "AdamW"),
                classes);
        assertEquals(java.util.Set.of("step", "exponential", "inverse_time", "cosine"), schedules);
        assertTrue(clipping && warmup);
    }

    private static void compare(String at, JsonNode expected, INDArray actual) {
        assertEquals(expected.size(), actual.length(), at + ": length");
        for (int i = 0; i < expected.size(); i++) {
            double want = expected.get(i).asDouble();
            double got = actual.getDouble(i);
            double err = Math.abs(got - want);
            if (Math.abs(want) >= 1e-6) {
                noteRelative(err / Math.abs(want), at + " θ[" + i + "]");
            }
            if (!(err <= ATOL + RTOL * Math.abs(want))) {
                fail(at + ": θ[" + i + "] = " + got + ", torch " + want + " (|error| " + err + ")");
            }
        }
    }

    private static void assertClose(double want, double got, double rtol, String what) {
        if (!(Math.abs(got - want) <= ATOL + rtol * Math.abs(want))) {
            fail(what + ": " + got + ", torch " + want);
        }
    }

    private static synchronized void noteRelative(double rel, String at) {
        if (rel > worstRelative) {
            worstRelative = rel;
            worstRelativeAt = at;
        }
    }

    @AfterAll
    static void report() {
        System.out.printf("OptimizerGoldenTest (torch %s): largest relative deviation of θ %.3g at %s%n",
                fixtures().get("torch").asText(), worstRelative, worstRelativeAt);
    }
}
