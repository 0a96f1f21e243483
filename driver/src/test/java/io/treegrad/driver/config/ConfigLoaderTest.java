package io.treegrad.driver.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.data.BadRecordPolicy;
import io.treegrad.nn.LayerSpec;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.OptimizerSpec;
import io.treegrad.optim.ScheduleSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Valid configs load to the records they describe, with defaults and paths resolved. */
class ConfigLoaderTest {
    static final Path RESOURCES = io.treegrad.driver.TestData.repoRoot().resolve("driver/src/test/resources/config");
    /** Where a run is started from in these tests: relative paths resolve against it. */
    static final Path CWD = Path.of("/srv/treegrad");

    @Test
    void fashionMnistMlpLoadsToTheExpectedRecords() {
        ExperimentConfig c = ConfigLoader.load(RESOURCES.resolve("fashion-mnist-mlp.yaml"), List.of(), CWD);

        String data = "/srv/treegrad/data/fashion-mnist/";
        ExperimentConfig expected = new ExperimentConfig(
                "fashion-mnist-mlp",
                new DataConfig(
                        new DatasetConfig("idx", data + "train-images-idx3-ubyte.gz",
                                data + "train-labels-idx1-ubyte.gz", null, null, null, null, 784, 10,
                                "classification", null),
                        new DatasetConfig("idx", data + "t10k-images-idx3-ubyte.gz",
                                data + "t10k-labels-idx1-ubyte.gz", null, null, null, null, 784, 10,
                                "classification", null),
                        new ScalingConfig("divide", 255.0), "fail"),
                new ModelSpec(784, List.of(LayerSpec.linear(256, "he"), LayerSpec.activation("relu"),
                        LayerSpec.linear(128, "he"), LayerSpec.activation("relu"), LayerSpec.linear(10, "xavier"))),
                new LossConfig("cross_entropy", null, 0.0),
                new OptimizerSpec("adam", 0.001, null, null, List.of(0.9, 0.999), null, 1e-8, 0.0,
                        ScheduleSpec.constant(), null),
                new TrainingConfig(5, null, 64, 2, 2, 1, 1, "float32", "auto", 600),
                new EvaluationConfig(0L, 64),
                new CheckpointConfig("/srv/treegrad/runs/fashion-mnist-mlp/checkpoints", 0L, 3),
                new OutputConfig("/srv/treegrad/runs/fashion-mnist-mlp", 50L));
        assertEquals(expected, c);
        assertEquals(BadRecordPolicy.FAIL, c.data().badRecordPolicy());
        assertEquals(10, c.model().outputs());
    }

    @Test
    void fashionMnistPathsNameTheRepositorysDataWhenRunFromItsRoot() {
        Path repo = io.treegrad.driver.TestData.repoRoot();
        ExperimentConfig c = ConfigLoader.load(RESOURCES.resolve("fashion-mnist-mlp.yaml"), List.of(), repo);
        for (DatasetConfig d : List.of(c.data().train(), c.data().test())) {
            assertTrue(Files.isRegularFile(Path.of(d.path())), d.path());
            assertTrue(Files.isRegularFile(Path.of(d.labels())), d.labels());
        }
    }

    @Test
    void theReferenceConfigLoadsWithEveryKeySet() {
        ExperimentConfig c = ConfigLoader.load(RESOURCES.resolve("reference.yaml"), List.of(), CWD);

        assertEquals("reference", c.name());
        assertEquals(new DatasetConfig("csv", "/srv/treegrad/data/wine/wine_data.csv", null, "-1", false, ",", 1, 13,
                3, "classification", null), c.data().train());
        assertEquals(new DatasetConfig("csv", "/srv/treegrad/data/wine/wine_data.csv", null, "-1", false, ",", 1, 13,
                3, "classification", null), c.data().test());
        assertEquals(new ScalingConfig("standardize", null), c.data().scaling());
        assertEquals(new ModelSpec(13, List.of(LayerSpec.linear(32, "he"), LayerSpec.leakyRelu(0.1),
                LayerSpec.dropout(0.1), LayerSpec.activation("tanh"), LayerSpec.linear(3, "xavier"))), c.model());
        assertEquals(new LossConfig("cross_entropy", null, 1e-4), c.loss());
        assertEquals(new OptimizerSpec("sgd", 0.05, 0.9, true, null, null, null, 0.0,
                new ScheduleSpec("cosine", null, null, null, 2000L, 0.001, 100L), 5.0), c.optimizer());
        assertEquals(new TrainingConfig(40, null, 16, 2, 2, 1, 7, "float32", "auto", 600), c.training());
        assertEquals(new EvaluationConfig(0L, 256), c.evaluation());
        assertEquals(new CheckpointConfig("/srv/treegrad/runs/reference/ckpt", 500L, 3), c.checkpoints());
        assertEquals(new OutputConfig("/srv/treegrad/runs/reference", 50L), c.output());
        assertEquals(new RetrainConfig("/srv/treegrad/runs/registry", "reference", "accuracy", 0.005, "carried", 2,
                "/srv/treegrad/data/wine/wine_data.csv", null), c.retrain());
    }

