package io.treegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.treegrad.loss.SoftmaxCrossEntropyLoss;
import io.treegrad.loss.Targets;
import io.treegrad.train.Objective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Gradient parity with DL4J on the production path: a ReLU MLP built by {@link Model#build}, its
 * minibatch gradient from {@link Objective#accumulateGradient} with {@link SoftmaxCrossEntropyLoss},
 * against a DL4J {@code MultiLayerNetwork} (dense ReLU layers, softmax output with MCXENT) holding
 * the same weights, on the same batch, in float64.
 *
 * <p>What the two sides compute (established from the DL4J 1.0.0-M2.1 sources and checked by the
 * numbers here):
 * <ul>
 *   <li>{@code net.computeGradientAndScore(); net.gradient()} is the gradient of the loss SUM over
 *       the batch: the division by the minibatch size happens later, in the updater
 *       ({@code BaseMultiLayerUpdater.divideByMinibatch}, when {@code miniBatch(true)}, the default).
 *       {@code accumulateGradient} adds n·∇(mean loss), the same sum; both are divided by n here and
 *       compared as means.</li>
 *   <li>{@code net.score()} is the MEAN loss plus the regularization terms ({@code
 *       BaseOutputLayer.computeScore}); no regularization is configured here, so it is the mean
 *       cross-entropy, compared with {@code accumulateGradient}'s return value / n.</li>
 * </ul>
 * Element by element, |ours − DL4J| ≤ ATOL + RTOL·|DL4J|. RTOL = 1e-6 is far above float64
 * rounding and far below any real error: the largest relative difference seen is ~3e-11, on an
 * entry of ~6e-8 that is a sum over the batch cancelling almost to zero (absolute differences stay
 * below 1e-16). The absolute floor ATOL = 1e-10 covers such entries, where a relative test
 * means nothing. {@link #detectsAPerturbedWeight} shows the comparison fails when one weight on one
 * side differs by 1e-3; a 1e-4 relative change of one weight, or comparing our sum with DL4J's mean,
 * fails too (checked by hand).
 */
class Dl4jGradientParityTest {
    private static final DataType F64 = DataType.DOUBLE;
    private static final double RTOL = 1e-6;
    private static final double ATOL = 1e-10;

    private static double worstRelative;        // max |ours − DL4J| / |DL4J| over |DL4J| ≥ 1e-8
    private static String worstRelativeAt = "-";
    private static double worstAbsolute;        // max |ours − DL4J| over all gradient entries
    private static double worstScore;           // max |ours − DL4J| / |DL4J| of the mean loss

    /** One MLP and batch: inputs, hidden widths, classes, batch size. */
    record Case(int inputs, int[] hidden, int classes, int batch) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder().append(inputs);
            for (int h : hidden) {
                s.append('-').append(h);
            }
            return s.append('-').append(classes).append(", batch ").append(batch).toString();
        }
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                new Case(20, new int[] {16, 8}, 5, 32),
                new Case(7, new int[] {6}, 3, 5),
                new Case(784, new int[] {256, 128}, 10, 32))
                .map(c -> Arguments.of(Named.of(c.toString(), c)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientAndLossMatchDl4j(Case c) {
        Pair p = pair(c, 11L * c.inputs() + c.batch());
        List<String> bad = compare(c.toString(), p, true);
        if (!bad.isEmpty()) {
            fail(bad.size() + " mismatches, first: " + String.join("\n", bad.subList(0, Math.min(5, bad.size()))));
        }
    }

    /** The comparison is not vacuous: one weight changed by 1e-3 on the DL4J side is caught. */
    @Test
    void detectsAPerturbedWeight() {
        Case c = new Case(20, new int[] {16, 8}, 5, 32);
        Pair p = pair(c, 3L);
        assertTrue(compare("unperturbed", p, false).isEmpty(), "the unperturbed pair must agree");
        INDArray w = p.net.getParam("1_W");
        w.putScalar(new long[] {3, 2}, w.getDouble(3, 2) + 1e-3);
        List<String> bad = compare("perturbed", p, false);
        assertTrue(bad.stream().anyMatch(s -> s.contains("1_W")),
                "a perturbed weight must show in the layer's own gradient, got " + bad);
    }

    @AfterAll
    static void report() {
        System.out.printf("Dl4jGradientParityTest: largest relative gradient difference %.3g at %s;"
                + " largest absolute %.3g; largest relative mean-loss difference %.3g (tolerance %.0e + %.0e·|DL4J|)%n",
                worstRelative, worstRelativeAt, worstAbsolute, worstScore, ATOL, RTOL);
    }

    // ------------------------------------------------------------------ the two sides

    /** Our model, a DL4J network with the same parameters, and one batch. */
    record Pair(Model model, MultiLayerNetwork net, INDArray x, int[] labels) {}

    private static Pair pair(Case c, long seed) {
        Model model = Model.build(ModelSpec.mlp(c.inputs(), c.hidden(), c.classes(), "relu"), F64, seed);
        SplittableRandom rng = new SplittableRandom(seed);
        // Biases start at zero; non-zero ones make their forward and backward paths count.
        for (Parameters.Entry e : model.parameters().entries()) {
            if (e.name().endsWith(".bias")) {
                e.tensor().value().assign(uniform(rng, 1, e.length()).reshape(e.shape()).mul(0.5));
            }
        }
        INDArray x = uniform(rng, c.batch(), c.inputs());
        int[] labels = new int[c.batch()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rng.nextInt(c.classes());
        }
        return new Pair(model, dl4j(c, model), x, labels);
    }

    /** U(−1, 1) values, [rows, cols], float64. */
    private static INDArray uniform(SplittableRandom rng, long rows, long cols) {
        double[] v = new double[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = rng.nextDouble(-1, 1);
        }
        return Nd4j.create(v, new long[] {rows, cols}, F64);
    }

    /** The same MLP in DL4J, float64, no regularization, holding the model's parameters. */
    private static MultiLayerNetwork dl4j(Case c, Model model) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .dataType(F64)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)   // overwritten below
                .list();
        int width = c.inputs();
        for (int h : c.hidden()) {
            list.layer(new DenseLayer.Builder().nIn(width).nOut(h).activation(Activation.RELU).build());
            width = h;
        }
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(c.classes())
                .activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = list.build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // setParam assigns by logical index, so our 'c'-ordered [in, out] weight lands correctly in
        // DL4J's 'f'-ordered view of its flat parameters; DL4J's bias is [1, out].
        List<Parameters.Entry[]> layers = linearLayers(model);
        assertEquals(net.getnLayers(), layers.size(), "layer count");
        for (int l = 0; l < layers.size(); l++) {
            INDArray w = layers.get(l)[0].tensor().value();
            INDArray b = layers.get(l)[1].tensor().value();
            net.setParam(l + "_W", w);
            net.setParam(l + "_b", b.reshape(1, b.length()));
            assertArrayEquals(w.toDoubleMatrix(), net.getParam(l + "_W").toDoubleMatrix(), l + "_W copied");
            assertArrayEquals(b.toDoubleVector(), net.getParam(l + "_b").toDoubleVector(), l + "_b copied");
        }
        return net;
    }

    /** (weight, bias) entries per linear layer, in layer order: DL4J's layer l. */
    private static List<Parameters.Entry[]> linearLayers(Model model) {
        List<Parameters.Entry> entries = model.parameters().entries();
        List<Parameters.Entry[]> layers = new ArrayList<>();
        for (int i = 0; i < entries.size(); i += 2) {
            Parameters.Entry w = entries.get(i);
            Parameters.Entry b = entries.get(i + 1);
            assertTrue(w.name().endsWith(".weight") && b.name().endsWith(".bias"),
                    "expected weight then bias, got " + w.name() + ", " + b.name());
            layers.add(new Parameters.Entry[] {w, b});
        }
        return layers;
    }

    /**
     * Both sides' mean loss and mean gradient on the pair's batch; the mismatches, described.
     * {@code record}: count the differences in the worst-case report.
     */
    private static List<String> compare(String name, Pair p, boolean record) {
        int n = p.labels.length;
        INDArray onehot = Nd4j.zeros(F64, n, p.net.layerSize(p.net.getnLayers() - 1));
        for (int i = 0; i < n; i++) {
            onehot.putScalar(i, p.labels[i], 1.0);
        }
        p.net.setInput(p.x);
        p.net.setLabels(onehot);
        p.net.computeGradientAndScore();
        Gradient dl4j = p.net.gradient();
        double dl4jMeanLoss = p.net.score();

        Parameters params = p.model.parameters();
        params.zeroGrad();
        double lossSum = new Objective(p.model, new SoftmaxCrossEntropyLoss(), null)
                .accumulateGradient(p.x, Targets.labels(p.labels), Mode.EVAL);

        List<String> bad = new ArrayList<>();
        double scoreErr = Math.abs(lossSum / n - dl4jMeanLoss);
        if (record) {
            synchronized (Dl4jGradientParityTest.class) {
                worstScore = Math.max(worstScore, scoreErr / Math.abs(dl4jMeanLoss));
            }
        }
        if (!(scoreErr <= ATOL + RTOL * Math.abs(dl4jMeanLoss))) {
            bad.add(String.format("%s: mean loss %.17g but DL4J's score is %.17g", name, lossSum / n, dl4jMeanLoss));
        }
        List<Parameters.Entry[]> layers = linearLayers(p.model);
        for (int l = 0; l < layers.size(); l++) {
            for (int k = 0; k < 2; k++) {
                Parameters.Entry e = layers.get(l)[k];
                String key = l + (k == 0 ? "_W" : "_b");
                // both are gradients of the loss SUM; compared as means
                double[] ours = flat(e.tensor().grad().value().div(n));
                double[] theirs = flat(dl4j.getGradientFor(key).div(n));
                if (ours.length != theirs.length) {
                    bad.add(name + ": " + e.name() + " has " + ours.length + " gradient entries, DL4J's " + key
                            + " " + theirs.length);
                    continue;
                }
                check(name + " " + e.name() + " vs DL4J " + key, e.shape(), ours, theirs, record, bad);
            }
        }
        return bad;
    }

    /** Logical C order, whatever the array's own order ('f' for DL4J's weight views). */
    private static double[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toDoubleVector();
    }

    private static void check(String what, long[] shape, double[] ours, double[] theirs, boolean record,
                              List<String> bad) {
        for (int i = 0; i < ours.length; i++) {
            double err = Math.abs(ours[i] - theirs[i]);
            double t = Math.abs(theirs[i]);
            if (record) {
                synchronized (Dl4jGradientParityTest.class) {
                    worstAbsolute = Math.max(worstAbsolute, err);
                }
            }
            if (record && t >= 1e-8) {
                synchronized (Dl4jGradientParityTest.class) {
                    if (err / t > worstRelative) {
                        worstRelative = err / t;
                        worstRelativeAt = String.format("%s[%d] (DL4J %.3g, ours %.17g vs %.17g)", what, i, theirs[i], ours[i], theirs[i]);
                    }
                }
            }
            if (!(err <= ATOL + RTOL * t)) {
                bad.add(String.format("%s: mean gradient[%d] (flat, C order, of shape %s) is %.17g but DL4J has"
                        + " %.17g (|diff| %.3g > %.3g)", what, i, Arrays.toString(shape), ours[i], theirs[i], err,
                        ATOL + RTOL * t));
            }
        }
    }
}
