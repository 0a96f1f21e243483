package io.treegrad.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.data.CsvReader;
import io.treegrad.data.Dataset;
import io.treegrad.data.FeatureScaler;
import io.treegrad.data.LabelSpec;
import io.treegrad.data.RealData;
import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.nn.Parameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model file is usable outside Java: {@code src/test/python/predict_safetensors.py} (numpy only,
 * no safetensors package, run by Debian's {@code /usr/bin/python3}) parses the file, applies the
 * stored scaler and the forward pass, and reproduces {@link Model#predict} on real rows.
 */
class ModelFilePythonTest {
    /** Every layer type a model may have, with standardised real features in front. */
    static final ModelSpec SPEC = new ModelSpec(64, List.of(
            LayerSpec.linear(32), LayerSpec.activation("relu"), LayerSpec.dropout(0.2),
            LayerSpec.linear(16), LayerSpec.leakyRelu(0.05),
            LayerSpec.linear(16), LayerSpec.activation("tanh"),
            LayerSpec.linear(12), LayerSpec.activation("sigmoid"),
            LayerSpec.linear(12), LayerSpec.activation("gelu"),
            LayerSpec.linear(10)));
    static final int ROWS = 200;
    /** float32 forward (ours) vs float64 forward on the same float32 parameters (numpy). */
    static final double RTOL = 1e-5;
    /** Absolute floor for outputs near 0, where a relative difference means nothing. */
    static final double ATOL = 1e-6;

    @TempDir
    Path tmp;

    @Test
    void numpyReaderReproducesOurPredictionsOnDigits() throws Exception {
        TestFiles.assumeNumpy();
        Dataset digits = CsvReader.builder().labels(LabelSpec.classIds(10)).build()
                .read(RealData.file("digits/digits.csv.gz")).dataset();
        FeatureScaler scaler = FeatureScaler.fitStandardize(digits);
        assertTrue(scaler.constantColumns().length > 0, "digits has constant pixels: divisor 1 is exercised");
        Model model = Model.build(SPEC, DataType.FLOAT, 17);
        // Biases start at zero; non-zero ones make the reader's bias handling count.
        SplittableRandom rng = new SplittableRandom(5);
        for (Parameters.Entry e : model.parameters().entries()) {
            if (e.name().endsWith(".bias")) {
                for (long i = 0; i < e.length(); i++) {
                    e.tensor().value().putScalar(i, rng.nextDouble(-0.5, 0.5));
                }
            }
        }
        Path file = tmp.resolve("model.safetensors");
        ModelFile.of(model, scaler, "", Map.of("seed", "17")).write(file);

        int d = digits.numFeatures();
        float[] raw = new float[ROWS * d];
        System.arraycopy(digits.features(), 0, raw, 0, raw.length);
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < d; j++) {
                csv.append(j == 0 ? "" : ",").append(raw[i * d + j]);
            }
            csv.append('\n');
        }
        Path rows = tmp.resolve("rows.csv");
        Files.writeString(rows, csv);

        float[] scaled = raw.clone();
        scaler.transformInPlace(scaled, ROWS);
        INDArray ours = model.predict(Nd4j.create(scaled, new long[] {ROWS, d}, 'c'));

        Path script = RealData.repoRoot().resolve("worker/src/test/python/predict_safetensors.py");
        String[] lines = TestFiles.pythonFile(script, file.toString(), rows.toString()).strip().split("\n");
        assertEquals(ROWS, lines.length, "one line per row");
        double worstRel = 0;
        double worstAbs = 0;
        for (int i = 0; i < ROWS; i++) {
            String[] f = lines[i].split(",");
            assertEquals(1 + SPEC.outputs(), f.length, "row " + i + ": class then " + SPEC.outputs() + " logits");
            int ourClass = ours.getRow(i).argMax().getInt(0);
            assertEquals(ourClass, Integer.parseInt(f[0]), "row " + i + ": predicted class");
            for (int k = 0; k < SPEC.outputs(); k++) {
                double theirs = Double.parseDouble(f[k + 1]);
                double mine = ours.getDouble(i, k);
                double err = Math.abs(mine - theirs);
                worstAbs = Math.max(worstAbs, err);
                worstRel = Math.max(worstRel, err / Math.max(Math.abs(theirs), 1e-3));
                assertTrue(err <= ATOL + RTOL * Math.abs(theirs), "row " + i + " logit " + k + ": ours " + mine
                        + ", numpy " + theirs + " (|diff| " + err + ")");
            }
        }
        System.out.printf("ModelFilePythonTest: %d digits rows, largest |ours - numpy| %.3g, largest relative %.3g%n",
                ROWS, worstAbs, worstRel);
    }
}