    @Test
    void urisWithASchemeAndAbsolutePathsAreKeptAsWritten() {
        ExperimentConfig c = ConfigLoader.parse("""
                data:
                  train: {format: idx, path: "hdfs://namenode:8020/mnist/train-images", labels: /data/train-labels}
                  test: {format: idx, path: s3a://bucket/t10k-images, labels: file:/tmp/t10k-labels}
                model: {inputs: 784, layers: [{linear: 10}]}
                loss: {type: cross_entropy}
                optimizer: {type: sgd, lr: 0.1}
                training: {steps: 1000, batch_size: 32}
                output: {dir: "s3a://bucket/runs/a/"}
                """, "configs/uris.yaml", List.of(), CWD);

        assertEquals("hdfs://namenode:8020/mnist/train-images", c.data().train().path());
        assertEquals("/data/train-labels", c.data().train().labels());
        assertEquals("s3a://bucket/t10k-images", c.data().test().path());
        assertEquals("file:/tmp/t10k-labels", c.data().test().labels());
        assertEquals("s3a://bucket/runs/a/", c.output().dir());
        assertEquals("s3a://bucket/runs/a/checkpoints", c.checkpoints().uri());
        assertEquals("uris", c.name());
        assertEquals(new TrainingConfig(null, 1000L, 32, 2, 2, 1, 1, "float32", "auto", 600), c.training());
    }

    @Test
    void relativePathsResolveAgainstTheWorkingDirectoryNotTheConfigFile() {
        ExperimentConfig c = ConfigLoader.parse(minimal("output: {dir: ../runs/./x}"), "configs/sub/x.yaml",
                List.of(), CWD);
        assertEquals("/srv/treegrad/data/digits/digits.csv.gz", c.data().train().path());
        assertEquals("/srv/runs/x", c.output().dir());
    }

    @Test
    void eachFormatGetsItsOwnDefaults() {
        ExperimentConfig csv = ConfigLoader.parse("""
                data:
                  train: {format: csv, path: data/diabetes/diabetes_data_raw.csv.gz, delimiter: whitespace,
                          labels: data/diabetes/diabetes_target.csv.gz, task: regression}
                model: {inputs: 10, layers: [{linear: 1}]}
                loss: {type: huber}
                optimizer: {type: adamw}
                training: {epochs: 3, batch_size: 16, dtype: float64}
                output: {dir: runs/diabetes}
                """, "diabetes.yaml", List.of(), CWD);
        assertEquals(new DatasetConfig("csv", "/srv/treegrad/data/diabetes/diabetes_data_raw.csv.gz",
                "/srv/treegrad/data/diabetes/diabetes_target.csv.gz", null, false, "whitespace", 0, null, null,
                "regression", null), csv.data().train());
        assertEquals(new LossConfig("huber", 1.0, 0.0), csv.loss());
        assertEquals(new OptimizerSpec("adamw", 0.001, null, null, List.of(0.9, 0.999), null, 1e-8, 0.01,
                ScheduleSpec.constant(), null), csv.optimizer());
        assertEquals("float64", csv.training().dtype());

        ExperimentConfig parquet = ConfigLoader.parse(minimal("data: {train: {format: parquet, path: hdfs:///d}}"),
                "p.yaml", List.of(), CWD);
        assertEquals(new DatasetConfig("parquet", "hdfs:///d", null, "label", null, null, null, null, null,
                "classification", "features"), parquet.data().train());

        ExperimentConfig libsvm = ConfigLoader.parse(minimal(
                "data: {train: {format: libsvm, path: data/heart-scale/heart_scale, num_features: 64}}"),
                "l.yaml", List.of(), CWD);
        assertEquals(new DatasetConfig("libsvm", "/srv/treegrad/data/heart-scale/heart_scale", null, null, null,
                null, null, 64, null, "classification", null), libsvm.data().train());
        assertNull(libsvm.data().test());
        assertEquals(ScalingConfig.none(), libsvm.data().scaling());
    }

