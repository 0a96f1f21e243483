package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.data.CsvReader;
import io.treegrad.data.Dataset;
import io.treegrad.data.LabelSpec;
import io.treegrad.driver.CliEndToEndTest.Run;
import io.treegrad.driver.store.ModelStore;
import io.treegrad.io.ModelFile;
import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code treegrad export MODEL_DIR OUT.zip}: a model trained by the CLI on real data (standardised
 * features) becomes a DL4J zip that {@code ModelSerializer.restoreMultiLayerNetwork} loads and that,
 * fed RAW features (the scaler is folded into its first layer), outputs what our model predicts.
 */
class ModelExportTest {
    /** float32: DL4J's float32 forward with folded weights vs ours; absolute floor for tiny probabilities. */
    static final double RTOL = 1e-5;
    static final double ATOL = 1e-6;

    @TempDir
    Path tmp;

    @Test
    void digitsMlpExportsToDl4jAndGivesOurProbabilities() throws Exception {
        Path out = tmp.resolve("digits");
        Run train = CliEndToEndTest.run("train", "configs/digits-logistic-regression.yaml",
                "--set", "output.dir=" + out, "--set", "training.epochs=null", "--set", "training.steps=150",
                "--set", "model.layers=[{linear: 32}, relu, {dropout: 0.1}, {linear: 16}, {leaky_relu: 0.05},"
                        + " {linear: 16}, tanh, {linear: 10}]");
        assertEquals(0, train.code(), train.err());
        Path zip = tmp.resolve("digits-dl4j.zip");
        Run export = CliEndToEndTest.run("export", out.resolve("model").toString(), zip.toString(), "--format", "dl4j");
        assertEquals(0, export.code(), export.err());
        assertTrue(export.out().contains("folded into the first layer"), export.out());

        ModelFile file = ModelFile.read(out.resolve("model/model.safetensors"));
        Dataset digits = CsvReader.builder().labels(LabelSpec.classIds(10)).build()
                .read(Path.of("data/digits/digits.csv.gz")).dataset();
        INDArray ours = softmax(predict(file, digits, DataType.FLOAT));
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(zip.toFile());
        assertEquals(4, net.getnLayers(), "three dense layers and the output layer; dropout left out");
        INDArray theirs = net.output(raw(digits, DataType.FLOAT));

        double[] worst = compare(ours, theirs, "digits");
        System.out.printf("ModelExportTest digits (1797 rows, float32 softmax): largest |ours - DL4J| %.3g,"
                + " largest relative (|DL4J| >= 1e-3) %.3g%n", worst[0], worst[1]);
        for (int i = 0; i < digits.numRows(); i++) {
            assertEquals(ours.getRow(i).argMax().getInt(0), theirs.getRow(i).argMax().getInt(0), "row " + i + ": class");
        }
    }

    @Test
    void diabetesRegressionMlpExportsWithAnIdentityOutput() throws Exception {
        Path out = tmp.resolve("diabetes");
        Run train = CliEndToEndTest.run("train", "configs/diabetes-regression.yaml",
                "--set", "output.dir=" + out, "--set", "training.epochs=null", "--set", "training.steps=100",
                "--set", "optimizer.lr=0.01", "--set", "model.layers=[{linear: 8}, sigmoid, {linear: 1}]");
        assertEquals(0, train.code(), train.err());
        Path zip = tmp.resolve("diabetes-dl4j.zip");
        assertEquals(0, CliEndToEndTest.run("export", out.resolve("model").toString(), zip.toString()).code());

        ModelFile file = ModelFile.read(out.resolve("model/model.safetensors"));
        Dataset diabetes = CsvReader.builder().whitespaceDelimited().labels(LabelSpec.none()).build()
                .read(Path.of("data/diabetes/diabetes_data_raw.csv.gz")).dataset();
        INDArray ours = predict(file, diabetes, DataType.DOUBLE);
        INDArray theirs = ModelSerializer.restoreMultiLayerNetwork(zip.toFile()).output(raw(diabetes, DataType.DOUBLE));
        double[] worst = compare(ours, theirs, "diabetes");
        System.out.printf("ModelExportTest diabetes (442 rows, float64 values): largest |ours - DL4J| %.3g,"
                + " largest relative %.3g%n", worst[0], worst[1]);
    }

