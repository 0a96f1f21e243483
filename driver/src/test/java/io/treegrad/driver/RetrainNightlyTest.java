package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.CliEndToEndTest.Run;
import io.treegrad.driver.store.ModelRegistry;
import io.treegrad.driver.store.ModelStore;
import io.treegrad.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scheduled retraining as cron runs it: {@code jobs/retrain-nightly configs/digits-retrain.yaml DATE}
 * in a child process with cron's minimal environment, from a folder where
 * {@code jobs/retrain-demo-data} laid out three days of sklearn's digits and a holdout. The child
 * runs this test's classpath ({@code TREEGRAD_CLASSPATH}) instead of building one; everything else is
 * the crontab line's path: the wrapper, its lock and log, {@code jobs/retrain}, {@code Main retrain}.
 * Then the CLI's errors for bad input, in this JVM.
 */
class RetrainNightlyTest {
    static final String NAME = "digits-retrain";
    static final List<String> DAYS = List.of("2026-11-01", "2026-11-02", "2026-11-03");

    @TempDir
    static Path site;
    static Path registry;
    /** The exit code of each nightly run, in order: the three days, then day 2 again. */
    static final List<Integer> codes = new ArrayList<>();
    /** What current named after each run, in the same order. */
    static final List<Optional<Integer>> currents = new ArrayList<>();
    static int versionsAfterThreeDays;
    static int versionsAfterRerun;

    @BeforeAll
    static void threeNightsAndARerun() throws Exception {
        assertEquals(0, shell(List.of(repo("jobs/retrain-demo-data")), Map.of()).code(), "demo data");
        registry = site.resolve("runs/retrain-demo/registry");
        for (String day : DAYS) {
            long started = System.nanoTime();
            codes.add(nightly(day, Map.of()).code());
            System.out.printf("retrain-nightly %s: exit %d in %.1f s%n", day, codes.get(codes.size() - 1),
                    (System.nanoTime() - started) / 1e9);
            currents.add(registry().current(NAME));
            System.out.println("outcome " + day + ": " + outcome(day));
        }
        versionsAfterThreeDays = registry().versions(NAME).size();
        long started = System.nanoTime();
        codes.add(nightly(DAYS.get(1), Map.of()).code());
        System.out.printf("retrain-nightly %s again: exit %d in %.1f s%n", DAYS.get(1), codes.get(3),
                (System.nanoTime() - started) / 1e9);
        currents.add(registry().current(NAME));
        versionsAfterRerun = registry().versions(NAME).size();
    }

    static String repo(String relative) {
        return TestData.repoRoot().resolve(relative).toString();
    }

    /** The crontab line's command, in cron's environment plus {@code extra}. */
    static Run nightly(String day, Map<String, String> extra) throws Exception {
        return shell(List.of(repo("jobs/retrain-nightly"), repo("configs/digits-retrain.yaml"), day), extra);
    }

