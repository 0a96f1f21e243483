package io.treegrad.driver.config;

import static io.treegrad.driver.config.ConfigErrorsTest.FASHION;
import static io.treegrad.driver.config.ConfigErrorsTest.problems;
import static io.treegrad.driver.config.ConfigLoaderTest.CWD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.treegrad.nn.LayerSpec;
import io.treegrad.optim.ScheduleSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --set key.path=value}: applied before validation, reported against the argument. */
class OverridesTest {
    static ExperimentConfig load(String yaml, String... overrides) {
        return ConfigLoader.parse(yaml, "configs/x.yaml", List.of(overrides), CWD);
    }

    @Test
    void overridesReplaceValuesBeforeTheyAreRead() {
        ExperimentConfig c = load(FASHION, "training.epochs=10", "optimizer.lr=3e-4", "optimizer.betas=[0.9,0.99]",
                "model.layers[0].linear=512", "name=fashion wide", "output.dir=s3a://bucket/runs/wide");

        assertEquals(10, c.training().epochs());
        assertEquals(3e-4, c.optimizer().lr());
        assertEquals(List.of(0.9, 0.99), c.optimizer().betas());
        assertEquals(LayerSpec.linear(512, "he"), c.model().layers().get(0));
        assertEquals("fashion wide", c.name());
        assertEquals("s3a://bucket/runs/wide", c.output().dir());
        assertEquals("s3a://bucket/runs/wide/checkpoints", c.checkpoints().uri());
    }

    @Test
    void overridesCreateMissingSectionsAndTakeFlowMappings() {
        ExperimentConfig c = load(FASHION, "evaluation.every_steps=500", "checkpoints.keep_last=1",
                "optimizer.schedule={type: cosine, t_max: 4690, warmup_steps: 100}");

        assertEquals(new EvaluationConfig(500L, 64), c.evaluation());
        assertEquals(1, c.checkpoints().keepLast());
        assertEquals(new ScheduleSpec("cosine", null, null, null, 4690L, null, 100L), c.optimizer().schedule());
    }

    @Test
    void nullRemovesAKeySoItsDefaultApplies() {
        ExperimentConfig c = load(FASHION.replace("  epochs: 5\n", "  epochs: 5\n  partitions: 8\n"),
                "training.epochs=null", "training.steps=2000", "training.partitions=");

        assertNull(c.training().epochs());
        assertEquals(2000L, c.training().steps());
        assertEquals(TrainingConfig.DEFAULT_PARTITIONS, c.training().partitions());
    }

    @Test
    void overridesApplyInOrderSoTheLastWins() {
        assertEquals(7, load(FASHION, "training.epochs=3", "training.epochs=7").training().epochs());
    }

    @Test
    void anOverrideOfAnUnknownKeyNamesTheOverride() {
        assertEquals(List.of("--set training.bach_size=3: unknown key; did you mean batch_size?"),
                problems(FASHION, "training.bach_size=3"));
        assertEquals(List.of("--set evalution.every_steps=3: evalution: unknown key; did you mean evaluation?"),
                problems(FASHION, "evalution.every_steps=3"));
    }

    @Test
    void problemsInOverriddenValuesNameTheOverrideInsteadOfALine() {
        assertEquals(List.of("--set training.batch_size=ten: expected an integer, got 'ten'"),
                problems(FASHION, "training.batch_size=ten"));
        assertEquals(List.of("--set optimizer.lr=-0.1: must be > 0, got -0.1"),
                problems(FASHION, "optimizer.lr=-0.1"));
        assertEquals(List.of("--set optimizer.betas=[0.9]: must be 2 numbers [beta1, beta2], got 1: [0.9]"),
                problems(FASHION, "optimizer.betas=[0.9]"));
        assertEquals(List.of("--set optimizer={type: sgd, momentum: 2}: optimizer.lr: required for sgd"
                        + " (torch.optim.SGD has no default)",
                        "--set optimizer={type: sgd, momentum: 2}: optimizer.momentum: must be in [0, 1), got 2.0"),
                problems(FASHION, "optimizer={type: sgd, momentum: 2}"));
        assertEquals(List.of("--set training.steps=100: training: expected exactly one of epochs and steps, got both"
                        + " (epochs 5, steps 100)"),
                problems(FASHION, "training.steps=100"));
    }

    @Test
    void fileProblemsComeFirstThenOverridesInTheOrderGiven() {
        assertEquals(List.of("configs/x.yaml line 9: optimizer.lr: must be > 0, got -0.1",
                        "--set training.partitions=0: must be >= 1, got 0",
                        "--set training.dtype=float16: must be one of [float32, float64], got 'float16';"
                                + " did you mean float32?"),
                problems(FASHION.replace("lr: 0.001", "lr: -0.1"), "training.partitions=0",
                        "training.dtype=float16"));
    }

    @Test
    void malformedOverridesSayWhy() {
        assertEquals(List.of(
                        "--set training.epochs: expected <key.path>=<value>, e.g. training.epochs=10",
                        "--set =3: expected <key.path>=<value>, e.g. training.epochs=10",
                        "--set training..epochs=3: expected <key.path>=<value>, e.g. training.epochs=10",
                        "--set training.epochs.max=3: training.epochs is '5', not a mapping with key max",
                        "--set model.layers.linear=3: model.layers is a list, not a mapping with key linear;"
                                + " address its items as model.layers[0]",
                        "--set model.layers[7]=relu: model.layers is a list, which has no item 7 (it has 3)",
                        "--set optimizer.betas=[0.9: the value is not valid YAML (column 5): expected ',' or ']',"
                                + " but got <stream end> (while parsing a flow sequence)"),
                problems(FASHION, "training.epochs", "=3", "training..epochs=3", "training.epochs.max=3",
                        "model.layers.linear=3", "model.layers[7]=relu", "optimizer.betas=[0.9"));
    }
}
