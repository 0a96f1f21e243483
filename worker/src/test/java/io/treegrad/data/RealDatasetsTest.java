package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The readers on the real files of jobs/fetch-datasets, against facts about those datasets. */
class RealDatasetsTest {
    private static Dataset fashionTrain;
    private static long fashionTrainMillis;

    @BeforeAll
    static void readFashionTrain() throws IOException {
        IdxReader reader = IdxReader.withClasses(10);
        // warm the JIT on the 10k test set, then time the 60k training set
        reader.read(RealData.file("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                RealData.file("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
        long t0 = System.nanoTime();
        fashionTrain = reader.read(RealData.file("fashion-mnist/train-images-idx3-ubyte.gz"),
                RealData.file("fashion-mnist/train-labels-idx1-ubyte.gz")).dataset();
        fashionTrainMillis = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("Fashion-MNIST train (60000 x 784, gzip IDX) read in " + fashionTrainMillis + " ms");
    }

    @Test
    void fashionMnistTrainIs60000ImagesOf784PixelsWith6000PerClass() {
        assertEquals(60000, fashionTrain.numRows());
        assertEquals(784, fashionTrain.numFeatures());
        assertEquals(10, fashionTrain.numClasses());
        int[] expected = new int[10];
        Arrays.fill(expected, 6000);
        assertArrayEquals(expected, fashionTrain.classCounts());
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, Arrays.copyOf(fashionTrain.labels(), 10));
        double sum = 0;
        int nonZero = 0;
        for (int j = 0; j < 784; j++) {
            float v = fashionTrain.feature(0, j);
            sum += v;
            nonZero += v != 0 ? 1 : 0;
        }
        assertEquals(76247.0, sum, 0.0, "pixel sum of the first image (an ankle boot)");
        assertEquals(433, nonZero);
        float max = 0;
        for (float v : fashionTrain.features()) {
            assertTrue(v >= 0 && v <= 255 && v == Math.rint(v));
            max = Math.max(max, v);
        }
        assertEquals(255f, max);
    }

    @Test
    void readingFashionMnistTrainTakesWellUnderTwoSeconds() {
        // typically ~0.3-0.5 s; the bound catches an unbuffered or per-byte read, not noise
        assertTrue(fashionTrainMillis < 2000, "read took " + fashionTrainMillis + " ms");
    }

    @Test
    void fashionMnistTestIs10000ImagesWith1000PerClass() throws IOException {
        Dataset test = IdxReader.withClasses(10).read(RealData.file("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                RealData.file("fashion-mnist/t10k-labels-idx1-ubyte.gz")).dataset();
        assertEquals(10000, test.numRows());
        assertEquals(784, test.numFeatures());
        int[] expected = new int[10];
        Arrays.fill(expected, 1000);
        assertArrayEquals(expected, test.classCounts());
        assertArrayEquals(new int[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, Arrays.copyOf(test.labels(), 10));
        double sum = 0;
        for (int j = 0; j < 784; j++) {
            sum += test.feature(0, j);
        }
        assertEquals(33456.0, sum, 0.0);
    }

    @Test
    void standardizingFashionMnistOnTrainGivesZeroMeanUnitStdColumns() throws IOException {
        FeatureScaler scaler = FeatureScaler.fitStandardize(fashionTrain);
        Dataset scaled = scaler.transform(fashionTrain);
        int d = 784;
        int n = scaled.numRows();
        double[] mean = new double[d];
        double[] sq = new double[d];
        float[] x = scaled.features();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += x[i * d + j];
                sq[j] += (double) x[i * d + j] * x[i * d + j];
            }
        }
        List<Integer> constant = Arrays.stream(scaler.constantColumns()).boxed().toList();
        for (int j = 0; j < d; j++) {
            double m = mean[j] / n;
            double var = sq[j] / n - m * m;
            assertEquals(0, m, 1e-4, "column " + j);
            assertEquals(constant.contains(j) ? 0 : 1, var, 1e-3, "column " + j);
        }
        // the raw training data is untouched; the test set is scaled with the training statistics
        assertEquals(76247.0, sumOfRow(fashionTrain, 0), 0.0);
        Dataset test = IdxReader.withClasses(10).read(RealData.file("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                RealData.file("fashion-mnist/t10k-labels-idx1-ubyte.gz")).dataset();
        Dataset testScaled = scaler.transform(test);
        float[] c = scaler.center();
        float[] v = scaler.divisor();
        assertEquals((test.feature(5, 300) - c[300]) / v[300], testScaled.feature(5, 300));
        assertArrayEquals(test.labels(), testScaled.labels());
    }

    @Test
    void oneEpochOfFashionMnistVisitsEveryImageOnce() {
        Minibatcher batcher = new Minibatcher(fashionTrain, 512, 7);
        assertEquals(118, batcher.numBatches());
        assertEquals(60000 - 117 * 512, batcher.rowsInBatch(117));
        Batch batch = batcher.newBatch();
        int[] seen = new int[60000];
        int[] classCounts = new int[10];
        for (int b = 0; b < batcher.numBatches(); b++) {
            batcher.fillStep(batch, 118L * 3 + b);  // epoch 3
            assertEquals(3, batch.epoch());
            for (int k = 0; k < batch.size(); k++) {
                int r = batch.rows()[k];
                seen[r]++;
                classCounts[batch.labels()[k]]++;
                assertEquals(fashionTrain.labels()[r], batch.labels()[k]);
                assertEquals(fashionTrain.feature(r, 400), batch.features()[k * 784 + 400]);
            }
        }
        assertTrue(Arrays.stream(seen).allMatch(c -> c == 1));
        assertTrue(Arrays.stream(classCounts).allMatch(c -> c == 6000));
    }

    @Test
    void digitsIs1797By64With10Classes() throws IOException {
        Dataset digits = CsvReader.builder().labels(LabelSpec.classIds(10)).build()
                .read(RealData.file("digits/digits.csv.gz")).dataset();
        assertEquals(1797, digits.numRows());
        assertEquals(64, digits.numFeatures());
        assertArrayEquals(new int[] {178, 182, 177, 183, 181, 182, 181, 179, 174, 180}, digits.classCounts());
        assertEquals(5f, digits.feature(0, 2));
        assertEquals(13f, digits.feature(0, 3));
    }

    @Test
    void irisBreastCancerAndWineMatchTheCountsInTheirFirstLine() throws IOException {
        CsvReader sklearn = CsvReader.builder().skipLines(1).build();
        Dataset iris = sklearn.read(RealData.file("iris/iris.csv")).dataset();
        assertEquals(150, iris.numRows());
        assertEquals(4, iris.numFeatures());
        assertArrayEquals(new int[] {50, 50, 50}, iris.classCounts());
        assertArrayEquals(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, Arrays.copyOf(iris.features(), 4));

        Dataset cancer = sklearn.read(RealData.file("breast-cancer/breast_cancer.csv")).dataset();
        assertEquals(569, cancer.numRows());
        assertEquals(30, cancer.numFeatures());
        assertArrayEquals(new int[] {212, 357}, cancer.classCounts());
        assertEquals(17.99f, cancer.feature(0, 0));

        Dataset wine = sklearn.read(RealData.file("wine/wine_data.csv")).dataset();
        assertEquals(178, wine.numRows());
        assertEquals(13, wine.numFeatures());
        assertArrayEquals(new int[] {59, 71, 48}, wine.classCounts());
        assertEquals(1065f, wine.feature(0, 12));
    }

    @Test
    void diabetesIs442By10WithRegressionTargetsFromASecondFile() throws IOException {
        ReadResult x = CsvReader.builder().whitespaceDelimited().labels(LabelSpec.none()).build()
                .read(RealData.file("diabetes/diabetes_data_raw.csv.gz"));
        ReadResult y = CsvReader.builder().labelColumn(0).labels(LabelSpec.regression()).build()
                .read(RealData.file("diabetes/diabetes_target.csv.gz"));
        Dataset diabetes = x.dataset().withTargets(y.dataset().targets());
        assertEquals(442, diabetes.numRows());
        assertEquals(10, diabetes.numFeatures());
        assertEquals(Dataset.LabelKind.TARGETS, diabetes.labelKind());
        assertArrayEquals(new float[] {59, 2, 32.1f, 101, 157, 93.2f, 38, 4, 4.8598f, 87},
                Arrays.copyOf(diabetes.features(), 10));
        assertArrayEquals(new float[] {151, 75, 141}, Arrays.copyOf(diabetes.targets(), 3));
        double mean = 0;
        for (float t : diabetes.targets()) {
            mean += t;
        }
        assertEquals(152.133484, mean / 442, 1e-5);
        assertEquals(0, x.report().skipped() + y.report().skipped());
    }

    @Test
    void heartScaleIs270By13WithPlusMinusOneMappedToClasses() throws IOException {
        Dataset heart = LibSvmReader.builder().build().read(RealData.file("heart-scale/heart_scale")).dataset();
        assertEquals(270, heart.numRows());
        assertEquals(13, heart.numFeatures());
        assertEquals(List.of("-1", "1"), heart.classNames());
        assertArrayEquals(new int[] {150, 120}, heart.classCounts());
        assertEquals(1, heart.labels()[0]);  // "+1"
        assertArrayEquals(new float[] {0.708333f, 1, 1, -0.320755f, -0.105023f, -1, 1, -0.419847f, -1,
            -0.225806f, 0, 1, -1}, Arrays.copyOf(heart.features(), 13));
    }

    @Test
    void mnistJsonIs10000DigitsOf784PixelsInZeroOne() throws IOException {
        Dataset mnist = MnistJsonReader.readDirectory(RealData.file("mnist-json/0.json").getParent()).dataset();
        assertEquals(10000, mnist.numRows());
        assertEquals(784, mnist.numFeatures());
        assertArrayEquals(new int[] {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978}, mnist.classCounts());
        for (float v : mnist.features()) {
            assertTrue(v >= 0 && v <= 1);
        }
        assertEquals(121.921, sumOfRow(mnist, 0), 1e-3);
    }

    private static double sumOfRow(Dataset data, int row) {
        double sum = 0;
        for (int j = 0; j < data.numFeatures(); j++) {
            sum += data.feature(row, j);
        }
        return sum;
    }
}
