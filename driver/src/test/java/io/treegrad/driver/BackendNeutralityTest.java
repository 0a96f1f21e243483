package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The same sources run on ND4J's CPU and CUDA backends (mvn -Pcuda), so nothing may assume one of
 * them: what only the CPU backend allows (a host pointer into an array's memory, its OpenBLAS, libnd4j's kernels called directly) and what picks a
 * GPU each live in one file, where the other backend is handled too; neither backend's own classes
 * are named anywhere. (JavaCPP itself, e.g. its memory counters, serves both backends.)
 */
class BackendNeutralityTest {
    /** Backend-specific code, and the one file allowed to hold it. */
    private static final Map<String, String> ALLOWED_IN = Map.of(
            "addressPointer", "worker/src/main/java/io/treegrad/util/HostCopy.java",
            "org.bytedeco.openblas", "worker/src/main/java/io/treegrad/util/HostBlas.java",
            "org.nd4j.linalg.cpu", "worker/src/main/java/io/treegrad/util/HostOps.java",
            "org.nd4j.linalg.jcublas", "none",
            "org.nd4j.nativeblas", "worker/src/main/java/io/treegrad/util/HostOps.java",
            "org.nd4j.jita", "none",
            "getAffinityManager", "driver/src/main/java/io/treegrad/driver/spark/TaskDevice.java");

    @Test
    void backendSpecificCodeStaysInItsOneFile() throws IOException {
        Map<String, List<String>> found = new TreeMap<>();
        List<Path> sources;
        try (Stream<Path> worker = Files.walk(Path.of("worker/src/main/java"));
             Stream<Path> driver = Files.walk(Path.of("driver/src/main/java"))) {
            sources = Stream.concat(worker, driver).filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(sources.size() > 50, "run from the repository root: " + sources.size() + " sources");
        for (String pattern : ALLOWED_IN.keySet()) {
            found.put(pattern, sources.stream().filter(p -> read(p).contains(pattern))
                    .map(p -> p.toString().replace('\\', '/')).filter(p -> !p.equals(ALLOWED_IN.get(pattern)))
                    .toList());
        }
        found.forEach((pattern, files) -> assertEquals(List.of(), files,
                pattern + " belongs in " + ALLOWED_IN.get(pattern) + " only"));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
