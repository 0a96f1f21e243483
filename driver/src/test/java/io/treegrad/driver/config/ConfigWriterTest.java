package io.treegrad.driver.config;

import static io.treegrad.driver.config.ConfigLoaderTest.CWD;
import static io.treegrad.driver.config.ConfigLoaderTest.RESOURCES;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The resolved config as YAML: every default written out, and it loads back to an equal record. */
class ConfigWriterTest {
    @Test
    void theFashionMnistConfigResolvesToThisText() {
        ExperimentConfig c = ConfigLoader.load(RESOURCES.resolve("fashion-mnist-mlp.yaml"), List.of(), CWD);
        assertEquals("""
                # the resolved config: every default written out
                name: fashion-mnist-mlp
                data:
                  train:
                    format: idx
                    path: /srv/treegrad/data/fashion-mnist/train-images-idx3-ubyte.gz
                    labels: /srv/treegrad/data/fashion-mnist/train-labels-idx1-ubyte.gz
                    num_features: 784
                    num_classes: 10
                    task: classification
                  test:
                    format: idx
                    path: /srv/treegrad/data/fashion-mnist/t10k-images-idx3-ubyte.gz
                    labels: /srv/treegrad/data/fashion-mnist/t10k-labels-idx1-ubyte.gz
                    num_features: 784
                    num_classes: 10
                    task: classification
                  scaling:
                    method: divide
                    constant: 255.0
                  bad_records: fail
                model:
                  inputs: 784
                  layers:
                    - {linear: 256, init: he}
                    - relu
                    - {linear: 128, init: he}
                    - relu
                    - {linear: 10, init: xavier}
                loss:
                  type: cross_entropy
                  l2: 0.0
                optimizer:
                  type: adam
                  lr: 0.001
                  betas: [0.9, 0.999]
                  eps: 1.0E-8
                  weight_decay: 0.0
                  schedule:
                    type: constant
                training:
                  epochs: 5
                  batch_size: 64
                  partitions: 2
                  aggregation_depth: 2
                  steps_per_round: 1
                  seed: 1
                  dtype: float32
                  device: auto
                  job_timeout_seconds: 600
                  mode: sync
                evaluation:
                  every_steps: 0
                  batch_size: 64
                checkpoints:
                  uri: /srv/treegrad/runs/fashion-mnist-mlp/checkpoints
                  every_steps: 0
                  keep_last: 3
                output:
                  dir: /srv/treegrad/runs/fashion-mnist-mlp
                  log_every_steps: 50
                """, ConfigWriter.toYaml(c));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fashion-mnist-mlp.yaml", "reference.yaml"})
    void theExampleConfigsRoundTrip(String file, @TempDir Path dir) throws IOException {
        assertRoundTrips(ConfigLoader.load(RESOURCES.resolve(file), List.of(), CWD), dir);
    }

    /** Every format, optimizer and schedule, and strings YAML would otherwise read as something else. */
    @ParameterizedTest
    @ValueSource(strings = {
        """
        name: "yes: 1 # not a comment"
        data:
          train: {format: csv, path: "data/my data.csv", header: true, label_column: "007", delimiter: "\\t",
                  skip_lines: 2, num_features: 3, task: regression}
          test: {format: csv, path: t.csv, labels: t-targets.csv, delimiter: whitespace}
          scaling: {method: minmax}
          bad_records: skip
        model: {inputs: 3, layers: [{linear: 8, init: zeros}, leaky_relu, {dropout: 0.0}, sigmoid, {linear: 1}]}
        loss: {type: huber, delta: 0.5, l2: 1e-5}
        optimizer: {type: rmsprop, alpha: 0.9, eps: 1e-6, clip_norm: 1, schedule: {type: step, step_size: 10}}
        training: {steps: 123456789012, batch_size: 4, partitions: 16, aggregation_depth: 3, steps_per_round: 4,
                   seed: -9, dtype: float64, device: gpu}
        evaluation: {every_steps: 1000, batch_size: 4096}
        checkpoints: {uri: "hdfs://nn:8020/ckpt", every_steps: 100, keep_last: 10}
        output: {dir: "file:/tmp/out", log_every_steps: 1}
        """,
        """
        data:
          train: {format: parquet, path: s3a://b/train, label_column: "y", features_column: x, num_classes: 2}
        model: {inputs: 20, layers: [{type: linear, units: 1}]}
        loss: {type: bce_with_logits}
        optimizer: {type: adagrad, schedule: {type: inverse_time, decay: 0.01, warmup_steps: 5}}
        training: {epochs: 1, batch_size: 1}
        output: {dir: out}
        """,
        """
        data:
          train: {format: libsvm, path: data/heart-scale/heart_scale, num_features: 13}
        model: {inputs: 13, layers: [{linear: 2}, gelu, {linear: 2}]}
        loss: {type: cross_entropy}
        optimizer: {type: sgd, lr: 0.5, momentum: 0.5, nesterov: true, weight_decay: 1e-4,
                    schedule: {type: exponential, gamma: 0.99}}
        training: {epochs: 2, batch_size: 2}
        output: {dir: /abs/out/}
        """})
    void everyKindOfConfigRoundTrips(String yaml, @TempDir Path dir) throws IOException {
        assertRoundTrips(ConfigLoader.parse(yaml, "configs/variant.yaml", List.of(), CWD), dir);
    }

    @Test
    void absentOptionalsAreLeftOutNotWrittenAsNull() {
        String yaml = ConfigWriter.toYaml(ConfigLoader.parse(ConfigLoaderTest.minimal(""), "m.yaml", List.of(), CWD));
        assertEquals(List.of(), yaml.lines().filter(l -> l.contains("null") || l.contains("test:")
                || l.contains("steps: ") && !l.contains("every_steps") && !l.contains("per_round")).toList());
    }

    /** Writes the config, loads the text from a file in another working directory, and compares. */
    private static void assertRoundTrips(ExperimentConfig c, Path dir) throws IOException {
        String yaml = ConfigWriter.toYaml(c);
        Path file = Files.writeString(dir.resolve("resolved.yaml"), yaml);
        ExperimentConfig back = ConfigLoader.load(file, List.of(), dir);
        assertEquals(c, back, yaml);
        assertEquals(yaml, ConfigWriter.toYaml(back));
    }
}
