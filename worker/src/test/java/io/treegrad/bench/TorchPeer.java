package io.treegrad.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The PyTorch peer of {@link EngineBenchmark}'s MLP: {@code src/test/python/bench_torch_mlp.py}
 * run by Debian's {@code /usr/bin/python3} (python3-torch; the python3 on PATH has no torch) in a
 * separate process with one thread. A JVM cannot interleave another process's repeats with its
 * own, so the benchmark runs it between its own repeats instead.
 *
 * <p>Debian's torch calls the system {@code libblas.so.3}, which may be the netlib reference BLAS
 * (an order of magnitude slower at sgemm than OpenBLAS). So each batch can also be run with the
 * OpenBLAS library ND4J itself has loaded (found in {@code /proc/self/maps}) put in front of it by
 * {@code LD_PRELOAD}: the same BLAS on both sides. The script reports its sgemm rate either way.
 */
final class TorchPeer {
    static final String PYTHON = "/usr/bin/python3";
    private static final long TIMEOUT_S = 600;

    private final Path script;
    private final String unavailable;   // why it cannot run; null when it can
    private final String openBlas;      // the OpenBLAS ND4J loaded; null where not found

    private TorchPeer(Path script, String unavailable, String openBlas) {
        this.script = script;
        this.unavailable = unavailable;
        this.openBlas = openBlas;
    }

    /** Finds the script and checks that {@code /usr/bin/python3 -c "import torch"} works. */
    static TorchPeer detect() {
        Path script = locateScript();
        String openBlas = loadedOpenBlas();
        if (script == null) {
            return new TorchPeer(null, "bench_torch_mlp.py not found (expected under worker/src/test/python)",
                    openBlas);
        }
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return new TorchPeer(script, PYTHON + " not found", openBlas);
        }
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new TorchPeer(script, PYTHON + " -c 'import torch' did not finish in 120 s", openBlas);
            }
            if (p.exitValue() != 0) {
                return new TorchPeer(script, PYTHON + " cannot import torch (Debian: apt install python3-torch)",
                        openBlas);
            }
        } catch (IOException e) {
            return new TorchPeer(script, "cannot run " + PYTHON + ": " + e.getMessage(), openBlas);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new TorchPeer(script, "interrupted", openBlas);
        }
        return new TorchPeer(script, null, openBlas);
    }

    boolean available() {
        return unavailable == null;
    }

    String whyUnavailable() {
        return unavailable;
    }

    /** The OpenBLAS shared library ND4J runs on, or null. */
    String openBlas() {
        return openBlas;
    }

    /**
     * Runs the script for one batch size; its JSON output. {@code withNd4jBlas}: preload the
     * OpenBLAS ND4J uses (requires {@link #openBlas()}).
     */
    @SuppressWarnings("unchecked")
    Map<String, Object> run(int batch, boolean quick, boolean withNd4jBlas) throws IOException, InterruptedException {
        if (!available()) {
            throw new IllegalStateException("PyTorch peer unavailable: " + unavailable);
        }
        ProcessBuilder pb = new ProcessBuilder(PYTHON, script.toString(), "--batch", Integer.toString(batch));
        if (quick) {
            pb.command().add("--quick");
        }
        Map<String, String> env = pb.environment();
        env.put("OMP_NUM_THREADS", "1");
        env.put("OPENBLAS_NUM_THREADS", "1");
        env.put("MKL_NUM_THREADS", "1");
        env.remove("LD_PRELOAD");
        if (withNd4jBlas) {
            if (openBlas == null) {
                throw new IllegalStateException("no OpenBLAS library found in this JVM's memory maps");
            }
            env.put("LD_PRELOAD", openBlas);
        }
        Path err = Files.createTempFile("bench_torch_mlp", ".stderr");
        try {
            pb.redirectError(err.toFile());
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();   // small: one JSON object
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(script + " did not finish in " + TIMEOUT_S + " s");
            }
            if (p.exitValue() != 0) {
                String e = Files.readString(err, StandardCharsets.UTF_8);
                throw new IOException(String.join(" ", pb.command()) + " exited with " + p.exitValue() + ": "
                        + e.substring(Math.max(0, e.length() - 2000)));
            }
            return new ObjectMapper().readValue(out, Map.class);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    /** The script's result for one batch (its {@code results} list has one entry per batch asked for). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> result(Map<String, Object> run) {
        return ((List<Map<String, Object>>) run.get("results")).get(0);
    }

    /** worker/src/test/python/bench_torch_mlp.py, from the working directory or from where this class was loaded. */
    private static Path locateScript() {
        String rel = "src/test/python/bench_torch_mlp.py";
        for (Path p : new Path[] {Path.of("worker", rel), Path.of(rel)}) {
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        try {
            // .../worker/target/test-classes
            Path classes = Path.of(TorchPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path p = classes.getParent().getParent().resolve(rel);
            return Files.isRegularFile(p) ? p : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** The path of the first libopenblas mapped into this process (ND4J's BLAS), or null. */
    private static String loadedOpenBlas() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.UTF_8)) {
                int slash = line.indexOf('/');
                if (slash >= 0 && line.contains("libopenblas")) {
                    String path = line.substring(slash).trim();
                    if (Files.isRegularFile(Path.of(path))) {
                        return path;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;   // not Linux
        }
        return null;
    }
}
