package io.treegrad.driver.config;

import static io.treegrad.driver.config.ConfigLoaderTest.CWD;
import static io.treegrad.driver.config.ConfigLoaderTest.minimal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of mistake, with the exact message a user reads: where, which key, expected, got. */
class ConfigErrorsTest {
    /** A Fashion-MNIST config whose lines the tests below break one at a time. */
    static final String FASHION = """
            name: fashion
            data:
              train: {format: idx, path: data/train-images.gz, labels: data/train-labels.gz}
            model:
              inputs: 784
              layers: [{linear: 256}, relu, {linear: 10}]
            optimizer:
              type: adam
              lr: 0.001
            loss: {type: cross_entropy}
            training:
              epochs: 5
              batch_size: 64
            output: {dir: runs/fashion}
            """;

    @Test
    void anUnknownKeyNamesTheNearestValidOne() {
        assertEquals(List.of("configs/x.yaml line 13: training.batchsize: unknown key; did you mean batch_size?"),
                problems(FASHION.replace("batch_size: 64", "batchsize: 64")));
        assertEquals(List.of("configs/x.yaml line 8: optimizer.weightDecay: unknown key; did you mean weight_decay?"),
                problems(FASHION.replace("type: adam", "weightDecay: 0.1\n  type: adam")));
        assertEquals(List.of("configs/x.yaml line 11: trainig: unknown key; did you mean training?"),
                problems(FASHION.replace("training:", "trainig:")));
    }

    @Test
    void anUnknownKeyWithNoNearOneListsTheValidKeys() {
        assertEquals(List.of("configs/x.yaml line 14: training.workers: unknown key; expected one of epochs, steps,"
                        + " batch_size, partitions, aggregation_depth, steps_per_round, seed, dtype, device, job_timeout_seconds,"
                        + " mode, local_steps, outer_optimizer"),
                problems(FASHION.replace("  batch_size: 64\n", "  batch_size: 64\n  workers: 4\n")));
    }

    @Test
    void aValueOfTheWrongTypeSaysWhatWasExpected() {
        assertEquals(List.of("configs/x.yaml line 13: training.batch_size: expected an integer, got 'ten'"),
                problems(FASHION.replace("batch_size: 64", "batch_size: ten")));
        assertEquals(List.of("configs/x.yaml line 9: optimizer.lr: expected a number, got 'fast'"),
                problems(FASHION.replace("lr: 0.001", "lr: fast")));
        assertEquals(List.of("configs/x.yaml line 12: training.epochs: expected an integer, got '2.5'"),
                problems(FASHION.replace("epochs: 5", "epochs: 2.5")));
        assertEquals(List.of("configs/x.yaml line 6: model.layers: expected a list of layers like"
                        + " [{linear: 128}, relu, {linear: 10}], got 'relu'"),
                problems(FASHION.replace("layers: [{linear: 256}, relu, {linear: 10}]", "layers: relu")));
        assertEquals(List.of("configs/x.yaml line 12: training.epochs: expected an integer, got 'yes'"),
                problems(FASHION.replace("epochs: 5", "epochs: yes")));
        assertEquals(List.of("configs/x.yaml line 3: data.train: expected a mapping with keys format, path, labels,"
                        + " label_column, header, delimiter, skip_lines, num_features, num_classes, task,"
                        + " features_column, got 'data/train.csv'"),
                problems(FASHION.replace(
                        "train: {format: idx, path: data/train-images.gz, labels: data/train-labels.gz}",
                        "train: data/train.csv")));
        assertEquals(List.of("configs/x.yaml line 8: training.steps: expected an integer, got a list"),
                problems(minimal("training:\n  batch_size: 8\n  steps: [100]")));
    }

