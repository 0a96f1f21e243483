package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long run of the CLI in its own JVM (embedded Spark: the executors run in it too) with a fixed,
 * pre-touched heap, so that its resident size is the heap plus everything off the heap: ND4J's
 * buffers, native libraries, the JVM's own native memory, thread stacks. Every ~1.5 s while it
 * trains, this test has it count its live objects after a full collection
 * ({@code jcmd GC.class_histogram}), return the C heap's free memory to the system
 * ({@code jcmd System.trim_native_heap}: glibc keeps freed chunks resident, such as the arenas of
 * the JIT compiler, which native memory tracking showed at 0.4 to 17 MB from one sample to the
 * next; memory nobody holds) and reads its resident size.
 * After warm-up neither may grow by 5% or more: a buffer or broadcast leaked per step would.
 * Sampling stops at the last step: the final evaluation, the model's writing and Spark's shutdown
 * are one-off work, not growth per step.
 */
class SoakIT {
    private static final int HEAP_MB = 768;
    private static final long STEPS = 4560;

    @TempDir
    Path tmp;

    record Sample(double liveHeapMb, double offHeapMb) {}

    @Test
    void memoryStaysFlatOverManyEpochs() throws Exception {
        Path out = tmp.resolve("soak");
        Path log = tmp.resolve("soak.log");
        String javaOpts = Files.readString(TestData.repoRoot().resolve("driver/target/launch/java-opts")).trim();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms" + HEAP_MB + "m", "-Xmx" + HEAP_MB + "m", "-XX:+AlwaysPreTouch"));
        cmd.addAll(Arrays.asList(javaOpts.split("\\s+")));
        cmd.addAll(List.of("-Dorg.nd4j.log.initialization=false",
                "-cp", System.getProperty("java.class.path"), "io.treegrad.driver.Main",
                "train", "configs/digits-logistic-regression.yaml",
                "--set", "data.train.path=" + TestData.file("digits/digits.csv.gz"),
                "--set", "data.test.path=" + TestData.file("digits/digits.csv.gz"),
                "--set", "model.layers=[{linear: 128}, relu, {linear: 10}]",
                "--set", "training.epochs=80", "--set", "output.log_every_steps=570",
                "--set", "checkpoints.every_steps=570", "--set", "output.dir=" + out));
        ProcessBuilder b = new ProcessBuilder(cmd).directory(TestData.repoRoot().toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().put("OMP_NUM_THREADS", "1");
        b.environment().put("OPENBLAS_NUM_THREADS", "1");
        Process run = b.start();

        List<Sample> samples = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        String lastStep = "step " + STEPS + "/" + STEPS;
        while (!run.waitFor(1000, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() > deadline) {
                run.destroyForcibly();
                throw new AssertionError("the soak run did not finish in 600 s:\n" + Files.readString(log));
            }
            if (Files.readString(log).contains(lastStep)) {
                continue;   // training is over: let it finish unsampled
            }
            Sample s = sample(run.pid());
            if (s != null) {
                samples.add(s);
            }
        }
        assertEquals(0, run.exitValue(), Files.readString(log));
        assertTrue(Files.readString(out.resolve("summary.json")).contains("\"steps\": " + STEPS));
        assertTrue(samples.size() >= 20, "enough samples to see a trend: " + samples.size());

        // after warm-up (the first half: JIT, ND4J's and Spark's thread pools growing to their size,
        // caches filling): the median of the next fifth of the samples against the median of the last
        // fifth. A leak per step moves every sample of the late window; the median of a window is not
        // moved by a transient spike of a few samples (a new malloc arena, a final evaluation).
        int warm = samples.size() / 2;
        int window = Math.max(5, samples.size() / 5);
        List<Sample> early = samples.subList(warm, warm + window);
        List<Sample> late = samples.subList(samples.size() - window, samples.size());
        double heapStart = median(early, Sample::liveHeapMb);
        double heapEnd = median(late, Sample::liveHeapMb);
        double offStart = median(early, Sample::offHeapMb);
        double offEnd = median(late, Sample::offHeapMb);
        String report = String.format(Locale.ROOT, "soak: %d samples over %d steps; live heap %.1f -> %.1f MB (%+.1f%%),"
                        + " off-heap resident %.1f -> %.1f MB (%+.1f%%)", samples.size(), STEPS, heapStart, heapEnd,
                100 * (heapEnd / heapStart - 1), offStart, offEnd, 100 * (offEnd / offStart - 1));
        System.out.println(report);
        System.out.println("soak: off-heap MB per sample: " + samples.stream()
                .map(m -> String.format(Locale.ROOT, "%.0f", m.offHeapMb())).toList());
        assertTrue(heapEnd < 1.05 * heapStart, report);
        assertTrue(offEnd < 1.05 * offStart, report);
    }

    private static final Pattern USED = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");

    /** Full collection in process {@code pid}, a pause for ND4J's deallocator threads, then its numbers. */
    private static Sample sample(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        // the class histogram runs a full collection and counts what survived it, in one safepoint
        String heap = run(jcmd, String.valueOf(pid), "GC.class_histogram");
        Thread.sleep(500);
        String trimmed = run(jcmd, String.valueOf(pid), "System.trim_native_heap");
        if (trimmed == null || !trimmed.contains("Trim native heap")) {
            if (!Files.exists(Path.of("/proc", String.valueOf(pid)))) {
                return null;   // it just finished
            }
            throw new AssertionError("jcmd System.trim_native_heap did not work (it needs JDK 17.0.9 or later): " + trimmed);
        }
        Path status = Path.of("/proc", String.valueOf(pid), "status");
        if (heap == null || !Files.exists(status)) {
            return null;
        }
        Matcher used = USED.matcher(heap);
        Matcher rss = RSS.matcher(Files.readString(status));
        if (!used.find() || !rss.find()) {
            return null;
        }
        return new Sample(Long.parseLong(used.group(1)) / 1048576.0, Long.parseLong(rss.group(1)) / 1024.0 - HEAP_MB);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? text : null;
    }

    private static double median(List<Sample> s, ToDoubleFunction<Sample> f) {
        double[] v = s.stream().mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }
}