    @Test
    void csvLabelColumnByNameOrIndex() {
        DatasetConfig byName = ConfigLoader.parse(minimal(
                "data: {train: {format: csv, path: x.csv, header: true, label_column: target, delimiter: ';'}}"),
                "x.yaml", List.of(), CWD).data().train();
        assertEquals("target", byName.labelColumn());
        assertNull(byName.labelColumnIndex());
        assertEquals(";", byName.delimiter());
        DatasetConfig byIndex = ConfigLoader.parse(minimal(
                "data: {train: {format: csv, path: x.csv, label_column: 0, delimiter: \"\\t\"}}"),
                "x.yaml", List.of(), CWD).data().train();
        assertEquals(0, byIndex.labelColumnIndex());
        assertEquals("\t", byIndex.delimiter());
    }

    @Test
    void layersInCompactAndFullFormAreTheSameSpec() {
        ModelSpec compact = ConfigLoader.parse(minimal("""
                model:
                  inputs: 64
                  layers: [{linear: 32}, {leaky_relu: 0.2}, {dropout: 0.5}, gelu, {linear: 16, init: zeros},
                           sigmoid, leaky_relu, {linear: 10}]
                """), "x.yaml", List.of(), CWD).model();
        ModelSpec full = ConfigLoader.parse(minimal("""
                model:
                  inputs: 64
                  layers:
                    - {type: linear, units: 32}
                    - {type: leaky_relu, slope: 0.2}
                    - {type: dropout, rate: 0.5}
                    - {type: gelu}
                    - {type: linear, units: 16, init: zeros}
                    - {type: sigmoid}
                    - {type: leaky_relu}
                    - {type: linear, units: 10}
                """), "x.yaml", List.of(), CWD).model();
        ModelSpec expected = new ModelSpec(64, List.of(LayerSpec.linear(32, "he"), LayerSpec.leakyRelu(0.2),
                LayerSpec.dropout(0.5), LayerSpec.activation("gelu"), LayerSpec.linear(16, "zeros"),
                LayerSpec.activation("sigmoid"), LayerSpec.leakyRelu(0.01), LayerSpec.linear(10, "xavier")));
        assertEquals(expected, compact);
        assertEquals(expected, full);
    }

    @Test
    void initDefaultsLookPastDropoutToTheActivation() {
        ModelSpec m = ConfigLoader.parse(minimal(
                "model: {inputs: 64, layers: [{linear: 32}, {dropout: 0.1}, relu, {linear: 16}, tanh, {linear: 10}]}"),
                "x.yaml", List.of(), CWD).model();
        assertEquals(List.of("he", "xavier", "xavier"), m.layers().stream()
                .filter(l -> l.type().equals("linear")).map(LayerSpec::init).toList());
    }

    @Test
    void quotedNumbersUnderscoresAndExponentsAreNumbers() {
        ExperimentConfig c = ConfigLoader.parse(minimal("""
                optimizer: {type: sgd, lr: 1e-2, momentum: "0.9"}
                training: {steps: 1_000_000, batch_size: "128", seed: -3}
                """), "x.yaml", List.of(), CWD);
        assertEquals(0.01, c.optimizer().lr());
        assertEquals(0.9, c.optimizer().momentum());
        assertEquals(1_000_000L, c.training().steps());
        assertEquals(128, c.training().batchSize());
        assertEquals(-3, c.training().seed());
    }

    /**
     * A small valid config (digits, logistic regression), one line per section, with the sections
     * that {@code replace} (YAML) sets replaced by its own, which come last: with one section
     * replaced, the replacement starts at line 6.
     */
    static String minimal(String replace) {
        String base = """
                data: {train: {format: csv, path: data/digits/digits.csv.gz}}
                model: {inputs: 64, layers: [{linear: 10}]}
                loss: {type: cross_entropy}
                optimizer: {type: sgd, lr: 0.1}
                training: {epochs: 1, batch_size: 8}
                output: {dir: runs/x}
                """;
        List<String> replaced = replace.lines().filter(l -> !l.startsWith(" ") && l.contains(":"))
                .map(l -> l.substring(0, l.indexOf(':'))).toList();
        StringBuilder out = new StringBuilder();
        for (String line : base.lines().toList()) {
            if (!replaced.contains(line.substring(0, line.indexOf(':')))) {
                out.append(line).append('\n');
            }
        }
        return out + replace + (replace.endsWith("\n") ? "" : "\n");
    }
}