    @Test
    void outOfRangeValuesSayTheRange() {
        assertEquals(List.of("configs/x.yaml line 9: optimizer.lr: must be > 0, got -0.1"),
                problems(FASHION.replace("lr: 0.001", "lr: -0.1")));
        assertEquals(List.of("configs/x.yaml line 13: training.batch_size: must be >= 1, got 0"),
                problems(FASHION.replace("batch_size: 64", "batch_size: 0")));
        assertEquals(List.of("configs/x.yaml line 14: training.partitions: must be >= 1, got 0"),
                problems(FASHION.replace("  batch_size: 64\n", "  batch_size: 64\n  partitions: 0\n")));
        assertEquals(List.of("configs/x.yaml line 6: model.layers[0].linear: must be >= 1, got 0",
                        "configs/x.yaml line 6: model.layers[1].dropout: must be in [0, 1), got 1.5"),
                problems(FASHION.replace("[{linear: 256}, relu,", "[{linear: 0}, {dropout: 1.5},")));
        assertEquals(List.of("configs/x.yaml line 6: checkpoints.keep_last: must be >= 1, got 0",
                        "configs/x.yaml line 7: evaluation.every_steps: must be >= 0, got -1",
                        "configs/x.yaml line 8: data.scaling.constant: must be a finite number > 0, got 0.0"),
                problems(minimal("checkpoints: {keep_last: 0}\nevaluation: {every_steps: -1}\n"
                        + "data: {train: {format: csv, path: x.csv}, scaling: {method: divide, constant: 0}}")));
    }

    @Test
    void localSgdKeysAreCheckedAgainstTheMode() {
        String local = FASHION.replace("  batch_size: 64\n", "  batch_size: 64\n  mode: local_sgd\n  local_steps: 7\n");
        TrainingConfig t = ConfigLoader.parse(local, "configs/x.yaml", List.of(), CWD).training();
        assertEquals(List.of("local_sgd", 7, 7), List.of(t.mode(), t.localSteps(), t.minibatchesPerStep()));
        assertEquals(io.treegrad.optim.OptimizerSpec.of("sgd").withLr(1.0).resolved(), t.outerOptimizer(),
                "default outer optimizer: plain federated averaging");
        assertEquals(List.of("configs/x.yaml line 14: training.mode: must be one of [sync, local_sgd], got 'local';"
                        + " did you mean local_sgd?"),
                problems(FASHION.replace("  batch_size: 64\n", "  batch_size: 64\n  mode: local\n")));
        assertEquals(List.of("configs/x.yaml line 14: training.local_steps: not used by mode sync (only by local_sgd)"),
                problems(FASHION.replace("  batch_size: 64\n", "  batch_size: 64\n  local_steps: 7\n")));
        assertEquals(List.of("configs/x.yaml line 14: training.outer_optimizer: not used by mode sync (only by"
                        + " local_sgd)"),
                problems(FASHION.replace("  batch_size: 64\n", "  batch_size: 64\n  outer_optimizer: {type: sgd, lr: 1}\n")));
        assertEquals(List.of("configs/x.yaml line 11: training.local_steps: missing; expected an integer >= 1, the"
                        + " minibatches each task steps through per round"),
                problems(FASHION.replace("  batch_size: 64\n", "  batch_size: 64\n  mode: local_sgd\n")));
        assertEquals(List.of("configs/x.yaml line 15: training.local_steps: must be >= 1, got 0"),
                problems(local.replace("local_steps: 7", "local_steps: 0")));
        assertEquals(List.of("configs/x.yaml line 16: training.steps_per_round: not used by mode local_sgd (it"
                        + " accumulates minibatches into one sync step); set local_steps instead"),
                problems(local.replace("  local_steps: 7\n", "  local_steps: 7\n  steps_per_round: 2\n")));
        assertEquals(List.of("configs/x.yaml line 16: training.outer_optimizer.lr: must be > 0, got -1.0"),
                problems(local.replace("  local_steps: 7\n", "  local_steps: 7\n  outer_optimizer: {type: sgd, lr: -1}\n")));
        assertEquals(List.of("configs/x.yaml line 16: training.outer_optimizer.momentum: not used by adam (only by sgd)"),
                problems(local.replace("  local_steps: 7\n",
                        "  local_steps: 7\n  outer_optimizer: {type: adam, momentum: 0.9}\n")));
        assertEquals(List.of("configs/x.yaml line 10: optimizer.schedule: mode local_sgd restarts the inner optimizer"
                        + " every round, so a schedule would restart too; put it on training.outer_optimizer.schedule"
                        + " instead"),
                problems(local.replace("  lr: 0.001\n", "  lr: 0.001\n  schedule: {type: exponential, gamma: 0.9}\n")));
    }

    @Test
    void epochsAndStepsExactlyOne() {
        assertEquals(List.of("configs/x.yaml line 13: training: expected exactly one of epochs and steps,"
                        + " got both (epochs 5, steps 1000)"),
                problems(FASHION.replace("  batch_size: 64\n", "  steps: 1000\n  batch_size: 64\n")));
        assertEquals(List.of("configs/x.yaml line 11: training.epochs: missing; expected an integer >= 1"
                        + " (or steps instead)"),
                problems(FASHION.replace("  epochs: 5\n", "")));
    }