    /** {@code command} in {@link #site}, with only what cron sets (PATH=/usr/bin:/bin, HOME, SHELL, LOGNAME). */
    static Run shell(List<String> command, Map<String, String> extra) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(site.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", System.getProperty("user.home"));
        env.put("SHELL", "/bin/sh");
        env.put("LOGNAME", System.getProperty("user.name"));
        // stands in for the build jobs/retrain would otherwise run: this test's own classes
        env.put("TREEGRAD_CLASSPATH", System.getProperty("java.class.path"));
        env.put("TREEGRAD_JAVACPP_CACHE", System.getProperty("org.bytedeco.javacpp.cachedir",
                System.getProperty("user.home") + "/.javacpp/cache"));
        env.put("TREEGRAD_DRIVER_MEMORY", "2g");
        env.put("TREEGRAD_LOG_DIR", site.resolve("runs/logs").toString());   // as a crontab would set them
        env.put("TREEGRAD_LOCK_DIR", site.resolve("runs/locks").toString());
        if (System.getenv("TREEGRAD_DATA") != null) {
            env.put("TREEGRAD_DATA", System.getenv("TREEGRAD_DATA"));
        }
        env.putAll(extra);
        Path out = Files.createTempFile(site, "out", ".txt");
        Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in 5 minutes");
        }
        String text = Files.readString(out);
        System.out.print(text);
        return new Run(p.exitValue(), text, "");
    }

    static ModelRegistry registry() throws IOException {
        return new ModelRegistry(FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(registry.toString()));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> outcome(String day) throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(registry.resolve(NAME + "/retrain/" + day + ".json")).strip());
    }

    static String log(String day) throws IOException {
        return Files.readString(site.resolve("runs/logs/retrain-" + NAME + "-" + day + ".log"), StandardCharsets.UTF_8);
    }

    @Test
    void eachNightAddsOneVersionAndPromotesItOnlyWhenTheHoldoutAccuracyImproves() throws IOException {
        assertEquals(3, versionsAfterThreeDays);
        Optional<Integer> expectedCurrent = Optional.empty();
        for (int i = 0; i < DAYS.size(); i++) {
            Map<String, Object> o = outcome(DAYS.get(i));
            assertEquals((long) (i + 1), o.get("version"), DAYS.get(i));
            boolean promote;
            if (i == 0) {
                assertEquals(null, o.get("champion"), "day 1 is a cold start");
                promote = true;
            } else {
                double champion = ((Number) o.get("champion")).doubleValue();
                double challenger = ((Number) o.get("challenger")).doubleValue();
                assertEquals(expectedCurrent.get().longValue(), o.get("parent_version"), "compared with the champion");
                promote = challenger - champion >= 0.005 - 1e-6 && challenger > champion;   // the config's margin
            }
            assertEquals(promote ? "promoted" : "kept", o.get("decision"), DAYS.get(i) + ": " + o);
            assertEquals(promote ? 0 : 10, codes.get(i), DAYS.get(i) + ": the exit code tells cron the decision");
            if (promote) {
                expectedCurrent = Optional.of(i + 1);
            }
            assertEquals(expectedCurrent, currents.get(i), DAYS.get(i));
            assertTrue(log(DAYS.get(i)).contains("exit " + codes.get(i)), log(DAYS.get(i)));
        }
    }

    @Test
    void currentAlwaysNamesAVersionThatLoads() throws IOException {
        ModelRegistry r = registry();
        for (Optional<Integer> c : currents) {
            assertTrue(c.isPresent());
            ModelRegistry.Version v = r.version(NAME, c.get());
            assertEquals(64, new ModelStore(FileSystem.getLocal(new Configuration()), v.dir()).load().spec().inputs());
        }
    }

    @Test
    void rerunningDayTwoAddsNoVersionAndExitsAsBefore() throws IOException {
        assertEquals(versionsAfterThreeDays, versionsAfterRerun);
        assertEquals(codes.get(1), codes.get(3));
        assertEquals(currents.get(2), currents.get(3), "the rerun changes nothing");
        assertTrue(log(DAYS.get(1)).contains("was done before"), log(DAYS.get(1)));
    }

    @Test
    void aSecondRunWaitsForTheLockAndGivesUpWith75() throws Exception {
        Path lock = site.resolve("runs/locks/retrain-" + NAME + ".lock");
        Files.createDirectories(lock.getParent());
        Process holder = new ProcessBuilder("flock", lock.toString(), "sh", "-c", "echo held; exec sleep 30").start();
        try {
            String held = new java.io.BufferedReader(new java.io.InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
            assertEquals("held", held, "the holder took the lock");
            Run r = nightly(DAYS.get(0), Map.of("TREEGRAD_LOCK_WAIT", "1"));
            assertEquals(75, r.code(), r.out());
            assertTrue(r.out().contains("another retrain of " + NAME + " held"), r.out());
        } finally {
            holder.destroy();
            holder.waitFor();
        }
    }

    /** Paths of the site, absolute, for runs of the CLI in this JVM (whose working directory is the repo). */
    static List<String> args(String... more) {
        Path demo = site.resolve("runs/retrain-demo");
        List<String> a = new ArrayList<>(List.of("retrain", repo("configs/digits-retrain.yaml"),
                "--set", "data.train.path=" + demo + "/events/date={date}/digits.csv",
                "--set", "data.test.path=" + demo.resolve("holdout.csv"),
                "--set", "output.dir=" + demo + "/runs/{date}",
                "--set", "retrain.registry=" + registry));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void aChallengerShortOfTheMarginKeepsTheChampionAndExits10() throws IOException {
        Path kept = TestData.copyTree(registry, site.resolve("registry-kept"));
        Path day = site.resolve("runs/retrain-demo/events/date=2026-11-05");
        Files.createDirectories(day);
        Files.copy(site.resolve("runs/retrain-demo/events/date=2026-11-01/digits.csv"), day.resolve("digits.csv"));
        List<String> a = args("--date", "2026-11-05", "--set", "retrain.min_improvement=0.5");
        a.set(a.indexOf("retrain.registry=" + registry), "retrain.registry=" + kept);
        Run r = CliEndToEndTest.run(a.toArray(String[]::new));
        assertEquals(10, r.code(), r.err());   // no model gains 50 points of accuracy over a champion above 50%
        ModelRegistry k = new ModelRegistry(FileSystem.getLocal(new Configuration()),
                new org.apache.hadoop.fs.Path(kept.toString()));
        assertEquals(versionsAfterRerun + 1, k.versions(NAME).size(), "the challenger is registered");
        assertEquals(currents.get(3), k.current(NAME), "but not promoted");
        assertEquals("kept", k.version(NAME, versionsAfterRerun + 1).summary().get("retrain_decision"));

        a.addAll(List.of("--kept-exit", "0"));
        Run again = CliEndToEndTest.run(a.toArray(String[]::new));
        assertEquals(0, again.code(), "--kept-exit 0, for schedulers that fail on any non-zero code: " + again.err());
        assertEquals(versionsAfterRerun + 1, k.versions(NAME).size());
    }

    @Test
    void aBadDateIsBadInput() {
        for (String bad : new String[] {"2026-13-01", "2026-02-30", "20261101", "yesterday"}) {
            Run r = CliEndToEndTest.run(args("--date", bad).toArray(String[]::new));
            assertEquals(2, r.code(), bad);
            assertTrue(r.err().contains("--date"), r.err());
            assertTrue(r.err().contains(bad), r.err());
        }
    }

    @Test
    void aMissingPartitionIsBadInputNamingThePath() throws IOException {
        Run r = CliEndToEndTest.run(args("--date", "2026-10-31").toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no data partition at " + site.resolve("runs/retrain-demo/events/date=2026-10-31/digits.csv")),
                r.err());
        assertFalse(Files.exists(registry.resolve(NAME + "/retrain/2026-10-31.json")));
    }

    @Test
    void aChampionOfAnotherShapeIsBadInputNamingBothShapes() throws IOException {
        Path day4 = site.resolve("runs/retrain-demo/events/date=2026-11-04");
        Files.createDirectories(day4);
        Files.copy(site.resolve("runs/retrain-demo/events/date=2026-11-03/digits.csv"), day4.resolve("digits.csv"));
        Run r = CliEndToEndTest.run(args("--date", "2026-11-04",
                "--set", "model.layers=[{linear: 16}, relu, {linear: 10}]").toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("this config's model (inputs 64, layers [linear 16, relu, linear 10])"), r.err());
        assertTrue(r.err().contains("a model of another shape (inputs 64, layers [linear 10])"), r.err());
        assertTrue(r.err().contains("versions/" + currents.get(3).get() + "/model.safetensors"), "names the file: " + r.err());
        assertEquals(versionsAfterRerun, registry().versions(NAME).size(), "no version added");
        assertEquals(currents.get(3), registry().current(NAME), "current unchanged");
        assertFalse(Files.exists(registry.resolve(NAME + "/retrain/2026-11-04.json")));
    }

    @Test
    void retrainConfigErrorsNameFileLineAndKey() throws IOException {
        String shipped = Files.readString(Path.of(repo("configs/digits-retrain.yaml")));
        String broken = shipped.replace("metric: accuracy ", "metric: acuracy ")
                .replace("min_improvement: 0.005", "min_improvment: 0.005")
                .replace("optimizer_state: carried", "optimizer_state: carried\n  epochs: 0");
        Path file = site.resolve("broken-retrain.yaml");
        Files.writeString(file, broken);
        List<String> a = args("--date", DAYS.get(0));
        a.set(1, file.toString());
        Run r = CliEndToEndTest.run(a.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        int line = lineOf(broken, "metric: acuracy");
        assertTrue(r.err().contains(file + " line " + line + ": retrain.metric: must be one of [accuracy, loss, rmse],"
                + " got 'acuracy'; did you mean accuracy?"), r.err());
        assertTrue(r.err().contains(file + " line " + lineOf(broken, "min_improvment")
                + ": retrain.min_improvment: unknown key; did you mean min_improvement?"), r.err());
        assertTrue(r.err().contains("line " + lineOf(broken, "epochs: 0") + ": retrain.epochs: must be >= 1, got 0"), r.err());

        Run none = CliEndToEndTest.run("retrain", repo("configs/digits-logistic-regression.yaml"), "--date", DAYS.get(0));
        assertEquals(2, none.code());
        assertTrue(none.err().contains("retrain: missing"), none.err());
    }

    private static int lineOf(String text, String needle) {
        return text.substring(0, text.indexOf(needle)).split("\n", -1).length;
    }
}
