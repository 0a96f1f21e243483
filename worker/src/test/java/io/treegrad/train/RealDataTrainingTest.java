package io.treegrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.data.CsvReader;
import io.treegrad.data.Dataset;
import io.treegrad.data.FeatureScaler;
import io.treegrad.data.IdxReader;
import io.treegrad.data.LabelSpec;
import io.treegrad.data.Minibatcher;
import io.treegrad.data.RealData;
import io.treegrad.loss.MeanSquaredError;
import io.treegrad.loss.SoftmaxCrossEntropyLoss;
import io.treegrad.loss.Targets;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.Adam;
import io.treegrad.optim.SteepestDescent;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.inverse.InvertMatrix;

/** The single-process trainer on the real datasets (fetched by jobs/fetch-datasets). */
class RealDataTrainingTest {

    @Test
    void mlpOnFashionMnistReaches85PercentWithinFiveEpochs() throws IOException {
        IdxReader idx = IdxReader.withClasses(10);
        Dataset train = idx.read(RealData.file("fashion-mnist/train-images-idx3-ubyte.gz"),
                RealData.file("fashion-mnist/train-labels-idx1-ubyte.gz")).dataset();
        Dataset test = idx.read(RealData.file("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                RealData.file("fashion-mnist/t10k-labels-idx1-ubyte.gz")).dataset();
        FeatureScaler pixels = FeatureScaler.divideBy(784, 255f);
        Model model = Model.build(ModelSpec.mlp(784, new int[] {256, 128}, 10, "relu"), DataType.FLOAT, 1);
        Objective objective = new Objective(model, new SoftmaxCrossEntropyLoss(), null);

        Trainer.Result r = Trainer.train(objective, new Adam(1e-3), pixels.transform(train), pixels.transform(test),
                new Trainer.Options(5, 128, 7));

        for (Trainer.Epoch e : r.epochs()) {
            System.out.printf("fashion-mnist epoch %d: train loss %.4f, test %s, %.1f s%n", e.epoch() + 1,
                    e.trainLoss(), e.test(), e.seconds());
        }
        System.out.printf("fashion-mnist: %d steps in %.1f s, %.0f samples/s%n", r.steps().size(), r.seconds(),
                r.samplesPerSecond());
        assertEquals(5 * 469, r.steps().size());
        assertEquals(10_000, r.finalTest().examples());
        assertTrue(r.finalTest().accuracy() >= 0.85, "test accuracy " + r.finalTest().accuracy());
        assertTrue(r.epochs().get(4).trainLoss() < r.epochs().get(0).trainLoss());
    }

    @Test
    void logisticRegressionOnDigitsReaches95Percent() throws IOException {
        Dataset digits = CsvReader.builder().labels(LabelSpec.classIds(10)).build()
                .read(RealData.file("digits/digits.csv.gz")).dataset();
        int[] order = Minibatcher.permutation(digits.numRows(), 11, 0);
        int cut = digits.numRows() * 4 / 5;
        Dataset train = digits.select(Arrays.copyOfRange(order, 0, cut));
        Dataset test = digits.select(Arrays.copyOfRange(order, cut, order.length));
        FeatureScaler scaler = FeatureScaler.fitStandardize(train);   // statistics of the training set only
        Model model = Model.build(ModelSpec.logisticRegression(64, 10), DataType.FLOAT, 1);
        Objective objective = new Objective(model, new SoftmaxCrossEntropyLoss(), null);

        Trainer.Result r = Trainer.train(objective, new Adam(0.01), scaler.transform(train), scaler.transform(test),
                new Trainer.Options(30, 32, 3));

        System.out.println("digits logistic regression: " + r.finalTest());
        assertTrue(r.finalTest().accuracy() >= 0.95, "test accuracy " + r.finalTest().accuracy());
    }

    /** Diabetes with standardised features, intercept column appended: the closed-form fit. */
    private static final class Diabetes {
        final Dataset data;
        final INDArray x;      // [442, 10], float64
        final INDArray y;      // [442, 1]
        final INDArray beta;   // least squares [w; b], from the normal equations

        Diabetes() throws IOException {
            Dataset raw = CsvReader.builder().whitespaceDelimited().labels(LabelSpec.none()).build()
                    .read(RealData.file("diabetes/diabetes_data_raw.csv.gz")).dataset();
            Dataset target = CsvReader.builder().labelColumn(0).labels(LabelSpec.regression()).build()
                    .read(RealData.file("diabetes/diabetes_target.csv.gz")).dataset();
            data = FeatureScaler.fitStandardize(raw).transform(raw.withTargets(target.targets()));
            x = Nd4j.createFromArray(data.features()).castTo(DataType.DOUBLE).reshape(442, 10);
            y = Nd4j.createFromArray(data.targets()).castTo(DataType.DOUBLE).reshape(442, 1);
            INDArray xb = Nd4j.hstack(x, Nd4j.ones(DataType.DOUBLE, 442, 1));
            beta = InvertMatrix.invert(xb.transpose().mmul(xb), false).mmul(xb.transpose()).mmul(y);
        }
    }

    @Test
    void linearRegressionOnDiabetesMatchesTheClosedFormLeastSquaresFit() throws IOException {
        Diabetes d = new Diabetes();
        Model model = Model.build(ModelSpec.linearRegression(10), DataType.DOUBLE, 1);
        Objective objective = new Objective(model, new MeanSquaredError(), null);
        Targets targets = Targets.values(d.y);
        var params = model.parameters();

        // full-batch steepest descent with an Armijo line search, f and ∇f from the engine
        SteepestDescent.Result fit = SteepestDescent.minimize(
                theta -> {
                    params.setValues(theta);
                    return objective.evaluate(d.x, targets).meanLoss();
                },
                theta -> {
                    params.setValues(theta);
                    params.zeroGrad();
                    objective.accumulateGradient(d.x, targets, Mode.EVAL);
                    return params.grads().div(442);
                },
                params.values().dup(),
                SteepestDescent.Options.defaults().withGradientTolerance(1e-8));

        // layout: layer0.weight [10, 1] then layer0.bias [1]: the same order as beta
        INDArray theta = fit.theta();
        double relative = theta.sub(d.beta.reshape(11)).norm2Number().doubleValue() / d.beta.norm2Number().doubleValue();
        System.out.printf("diabetes: %s after %d iterations, |θ − β|/|β| = %.2e%n", fit.stop(), fit.history().size(),
                relative);
        assertTrue(relative <= 1e-3, "relative distance to the closed-form fit " + relative);
    }

    @Test
    void minibatchTrainingOnDiabetesReportsRmseNearTheLeastSquaresOne() throws IOException {
        Diabetes d = new Diabetes();
        INDArray residual = Nd4j.hstack(d.x, Nd4j.ones(DataType.DOUBLE, 442, 1)).mmul(d.beta).sub(d.y);
        double bestRmse = Math.sqrt(residual.mul(residual).meanNumber().doubleValue());
        Model model = Model.build(ModelSpec.linearRegression(10), DataType.DOUBLE, 1);
        Objective objective = new Objective(model, new MeanSquaredError(), null);

        Trainer.Result r = Trainer.train(objective, new Adam(1.0), d.data, d.data, new Trainer.Options(150, 64, 5));

        double rmse = r.finalTest().rmse();
        System.out.printf("diabetes minibatch Adam: RMSE %.3f vs least squares %.3f%n", rmse, bestRmse);
        assertTrue(Double.isNaN(r.finalTest().accuracy()));
        assertTrue(rmse >= bestRmse - 1e-9 && rmse <= 1.01 * bestRmse, "RMSE " + rmse + " vs " + bestRmse);
    }

    @Test
    void trainingIsAPureFunctionOfItsSeed() throws IOException {
        Dataset digits = CsvReader.builder().labels(LabelSpec.classIds(10)).build()
                .read(RealData.file("digits/digits.csv.gz")).dataset();
        Dataset scaled = FeatureScaler.fitStandardize(digits).transform(digits);
        ModelSpec spec = new ModelSpec(64, java.util.List.of(io.treegrad.nn.LayerSpec.linear(32),
                io.treegrad.nn.LayerSpec.activation("relu"), io.treegrad.nn.LayerSpec.dropout(0.2),
                io.treegrad.nn.LayerSpec.linear(10)));
        float[][] finals = new float[3][];
        long[] seeds = {9, 9, 10};
        for (int i = 0; i < 3; i++) {
            Model m = Model.build(spec, DataType.FLOAT, 1);
            Trainer.train(new Objective(m, new SoftmaxCrossEntropyLoss(), null), new Adam(0.01), scaled, null,
                    new Trainer.Options(2, 50, seeds[i]));
            finals[i] = m.parameters().values().toFloatVector();
        }
        assertArrayEquals(finals[0], finals[1], 0f, "same seed, same parameters, bit for bit");
        assertTrue(!Arrays.equals(finals[0], finals[2]), "another seed shuffles and drops out differently");
    }
}