    @Test
    void missingRequiredKeysAndSections() {
        assertEquals(List.of("configs/x.yaml line 14: output.dir: missing; expected a Hadoop URI or local path for"
                        + " the run's metrics and checkpoints"),
                problems(FASHION.replace("output: {dir: runs/fashion}", "output: {log_every_steps: 10}")));
        assertEquals(List.of("configs/x.yaml: output: missing; expected a section with dir (a Hadoop URI or local"
                        + " path)"),
                problems(FASHION.replace("output: {dir: runs/fashion}\n", "")));
        assertEquals(List.of("configs/x.yaml line 3: data.train.labels: missing; expected the IDX labels file, a"
                        + " Hadoop URI or local path"),
                problems(FASHION.replace(", labels: data/train-labels.gz", "")));
        assertEquals(List.of("configs/x.yaml line 7: optimizer.lr: required for sgd (torch.optim.SGD has no default)"),
                problems(FASHION.replace("type: adam\n  lr: 0.001", "type: sgd")));
        assertEquals(List.of("configs/x.yaml line 6: model.layers[1].units: expected the number of units, an"
                        + " integer >= 1, got nothing"),
                problems(FASHION.replace("relu, {linear: 10}", "{type: linear}")));
    }

    @Test
    void misspeltChoicesNameTheNearestOne() {
        assertEquals(List.of("configs/x.yaml line 3: data.train.format: must be one of [idx, csv, libsvm, parquet],"
                        + " got 'ibx'; did you mean idx?"),
                problems(FASHION.replace("format: idx", "format: ibx")));
        assertEquals(List.of("configs/x.yaml line 6: model.layers[1]: unknown layer 'rleu'; did you mean relu?"),
                problems(FASHION.replace(", relu,", ", rleu,")));
        assertEquals(List.of("configs/x.yaml line 6: model.layers[0]: unknown layer 'dense'; expected one of linear,"
                        + " dropout, relu, leaky_relu, tanh, sigmoid, gelu"),
                problems(FASHION.replace("{linear: 256}", "{dense: 256}")));
        assertEquals(List.of("configs/x.yaml line 10: loss.type: must be one of [cross_entropy, mse, bce_with_logits,"
                        + " huber], got 'crossentropy'; did you mean cross_entropy?"),
                problems(FASHION.replace("type: cross_entropy", "type: crossentropy")));
        assertEquals(List.of("configs/x.yaml line 14: training.device: must be one of [auto, cpu, gpu], got 'cuda'"),
                problems(FASHION.replace("  batch_size: 64\n", "  batch_size: 64\n  device: cuda\n")));
        assertEquals(List.of("configs/x.yaml line 14: training.device: must be one of [auto, cpu, gpu], got 'gpus';"
                        + " did you mean gpu?"),
                problems(FASHION.replace("  batch_size: 64\n", "  batch_size: 64\n  device: gpus\n")));
    }

    @Test
    void layersThatNeedASettingOrTakeNone() {
        assertEquals(List.of("configs/x.yaml line 6: model.layers[0]: linear needs a setting: write {linear: 256}",
                        "configs/x.yaml line 6: model.layers[1].relu: relu takes no setting: write it as the plain"
                                + " word relu, got '0.1'",
                        "configs/x.yaml line 6: model.layers[2].inti: unknown key; did you mean init?"),
                problems(FASHION.replace("[{linear: 256}, relu, {linear: 10}]",
                        "[linear, {relu: 0.1}, {linear: 10, inti: he}]")));
        assertEquals(List.of("configs/x.yaml line 6: model.layers[1].rate: not used by relu"),
                problems(FASHION.replace(", relu,", ", {type: relu, rate: 0.5},")));
        assertEquals(List.of("configs/x.yaml line 6: model.layers: a model needs at least one linear layer, got none"),
                problems(FASHION.replace("[{linear: 256}, relu, {linear: 10}]", "[relu]")));
    }

