package io.treegrad.driver.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.TestData;
import io.treegrad.driver.config.ConfigLoader;
import io.treegrad.driver.config.ExperimentConfig;
import io.treegrad.driver.store.ModelRegistry;
import io.treegrad.io.Checkpoint;
import io.treegrad.io.ModelFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RetrainJob} in embedded Spark on real data: sklearn's digits laid out as a nightly feed by
 * {@code jobs/retrain-demo-data}, the shipped {@code configs/digits-retrain.yaml} pointed at it.
 * Day 1 (a cold start) is trained once into a snapshot registry; each test retrains day 2 on its
 * own copy of that snapshot.
 */
class RetrainJobTest {
    static final LocalDate DAY1 = LocalDate.parse("2026-11-01");
    static final LocalDate DAY2 = LocalDate.parse("2026-11-02");
    /** Steps of one epoch over a day: 400 rows, global batch 16 x 2 partitions. */
    static final long STEPS_PER_DAY = 13;

    @TempDir
    static Path feed;
    static Path snapshot;
    static RetrainJob.Result day1;

    @TempDir
    Path tmp;

    @BeforeAll
    static void coldStartDayOne() throws Exception {
        layOutFeed(feed);
        snapshot = feed.resolve("registry");
        day1 = new RetrainJob(config(feed, snapshot, "fresh"), "digits-retrain.yaml", System.out).run(DAY1);
    }

    /** The demo feed: holdout.csv and events/date=2026-11-0{1,2,3}/digits.csv. */
    static void layOutFeed(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(TestData.repoRoot().resolve("jobs/retrain-demo-data").toString(), dir.toString(),
                DAY1.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "jobs/retrain-demo-data");
    }

    /** configs/digits-retrain.yaml on the feed in {@code dir}, one epoch a day, logging every step. */
    static ExperimentConfig config(Path dir, Path registry, String optimizerState, String... more) {
        List<String> sets = new ArrayList<>(List.of(
                "data.train.path=" + dir + "/events/date={date}/digits.csv",
                "data.test.path=" + dir.resolve("holdout.csv"),
                "output.dir=" + registry.getParent().resolve("runs-" + registry.getFileName()) + "/{date}",
                "output.log_every_steps=1",
                "retrain.registry=" + registry,
                "retrain.epochs=1",
                "retrain.optimizer_state=" + optimizerState));
        sets.addAll(List.of(more));
        return ConfigLoader.load(TestData.repoRoot().resolve("configs/digits-retrain.yaml"), sets);
    }

    private Path copyOfSnapshot(String name) throws IOException {
        return TestData.copyTree(snapshot, tmp.resolve(name));
    }

    private static ModelRegistry registry(Path root) throws IOException {
        return new ModelRegistry(FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(root.toString()));
    }

    private static Checkpoint optimizerOf(ModelRegistry.Version v) throws IOException {
        return Checkpoint.read(Path.of(v.dir().toUri()).resolve(RetrainJob.OPTIMIZER_FILE));
    }

    /** The train_loss of the first metrics line (step 1) of a run directory. */
    private static double firstLoss(String runDir) throws IOException {
        String first = Files.readAllLines(Path.of(runDir).resolve("metrics.jsonl")).get(0);
        return Double.parseDouble(first.replaceAll(".*\"train_loss\": ([0-9.eE+-]+).*", "$1"));
    }

    @Test
    void theMarginIsInTheMetricsDirection() {
        assertTrue(RetrainJob.improves(true, 0.80, 0.81, 0.005), "accuracy up by more than the margin");
        assertFalse(RetrainJob.improves(true, 0.80, 0.804, 0.005), "accuracy up, but by less than the margin");
        assertFalse(RetrainJob.improves(true, 0.80, 0.79, 0.0), "accuracy down");
        assertFalse(RetrainJob.improves(true, 0.80, 0.80, 0.0), "a tie keeps the champion");
        assertTrue(RetrainJob.improves(true, 400 / 497.0, 405 / 497.0, 5 / 497.0), "exactly the margin, in k/N units");
        assertTrue(RetrainJob.improves(false, 0.50, 0.40, 0.05), "loss down by more than the margin");
        assertFalse(RetrainJob.improves(false, 0.50, 0.46, 0.05), "loss down by less than the margin");
        assertFalse(RetrainJob.improves(false, 0.50, 0.60, 0.0), "loss up");
        assertFalse(RetrainJob.improves(true, 0.80, Double.NaN, 0.0), "a NaN metric never wins");
    }

    @Test
    void dayOneIsAColdStartThatIsPromoted() throws IOException {
        assertEquals(RetrainJob.PROMOTED, day1.decision());
        assertEquals(1, day1.version());
        assertEquals(null, day1.parent());
        ModelRegistry r = registry(snapshot);
        assertEquals(Optional.of(1), r.current("digits-retrain"));
        ModelRegistry.Version v1 = r.version("digits-retrain", 1);
        assertEquals(STEPS_PER_DAY, optimizerOf(v1).optimizer().step());
        assertEquals(DAY1.toString(), v1.provenance().get("retrain_date"));
        assertEquals("none", v1.provenance().get("parent_version"));
        assertEquals("fresh (cold start)", v1.provenance().get("optimizer_state"));
        assertEquals(RetrainJob.PROMOTED, v1.summary().get("retrain_decision"));
        assertTrue(day1.challenger() > 0.5, "holdout accuracy of one epoch on 400 digits: " + day1.challenger());
    }

