package io.treegrad.driver;

import static io.treegrad.driver.CliEndToEndTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.CliEndToEndTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code models ...} on two real heart_scale runs (one epoch each), as a user types it. */
class ModelsCommandTest {
    @TempDir
    static Path runs;

    @TempDir
    Path tmp;

    @BeforeAll
    static void train() {
        for (String dir : new String[] {"a", "b"}) {
            Run r = run("train", "configs/heart-scale-libsvm.yaml", "--set", "training.epochs=1",
                    "--set", "output.dir=" + runs.resolve(dir));
            assertEquals(0, r.code(), r.err());
        }
    }

    String registry() {
        return tmp.resolve("registry").toString();
    }

    String current() throws IOException {
        return Files.readString(tmp.resolve("registry/heart/current")).strip();
    }

    Run ok(String... args) {
        Run r = run(args);
        assertEquals(0, r.code(), r.err());
        return r;
    }

    Run refused(String expected, String... args) {
        Run r = run(args);
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(expected), r.err());
        return r;
    }

    @Test
    void registerPromoteRollBackAndRefuseWhatCannotBeDone() throws IOException {
        Run first = ok("models", "register", registry(), "heart", runs.resolve("a").toString());
        assertTrue(first.out().startsWith("registered heart version 1 from "), first.out());
        assertTrue(first.out().contains("current: none"), first.out());
        assertTrue(ok("models", "register", registry(), "heart", runs.resolve("b").toString())
                .out().startsWith("registered heart version 2 "));

        assertEquals("heart: current version 1 (was none)\n", ok("models", "promote", registry(), "heart", "1").out());
        assertEquals("heart: current version 2 (was 1)\n", ok("models", "promote", registry(), "heart", "2").out());
        assertEquals("2", current());
        assertEquals("heart: rolled back to version 1 (was 2)\n", ok("models", "rollback", registry(), "heart").out());
        assertEquals("1", current());
        refused("cannot roll back model 'heart'", "models", "rollback", registry(), "heart");
        assertEquals("1", current());

        refused("model 'heart' has no version 9", "models", "promote", registry(), "heart", "9");
        assertEquals("1", current());

        ok("models", "register", registry(), "heart", runs.resolve("a").toString());
        Path file = tmp.resolve("registry/heart/versions/3/model.safetensors");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 5] ^= 0x01;
        Files.write(file, bytes);
        refused("version 3 does not load", "models", "promote", registry(), "heart", "3");
        assertEquals("1", current());

        refused("unknown subcommand 'drop'", "models", "drop", registry());
        refused("VERSION: expected a version number >= 1, got 'x'", "models", "promote", registry(), "heart", "x");
        refused("no model 'lung' in registry", "models", "show", registry(), "lung");
    }

    @Test
    void aRunWithATruncatedModelRegistersNothing() throws IOException {
        ok("models", "register", registry(), "heart", runs.resolve("a").toString());
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken.resolve("model"));
        byte[] whole = Files.readAllBytes(runs.resolve("a/model/model.safetensors"));
        Files.write(broken.resolve("model/model.safetensors"), java.util.Arrays.copyOf(whole, whole.length - 100));
        refused("its model does not load", "models", "register", registry(), "heart", broken.toString());
        try (Stream<Path> s = Files.list(tmp.resolve("registry/heart/versions"))) {
            assertEquals(List.of("1"), s.map(p -> p.getFileName().toString()).toList(), "no version 2, no temporary directory");
        }
        assertFalse(Files.exists(tmp.resolve("registry/heart/current")));
    }

    @Test
    void listAndShowPrintVersionsMetricsAndProvenance() {
        ok("models", "register", registry(), "heart", runs.resolve("a").toString());
        ok("models", "register", registry(), "heart", runs.resolve("b").toString());
        ok("models", "promote", registry(), "heart", "2");

        assertEquals("heart  versions: 2  current: 2\n", ok("models", "list", registry()).out());
        List<String> versions = ok("models", "list", registry(), "heart").out().lines().toList();
        assertEquals(2, versions.size(), versions.toString());
        assertTrue(versions.get(0).matches("heart 1  created 20\\d\\d-.*Z  test_accuracy 0\\.\\d+  test_loss \\d\\.\\d+"),
                versions.get(0));
        assertTrue(versions.get(1).startsWith("heart 2  created ") && versions.get(1).endsWith("  (current)"), versions.get(1));

        String current = ok("models", "show", registry(), "heart").out();
        assertTrue(current.startsWith("heart version 2 (current)\npath: "), current);
        assertTrue(current.contains("provenance:\n  treegrad_version: "), current);
        assertTrue(current.contains("  experiment: heart-scale-libsvm\n"), current);
        assertTrue(current.contains("summary:\n  name: heart-scale-libsvm\n"), current);
        assertTrue(current.contains("  test_accuracy: 0."), current);
        assertTrue(ok("models", "show", registry(), "heart", "1").out().startsWith("heart version 1 (not current; current: 2)\n"));
    }
}