    @Test
    void theOptimizersOwnChecksAreReportedUnderTheConfigsKeys() {
        String adam = FASHION.replace("  lr: 0.001\n", """
                  lr: 0.001
                  momentum: 0.9
                  betas: [0.9, 1.5]
                  weight_decay: -1
                  schedule: {type: cosine, min_lr: 0.1}
                """);
        assertEquals(List.of("configs/x.yaml line 10: optimizer.momentum: not used by adam (only by sgd)",
                        "configs/x.yaml line 11: optimizer.betas[1]: must be in [0, 1), got 1.5",
                        "configs/x.yaml line 12: optimizer.weight_decay: must be >= 0, got -1.0",
                        "configs/x.yaml line 13: optimizer.schedule.t_max: required by a 'cosine' schedule",
                        "configs/x.yaml line 13: optimizer.schedule.min_lr: must be <= the optimizer's lr (0.001),"
                                + " got 0.1"),
                problems(adam));
        assertEquals(List.of("configs/x.yaml line 10: optimizer.nesterov: needs optimizer.momentum > 0, got momentum"
                        + " unset (0)"),
                problems(FASHION.replace("type: adam\n  lr: 0.001", "type: sgd\n  lr: 0.1\n  nesterov: true")));
    }

    @Test
    void keysAFormatDoesNotReadAreErrors() {
        assertEquals(List.of("configs/x.yaml line 3: data.train.header: not used by idx (only by csv)",
                        "configs/x.yaml line 3: data.train.features_column: not used by idx (only by parquet)"),
                problems(FASHION.replace("labels: data/train-labels.gz}",
                        "labels: data/train-labels.gz, header: true, features_column: x}")));
        assertEquals(List.of("configs/x.yaml line 6: data.train.labels: a separate targets file is read only for"
                        + " task: regression; classification labels are a column of the CSV (label_column)"),
                problems(minimal("data: {train: {format: csv, path: x.csv, labels: y.csv}}")));
        assertEquals(List.of("configs/x.yaml line 6: data.train.label_column: names a column ('species'), which needs"
                        + " header: true; or give its 0-based index (-1: the last)"),
                problems(minimal("data: {train: {format: csv, path: x.csv, label_column: species}}")));
        assertEquals(List.of("configs/x.yaml line 6: data.train.delimiter: must be one character (not a quote or a"
                        + " line break) or 'whitespace', got ';;'"),
                problems(minimal("data: {train: {format: csv, path: x.csv, delimiter: ';;'}}")));
    }

    @Test
    void theTestSetMustAgreeWithTheTrainingSet() {
        assertEquals(List.of("configs/x.yaml line 7: data.test.num_classes: must match data.train.num_classes (10),"
                        + " got 12"),
                problems(minimal("""
                        data:
                          test: {format: csv, path: test.csv, num_classes: 12}
                          train: {format: csv, path: train.csv, num_classes: 10}
                        """)));
    }

    @Test
    void sectionsThatDoNotFitEachOther() {
        assertEquals(List.of("configs/x.yaml line 6: model.layers[2]: the model must output 12 values (one per"
                        + " class of data.train.num_classes), got 10"),
                problems(FASHION.replace("labels: data/train-labels.gz}", "labels: data/train-labels.gz,"
                        + " num_classes: 12}")));
        assertEquals(List.of("configs/x.yaml line 5: loss.type: mse needs real-valued targets, but data.train.task"
                        + " is classification; use cross_entropy (or bce_with_logits for two classes)"),
                problems(minimal("loss: {type: mse}\nmodel: {inputs: 64, layers: [{linear: 1}]}")));
        assertEquals(List.of("configs/x.yaml line 5: model.inputs: must equal data.train.num_features (784), got 785"),
                problems(FASHION.replace("labels: data/train-labels.gz}", "labels: data/train-labels.gz,"
                        + " num_features: 784}").replace("inputs: 784", "inputs: 785")));
    }

    @Test
    void aRepeatedKeyNamesBothLines() {
        assertEquals(List.of("configs/x.yaml line 13: training.epochs: duplicate key (first at line 12)"),
                problems(FASHION.replace("  epochs: 5\n", "  epochs: 5\n  epochs: 6\n")));
    }

    @Test
    void invalidYamlReportsSnakeYamlsLineAndColumn() {
        assertEquals(List.of("configs/x.yaml line 6: invalid YAML (column 45): expected ',' or ']', but got }"
                        + " (while parsing a flow sequence)"),
                problems(FASHION.replace("{linear: 10}]", "{linear: 10}}")));
        assertEquals(List.of("configs/x.yaml line 13: invalid YAML (column 20): mapping values are not allowed here"),
                problems(FASHION.replace("batch_size: 64", "batch_size: batch: 64")));
        assertEquals(List.of("configs/x.yaml line 3: invalid YAML (column 1): found character '\\t(TAB)' that cannot"
                        + " start any token. (Do not use \\t(TAB) for indentation)"
                        + " (while scanning for the next token)"),
                problems(FASHION.replace("  train:", "\ttrain:")));
    }