    @Test
    void carriedStateContinuesTheChampionsOptimizerAndFreshStartsANewOne() throws IOException {
        Path carriedRoot = copyOfSnapshot("carried");
        RetrainJob.Result carried = new RetrainJob(config(feed, carriedRoot, "carried"), "x.yaml", System.out).run(DAY2);
        Path freshRoot = copyOfSnapshot("fresh");
        RetrainJob.Result fresh = new RetrainJob(config(feed, freshRoot, "fresh"), "x.yaml", System.out).run(DAY2);

        for (RetrainJob.Result r : List.of(carried, fresh)) {
            assertEquals(2, r.version());
            assertEquals(1, r.parent());
            // the same champion on the same holdout scores what it scored when it was the challenger
            assertEquals(day1.challenger(), r.champion(), 1e-12);
            // warm: the first step of day 2 starts from the champion, far below day 1's zero-initialised start
            assertTrue(firstLoss(r.runDir()) < 0.6 * firstLoss(day1.runDir()),
                    firstLoss(r.runDir()) + " vs cold " + firstLoss(day1.runDir()));
        }
        ModelRegistry.Version c = registry(carriedRoot).version("digits-retrain", 2);
        ModelRegistry.Version f = registry(freshRoot).version("digits-retrain", 2);
        assertEquals(2 * STEPS_PER_DAY, optimizerOf(c).optimizer().step(), "Adam's step count goes on from day 1");
        assertEquals(STEPS_PER_DAY, optimizerOf(f).optimizer().step(), "a fresh Adam counts from 0");
        assertEquals("carried", c.provenance().get("optimizer_state"));
        assertEquals("fresh", f.provenance().get("optimizer_state"));
        assertEquals("1", c.provenance().get("parent_version"));
        assertEquals(DAY2.toString(), c.provenance().get("retrain_date"));
        // both metrics and the decision travel with the version (summary.json has 6 significant digits)
        assertEquals(carried.decision(), c.summary().get("retrain_decision"));
        assertEquals(carried.challenger(), ((Number) c.summary().get("retrain_challenger")).doubleValue(), 1e-6);
        assertEquals(day1.challenger(), ((Number) c.summary().get("retrain_champion")).doubleValue(), 1e-6);
        assertEquals(carried.promoted() ? Optional.of(2) : Optional.of(1), registry(carriedRoot).current("digits-retrain"));
    }

    @Test
    void aChampionWithoutOptimizerStateIsSaidAndTrainsWithAFreshOne() throws IOException {
        Path root = copyOfSnapshot("stateless");
        Files.delete(root.resolve("digits-retrain/versions/1/" + RetrainJob.OPTIMIZER_FILE));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        new RetrainJob(config(feed, root, "carried"), "x.yaml", new PrintStream(console, true, StandardCharsets.UTF_8))
                .run(DAY2);
        String said = console.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("champion digits-retrain version 1 has no optimizer state"), said);
        ModelRegistry.Version v = registry(root).version("digits-retrain", 2);
        assertEquals("fresh (champion has none)", v.provenance().get("optimizer_state"));
        assertEquals(STEPS_PER_DAY, optimizerOf(v).optimizer().step());
    }

    @Test
    void aCrashBeforePromoteLeavesCurrentOnTheChampionAndTheRerunFinishesWithoutTraining() throws IOException {
        Path root = copyOfSnapshot("crash");
        ExperimentConfig cfg = config(feed, root, "fresh", "retrain.min_improvement=0.0");
        RetrainJob job = new RetrainJob(cfg, "x.yaml", System.out);
        job.beforePromote = () -> {
            throw new IllegalStateException("simulated crash between register and promote");
        };
        assertThrows(IllegalStateException.class, () -> job.run(DAY2));
        ModelRegistry r = registry(root);
        assertEquals(Optional.of(1), r.current("digits-retrain"), "current still names the champion");
        ModelFile champion = new io.treegrad.driver.store.ModelStore(FileSystem.getLocal(new Configuration()),
                r.version("digits-retrain", 1).dir()).load();
        assertEquals(64, champion.spec().inputs(), "and the champion loads");
        assertEquals(List.of(1, 2), r.versions("digits-retrain").stream().map(ModelRegistry.Version::number).toList());
        assertFalse(Files.exists(root.resolve("digits-retrain/retrain/" + DAY2 + ".json")), "no outcome recorded");

        Path metrics = Path.of(cfg.output().dir().replace("{date}", DAY2.toString())).resolve("metrics.jsonl");
        long trainedAt = Files.getLastModifiedTime(metrics).toMillis();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        RetrainJob.Result again = new RetrainJob(cfg, "x.yaml", new PrintStream(console, true, StandardCharsets.UTF_8))
                .run(DAY2);
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("finishing an interrupted run"), console.toString());
        assertEquals(trainedAt, Files.getLastModifiedTime(metrics).toMillis(), "not trained again");
        assertEquals(2, again.version());
        assertEquals(List.of(1, 2), r.versions("digits-retrain").stream().map(ModelRegistry.Version::number).toList());
        String recorded = (String) r.version("digits-retrain", 2).summary().get("retrain_decision");
        assertEquals(recorded, again.decision());
        assertEquals(again.promoted() ? Optional.of(2) : Optional.of(1), r.current("digits-retrain"));
        assertTrue(Files.exists(root.resolve("digits-retrain/retrain/" + DAY2 + ".json")), "outcome recorded now");
    }
}
