package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.treegrad.io.ModelFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real standalone cluster on 127.0.0.1 (a Master and two Worker JVMs started by
 * {@code jobs/cluster}), jobs submitted through {@code jobs/submit} with the packaged application
 * jar, exactly as a user runs them. Every run must end with the parameters of the same config
 * trained in local mode, bit for bit: on a healthy cluster, with an executor killed mid-run, and
 * with the driver killed mid-run and the run resumed from its last checkpoint.
 */
class LoopbackClusterIT {
    private static final long RUN_TIMEOUT_S = 300;

    @TempDir
    static Path tmp;
    private static Path clusterDir;
    private static float[] localParams;

    /** A short run of the digits config: 4 epochs of 57 steps, progress every 10, checkpoints every 20. */
    private static List<String> trainArgs(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "configs/digits-logistic-regression.yaml",
                "--set", "data.train.path=" + TestData.file("digits/digits.csv.gz"),
                "--set", "data.test.path=" + TestData.file("digits/digits.csv.gz"),
                "--set", "training.epochs=4", "--set", "output.log_every_steps=10",
                "--set", "checkpoints.every_steps=20", "--set", "output.dir=" + out));
        a.addAll(List.of(more));
        return a;
    }

    @BeforeAll
    static void startClusterAndTrainLocally() throws Exception {
        clusterDir = tmp.resolve("cluster");
        int port = freePortPair();
        Process start = script(tmp.resolve("start.log"), "jobs/cluster", "start", "--workers", "2", "--port",
                String.valueOf(port));
        assertEquals(0, finish(start, tmp.resolve("start.log"), 180), log(tmp.resolve("start.log")));

        // the reference: the same config in embedded local mode, in this JVM
        Path out = tmp.resolve("local");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int code = Main.run(trainArgs(out).toArray(String[]::new),
                new PrintStream(console, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, code, console.toString(StandardCharsets.UTF_8));
        localParams = params(out);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (clusterDir != null) {
            finish(script(tmp.resolve("stop.log"), "jobs/cluster", "stop"), tmp.resolve("stop.log"), 60);
            assertTrue(executorPids().isEmpty(), "stop leaves no executor behind: " + executorPids());
        }
    }

    @Test
    void aRunOnTheClusterEqualsTheLocalRun() throws Exception {
        Path out = tmp.resolve("cluster-run");
        Path log = tmp.resolve("cluster-run.log");
        Process p = submit(log, trainArgs(out));
        assertEquals(0, finish(p, log, RUN_TIMEOUT_S), log(log));
        assertTrue(log(log).contains("step 228/228"), log(log));
        assertArrayEquals(localParams, params(out), "cluster and local mode train the same parameters");
    }

    /**
     * With the parameters inside the tasks (spark.treegrad.paramsInTasks) instead of broadcast, and an
     * executor killed mid-run: the retried tasks carry the same step's parameters, the run ends with
     * the local run's parameters.
     */
    @Test
    void parametersInsideTheTasksWithAnExecutorKilledMidRunChangeNothing() throws Exception {
        killAnExecutorMidRun("params-in-tasks", "spark.treegrad.paramsInTasks=true");
    }

    /**
     * With the gang transport (spark.treegrad.transport=gang: one barrier job of long-lived tasks that
     * exchange parameters and gradients with the driver over TCP) and an executor killed mid-run: the
     * driver restarts the gang, which recomputes the interrupted step, and the run ends with the local
     * run's parameters.
     */
    @Test
    void theGangTransportWithAnExecutorKilledMidRunChangesNothing() throws Exception {
        String log = killAnExecutorMidRun("gang", "spark.treegrad.transport=gang");
        assertTrue(log.contains("gang tasks lost"), "the driver saw the lost task and restarted the gang: " + log);
    }

    /**
     * Submits the digits run with {@code conf}, SIGKILLs an executor at step 60 and checks that the
     * run finishes with the local run's parameters; returns the run's log.
     */
    private static String killAnExecutorMidRun(String name, String conf) throws Exception {
        Path out = tmp.resolve(name);
        Path log = tmp.resolve(name + ".log");
        List<String> args = new ArrayList<>(List.of("--conf", conf));
        args.addAll(trainArgs(out));
        Process p = submit(log, args);
        awaitLine(p, log, "step 60/228");
        List<ProcessHandle> executors = currentExecutors();
        assertTrue(!executors.isEmpty(), "executors running: " + executors);
        executors.get(0).destroyForcibly();   // SIGKILL
        assertEquals(0, finish(p, log, RUN_TIMEOUT_S), log(log));
        assertTrue(log(log).contains("step 228/228"), log(log));
        assertArrayEquals(localParams, params(out), conf + ", retried after a lost executor = local run");
        return log(log);
    }

    @Test
    void killingAnExecutorMidRunChangesNothing() throws Exception {
        Path out = tmp.resolve("executor-killed");
        Path log = tmp.resolve("executor-killed.log");
        Process p = submit(log, trainArgs(out));
        awaitLine(p, log, "step 60/228");
        List<ProcessHandle> executors = currentExecutors();
        assertEquals(2, executors.size(), "one executor per worker: " + executors);
        executors.get(0).destroyForcibly();   // SIGKILL
        long killed = executors.get(0).pid();
        assertEquals(0, finish(p, log, RUN_TIMEOUT_S), log(log));
        assertTrue(executorPids().stream().noneMatch(h -> h.pid() == killed));
        assertTrue(executorFolders() >= 3, "the worker launched a replacement executor");
        assertArrayEquals(localParams, params(out), "the retried tasks recomputed exactly the lost partial sums");
    }

    @Test
    void killingTheDriverMidRunThenResumingEndsWithTheSameParameters() throws Exception {
        Path out = tmp.resolve("driver-killed");
        Path log = tmp.resolve("driver-killed.log");
        Process p = submit(log, trainArgs(out));
        awaitLine(p, log, "step 110/228");   // checkpoints at 20, 40, ..., 100 exist
        p.toHandle().destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.exists(out.resolve("checkpoints/LATEST")), "a checkpoint was written before the kill");
        assertTrue(Files.notExists(out.resolve("model")), "the killed run wrote no model");

        Path resumedLog = tmp.resolve("driver-resumed.log");
        Process resumed = submit(resumedLog, trainArgs(out, "--resume"));
        assertEquals(0, finish(resumed, resumedLog, RUN_TIMEOUT_S), log(resumedLog));
        assertTrue(log(resumedLog).contains("resuming from step "), log(resumedLog));
        assertArrayEquals(localParams, params(out), "resumed on the cluster = uninterrupted in local mode");
    }

    /** With each step transport: a step job's tasks (broadcast), or the gang's long-lived tasks, stuck. */
    @ParameterizedTest
    @ValueSource(strings = {"broadcast", "gang"})
    void aStuckExecutorFailsTheRunLoudlyWithinTheJobTimeout(String transport) throws Exception {
        Path out = tmp.resolve("stuck-" + transport);
        Path log = tmp.resolve("stuck-" + transport + ".log");
        List<String> args = new ArrayList<>(List.of("--conf", "spark.treegrad.transport=" + transport));
        args.addAll(trainArgs(out, "--set", "training.job_timeout_seconds=15"));
        Process p = submit(log, args);
        awaitLine(p, log, "step 50/228");
        ProcessHandle executor = currentExecutors().get(0);
        signal("STOP", executor.pid());   // alive but unresponsive: the worst kind of stuck
        try {
            long started = System.nanoTime();
            int code = finish(p, log, 120);
            double seconds = (System.nanoTime() - started) / 1e9;
            String text = log(log);
            assertEquals(1, code, text);
            assertTrue(text.contains("did not finish within 15 s (training.job_timeout_seconds)"), text);
            assertTrue(seconds < 90, "failed within the limit plus shutdown, not after Spark's 120 s network timeout: "
                    + seconds + " s");
            assertTrue(Files.exists(out.resolve("checkpoints/LATEST")), "the last checkpoint is kept");
            assertTrue(Files.notExists(out.resolve("model")), "no model from a failed run");
        } finally {
            signal("CONT", executor.pid());
            executor.destroyForcibly();
        }
    }

    // ---- helpers ----

    private static void signal(String name, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start().waitFor());
    }

    private static Process submit(Path log, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("jobs/submit"));
        cmd.addAll(args);
        return script(log, cmd.toArray(String[]::new));
    }

    private static Process script(Path log, String... cmd) throws IOException {
        ProcessBuilder b = new ProcessBuilder(cmd).directory(TestData.repoRoot().toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().put("TREEGRAD_CLUSTER_DIR", clusterDir.toString());
        return b.start();
    }

    private static int finish(Process p, Path log, long seconds) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail(String.join(" ", p.info().commandLine().orElse("process")) + " did not finish in " + seconds
                    + " s:\n" + log(log));
        }
        return p.exitValue();
    }

    private static void awaitLine(Process p, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_TIMEOUT_S);
        while (!log(log).contains(text)) {
            if (!p.isAlive()) {
                fail("the run ended (exit " + p.exitValue() + ") before '" + text + "':\n" + log(log));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                fail("no '" + text + "' after " + RUN_TIMEOUT_S + " s:\n" + log(log));
            }
            Thread.sleep(100);
        }
    }

    private static String log(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log) : "(no log)";
    }

    /** This cluster's executor JVMs, found by their class and the cluster's folder on the command line. */
    private static List<ProcessHandle> executorPids() {
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
                .map(c -> c.contains("CoarseGrainedExecutorBackend") && c.contains(clusterDir.toString()))
                .orElse(false)).toList();
    }

    /** The executors of the newest application (an earlier one's may still be shutting down). */
    private static List<ProcessHandle> currentExecutors() {
        String app = newestApp(clusterDir.resolve("work/worker-1"));
        return executorPids().stream().filter(h -> h.info().commandLine().orElse("").contains(app)).toList();
    }

    /** Executor folders the workers created (work/worker-N/APP/EXECUTOR), over all apps so far. */
    private static long executorFolders() throws IOException {
        try (Stream<Path> s = Files.walk(clusterDir.resolve("work"), 3)) {
            return s.filter(p -> clusterDir.resolve("work").relativize(p).getNameCount() == 3
                    && p.getFileName().toString().matches("\\d+") && Files.isDirectory(p)
                    && p.getParent().getFileName().toString().equals(newestApp(p.getParent().getParent()))).count();
        }
    }

    private static String newestApp(Path workerDir) {
        try (Stream<Path> apps = Files.list(workerDir)) {
            return apps.map(a -> a.getFileName().toString()).max(String::compareTo).orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    private static float[] params(Path out) throws IOException {
        return ModelFile.read(out.resolve("model/model.safetensors")).parameters().toFloatVector();
    }

    /** A free port P with P+1 free too (the Master's web UI). */
    private static int freePortPair() throws IOException {
        for (int i = 0; i < 50; i++) {
            int p;
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            try (ServerSocket a = new ServerSocket(p); ServerSocket b = new ServerSocket(p + 1)) {
                return p;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free pair of ports");
    }
}