    @Test
    void anEmptyConfigSaysWhatItNeeds() {
        String expected = "configs/x.yaml: the config is empty; it needs at least the sections data, model, loss,"
                + " optimizer, training and output";
        assertEquals(List.of(expected), problems(""));
        assertEquals(List.of(expected), problems("# nothing yet\n\n"));
        assertEquals(List.of("configs/x.yaml: expected a mapping with keys name, data, model, loss, optimizer,"
                + " training, evaluation, checkpoints, output, retrain, got a list"), problems("- data\n- model\n"));
    }

    @Test
    void aMissingFileNamesThePath(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("configs/nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing, List.of()));
        assertEquals(missing + ": no such config file (working directory " + Path.of("").toAbsolutePath() + ")",
                e.getMessage());
        ConfigException d = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir, List.of()));
        assertEquals(dir + ": is a directory; expected a YAML config file", d.getMessage());
        Path latin1 = Files.write(dir.resolve("latin1.yaml"), new byte[] {'n', 'a', 'm', 'e', ':', ' ', (byte) 0xE9});
        assertEquals(latin1 + ": not UTF-8 text; a config is a UTF-8 YAML file",
                assertThrows(ConfigException.class, () -> ConfigLoader.load(latin1, List.of())).getMessage());
    }

    @Test
    void messagesFromAFileNameItAsGiven(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("x.yaml"), FASHION.replace("lr: 0.001", "lr: -0.1"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of(), CWD));
        assertEquals(file + " line 9: optimizer.lr: must be > 0, got -0.1", e.getMessage());
    }

    @Test
    void everyProblemIsReportedAtOnceInLineOrder() {
        String broken = FASHION.replace("format: idx", "format: ibx").replace("lr: 0.001", "lr: -0.1")
                .replace("epochs: 5", "epochs: 0").replace("batch_size: 64", "batch_size: ten")
                .replace("output: {dir: runs/fashion}\n", "");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(broken, "configs/x.yaml", List.of(), CWD));
        assertEquals("""
                the config has 5 problems:
                  configs/x.yaml: output: missing; expected a section with dir (a Hadoop URI or local path)
                  configs/x.yaml line 3: data.train.format: must be one of [idx, csv, libsvm, parquet], got 'ibx'; \
                did you mean idx?
                  configs/x.yaml line 9: optimizer.lr: must be > 0, got -0.1
                  configs/x.yaml line 12: training.epochs: must be >= 1, got 0
                  configs/x.yaml line 13: training.batch_size: expected an integer, got 'ten'""", e.getMessage());
        assertEquals(5, e.problems().size());
    }

    @Test
    void retrainSectionMistakesNameTheKey() {
        assertEquals(List.of("configs/x.yaml line 15: retrain.registry: missing; expected a Hadoop URI or local path:"
                        + " the model registry the champion lives in",
                "configs/x.yaml line 15: retrain.holdout: missing; expected the data champion and challenger are"
                        + " compared on (a path in data.test's format), since the config has no data.test"),
                problems(FASHION + "retrain: {metric: loss}\n"));
        assertEquals(List.of("configs/x.yaml line 15: retrain.min_improvement: must be a finite number >= 0, got -0.1",
                        "configs/x.yaml line 15: retrain.optimizer_state: must be one of [fresh, carried], got 'carry'"),
                problems(FASHION + "retrain: {registry: r, holdout: h, min_improvement: -0.1, optimizer_state: carry}\n"));
        assertEquals(List.of("configs/x.yaml line 15: retrain.metric: rmse needs real-valued targets, but data.train.task"
                        + " is classification; use accuracy or loss"),
                problems(FASHION + "retrain: {registry: r, holdout: h, metric: rmse}\n"));
        assertEquals(List.of("--set retrain.model=.hidden: expected a registry model name (letters, digits, '.', '_'"
                        + " and '-', not starting with '.'), got '.hidden'"),
                problems(FASHION + "retrain: {registry: r, holdout: h}\n", "retrain.model=.hidden"));
    }

    static List<String> problems(String yaml, String... overrides) {
        return assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(yaml, "configs/x.yaml", List.of(overrides), CWD)).problems();
    }
}