    @Test
    void aLayerDl4jCannotExpressIsRefusedNamingIt() throws Exception {
        Path dir = tmp.resolve("gelu-model");
        ModelSpec spec = new ModelSpec(64, List.of(LayerSpec.linear(8), LayerSpec.activation("gelu"), LayerSpec.linear(10)));
        String config = Files.readString(Path.of("configs/digits-logistic-regression.yaml"));
        new ModelStore(FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(dir.toUri()))
                .save(ModelFile.of(Model.build(spec, DataType.FLOAT, 1), null, config, Map.of()));
        Path zip = tmp.resolve("gelu.zip");

        Run r = CliEndToEndTest.run("export", dir.toString(), zip.toString());

        assertEquals(2, r.code());
        assertTrue(r.err().contains("layers[1] (gelu)") && r.err().contains("supported: linear, relu"), r.err());
        assertFalse(Files.exists(zip), "no zip is left behind");
    }

    @Test
    void badArgumentsExitTwo() {
        Run missing = CliEndToEndTest.run("export", tmp.resolve("nowhere").toString(), tmp.resolve("x.zip").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
        Run format = CliEndToEndTest.run("export", "a", "b.zip", "--format", "onnx");
        assertEquals(2, format.code());
        assertTrue(format.err().contains("unknown format 'onnx'; expected dl4j"), format.err());
        Run count = CliEndToEndTest.run("export", "a");
        assertEquals(2, count.code());
        assertTrue(count.err().contains("export needs MODEL_DIR OUT.zip"), count.err());
    }

    // ------------------------------------------------------------------ helpers

    /** Our model's outputs on the dataset's rows, scaled by the file's scaler as training did. */
    private static INDArray predict(ModelFile file, Dataset data, DataType type) {
        float[] x = data.features().clone();
        file.scaler().orElseThrow().transformInPlace(x, data.numRows());
        Model model = file.toModel();
        return model.predict(Nd4j.create(x, new long[] {data.numRows(), data.numFeatures()}, 'c').castTo(type));
    }

    private static INDArray raw(Dataset data, DataType type) {
        return Nd4j.create(data.features().clone(), new long[] {data.numRows(), data.numFeatures()}, 'c').castTo(type);
    }

    /** Row-wise softmax in double. */
    private static INDArray softmax(INDArray logits) {
        INDArray z = logits.castTo(DataType.DOUBLE);
        INDArray e = z.subColumnVector(z.max(1).reshape(z.rows(), 1));
        e = org.nd4j.linalg.ops.transforms.Transforms.exp(e, false);
        return e.divColumnVector(e.sum(1).reshape(z.rows(), 1));
    }

    /** Fails on the first entry off by more than ATOL + RTOL·|DL4J|; returns {max abs, max rel (|DL4J| >= 1e-3)}. */
    private static double[] compare(INDArray ours, INDArray theirs, String what) {
        assertEquals(List.of(ours.shape()[0], ours.shape()[1]), List.of(theirs.shape()[0], theirs.shape()[1]), what);
        double[][] a = ours.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] b = theirs.castTo(DataType.DOUBLE).toDoubleMatrix();
        double worstAbs = 0;
        double worstRel = 0;
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < a[i].length; k++) {
                double err = Math.abs(a[i][k] - b[i][k]);
                worstAbs = Math.max(worstAbs, err);
                if (Math.abs(b[i][k]) >= 1e-3) {
                    worstRel = Math.max(worstRel, err / Math.abs(b[i][k]));
                }
                assertTrue(err <= ATOL + RTOL * Math.abs(b[i][k]), what + " row " + i + " output " + k + ": ours "
                        + a[i][k] + ", DL4J " + b[i][k] + " (|diff| " + err + ")");
            }
        }
        return new double[] {worstAbs, worstRel};
    }
}
