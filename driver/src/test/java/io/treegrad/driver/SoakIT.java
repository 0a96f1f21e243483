package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.run.MemoryUse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long run in embedded Spark (executors in this JVM) while this thread samples the live heap
 * (after a full collection) and the resident set size, which counts ND4J's off-heap buffers. After
 * warm-up, neither may grow by 5% or more: a leak of a buffer or a broadcast per step would.
 */
class SoakIT {
    @TempDir
    Path tmp;

    @Test
    void memoryStaysFlatOverManyEpochs() throws Exception {
        Path out = tmp.resolve("soak");
        String[] args = {"train", "configs/digits-logistic-regression.yaml",
                "--set", "data.train.path=" + TestData.file("digits/digits.csv.gz"),
                "--set", "data.test.path=" + TestData.file("digits/digits.csv.gz"),
                "--set", "model.layers=[{linear: 128}, relu, {linear: 10}]",
                "--set", "training.epochs=80", "--set", "output.log_every_steps=57",
                "--set", "checkpoints.every_steps=114", "--set", "output.dir=" + out};
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.run(args,
                new PrintStream(console, true, StandardCharsets.UTF_8), System.err));

        List<MemoryUse> samples = new ArrayList<>();
        while (!run.isDone()) {
            Thread.sleep(1000);
            System.gc();
            Thread.sleep(500);   // ND4J frees native buffers on its deallocator threads, after the collection
            samples.add(MemoryUse.now());
        }
        assertEquals(0, run.get(10, TimeUnit.SECONDS), console.toString(StandardCharsets.UTF_8));
        assertTrue(Files.readString(out.resolve("summary.json")).contains("\"steps\": 4560"));
        assertTrue(samples.size() >= 15, "enough samples to see a trend: " + samples.size());

        // after warm-up (the first half: JIT, ND4J's and Spark's thread pools growing to their size,
        // caches filling), the median of five samples then against the median of the last five
        int warm = samples.size() / 2;
        List<MemoryUse> early = samples.subList(warm, warm + 5);
        List<MemoryUse> late = samples.subList(samples.size() - 5, samples.size());
        double heapStart = median(early, MemoryUse::heapAfterGcMb);
        double heapEnd = median(late, MemoryUse::heapAfterGcMb);
        double offStart = median(early, MemoryUse::offHeapMb);
        double offEnd = median(late, MemoryUse::offHeapMb);
        String report = String.format(Locale.ROOT, "soak: %d samples over 4560 steps; live heap %.1f -> %.1f MB (%+.1f%%),"
                        + " off-heap resident %.1f -> %.1f MB (%+.1f%%); RSS at the end %.0f MB", samples.size(),
                heapStart, heapEnd, 100 * (heapEnd / heapStart - 1), offStart, offEnd, 100 * (offEnd / offStart - 1),
                samples.get(samples.size() - 1).rssMb());
        System.out.println(report);
        System.out.println("soak: off-heap resident MB per sample: " + samples.stream()
                .map(m -> String.format(Locale.ROOT, "%.0f", m.offHeapMb())).toList());
        assertTrue(heapEnd < 1.05 * heapStart, report);
        assertTrue(offEnd < 1.05 * offStart, report);
    }

    private static double median(List<MemoryUse> s, java.util.function.ToDoubleFunction<MemoryUse> f) {
        double[] v = s.stream().mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }
}
