package io.treegrad.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.driver.config.ConfigLoader;
import io.treegrad.io.ModelFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as the README runs it ({@code jobs/train CONFIG} execs {@code Main train CONFIG}), on the
 * real datasets, from the repository root, in embedded Spark.
 */
class CliEndToEndTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.print(r.out());
        System.err.print(r.err());
        return r;
    }

    @Test
    void everyShippedConfigLoads() throws IOException {
        try (Stream<Path> configs = Files.list(Path.of("configs"))) {
            List<Path> yaml = configs.filter(p -> p.toString().endsWith(".yaml")).toList();
            assertTrue(yaml.size() >= 4, yaml.toString());
            for (Path p : yaml) {
                ConfigLoader.load(p, List.of());
            }
        }
    }

    @Test
    void readmeExampleTrainsFashionMnistTo85PercentOnTwoPartitions() throws IOException {
        Path out = tmp.resolve("fashion");
        Run r = run("train", "configs/fashion-mnist-mlp.yaml", "--set", "output.dir=" + out);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("global batch = 64 per worker x 2 = 128"), r.out());
        assertTrue(r.out().contains("step 100/2345"), "progress lines: " + r.out());
        assertTrue(r.out().matches("(?s).*step 100/2345 [^\\n]*  train accuracy 0\\.\\d{4}  \\(compute.*"),
                "the running training accuracy in the progress line: " + r.out());
        String summary = Files.readString(out.resolve("summary.json"));
        double accuracy = Double.parseDouble(summary.replaceAll(".*\"test_accuracy\": ([0-9.]+).*\\s*", "$1"));
        assertTrue(accuracy >= 0.85, summary);
        for (String f : new String[] {"metrics.jsonl", "config.yaml", "model/model.safetensors", "model/config.yaml",
                "model/provenance.json", "checkpoints/LATEST", "checkpoints/ckpt-2345.safetensors"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertTrue(metrics.size() >= 23, "a line every 100 steps and at each epoch: " + metrics.size());
        assertTrue(metrics.get(metrics.size() - 1).contains("\"test_accuracy\""));
        for (String key : new String[] {"\"step\"", "\"epoch\"", "\"train_loss\"", "\"samples_per_sec\"",
                "\"step_ms\": {\"compute\"", "\"time_share\": {\"compute\"", "\"aggregation\"", "\"update\"",
                "\"broadcast\""}) {
            assertTrue(metrics.get(0).contains(key), key + " in " + metrics.get(0));
        }
        ModelFile model = ModelFile.read(out.resolve("model/model.safetensors"));
        assertEquals(784, model.spec().inputs());
        assertTrue(model.scaler().isPresent(), "the pixel scaling travels with the model");
        assertTrue(model.config().contains("fashion-mnist-mlp"));
    }

    @Test
    void resumedRunEndsBitIdenticalToAnUninterruptedOne() throws IOException {
        Path whole = tmp.resolve("whole");
        Path split = tmp.resolve("split");
        String[] common = {"--set", "training.epochs=null", "--set", "checkpoints.every_steps=10"};
        assertEquals(0, run(concat(new String[] {"train", "configs/digits-logistic-regression.yaml",
                "--set", "output.dir=" + whole, "--set", "training.steps=60"}, common)).code());
        assertEquals(0, run(concat(new String[] {"train", "configs/digits-logistic-regression.yaml",
                "--set", "output.dir=" + split, "--set", "training.steps=30"}, common)).code());
        Run resumed = run(concat(new String[] {"train", "configs/digits-logistic-regression.yaml",
                "--set", "output.dir=" + split, "--set", "training.steps=60", "--resume"}, common));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming from step 30"), resumed.out());
        float[] a = ModelFile.read(whole.resolve("model/model.safetensors")).parameters().toFloatVector();
        float[] b = ModelFile.read(split.resolve("model/model.safetensors")).parameters().toFloatVector();
        assertArrayEquals(a, b, 0f, "bit-identical parameters after resume");
    }

    /**
     * Local SGD: the checkpoint carries θ and the outer optimizer's state (Nesterov momentum here);
     * the inner optimizer starts fresh every round, so nothing else is needed to continue bit for bit.
     * 7 local steps do not divide an epoch's 57 minibatches (1797 rows, global batch 32): rounds
     * straddle epochs, and the run of 3 epochs ends with a shorter round (171 minibatches = 24 rounds
     * of 7 + one of 3).
     */
    @Test
    void localSgdResumesBitIdenticalToAnUninterruptedRun() throws IOException {
        Path whole = tmp.resolve("local-whole");
        Path split = tmp.resolve("local-split");
        String[] common = {"--set", "training.epochs=3", "--set", "checkpoints.every_steps=5",
                "--set", "training.mode=local_sgd", "--set", "training.local_steps=7",
                "--set", "training.outer_optimizer={type: sgd, lr: 0.8, momentum: 0.6, nesterov: true}"};
        Run first = run(concat(new String[] {"train", "configs/digits-logistic-regression.yaml",
                "--set", "output.dir=" + whole}, common));
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("25 rounds (8.14 per epoch)"), first.out());
        assertTrue(first.out().contains("local SGD: 7 local steps of adam per round, outer sgd lr 0.8 momentum 0.6 nesterov"),
                first.out());
        // the same run stopped after 15 rounds (the uninterrupted run's first 15), then resumed
        assertEquals(0, run(concat(new String[] {"train", "configs/digits-logistic-regression.yaml",
                "--set", "output.dir=" + split}, concat(common, new String[] {"--set", "training.epochs=null",
                "--set", "training.steps=15"}))).code());
        Run resumed = run(concat(new String[] {"train", "configs/digits-logistic-regression.yaml",
                "--set", "output.dir=" + split, "--resume"}, common));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming from step 15"), resumed.out());
        float[] a = ModelFile.read(whole.resolve("model/model.safetensors")).parameters().toFloatVector();
        float[] b = ModelFile.read(split.resolve("model/model.safetensors")).parameters().toFloatVector();
        assertArrayEquals(a, b, 0f, "bit-identical parameters after resume");
        String summary = Files.readString(whole.resolve("summary.json"));
        assertTrue(summary.contains("\"mode\": \"local_sgd\""), summary);
        double accuracy = Double.parseDouble(summary.replaceAll(".*\"test_accuracy\": ([0-9.]+).*\\s*", "$1"));
        assertTrue(accuracy > 0.9, summary);
    }

    @Test
    void savedModelEvaluatesAndPredictsWithTheCommandsOfTheReadme() throws IOException {
        Path out = tmp.resolve("digits");
        assertEquals(0, run("train", "configs/digits-logistic-regression.yaml", "--set", "output.dir=" + out).code());
        String trained = Files.readString(out.resolve("summary.json"));
        double trainedAccuracy = Double.parseDouble(trained.replaceAll(".*\"test_accuracy\": ([0-9.]+).*\\s*", "$1"));

        Run e = run("evaluate", out.resolve("model").toString(), "data/digits/digits.csv.gz");
        assertEquals(0, e.code(), e.err());
        double evaluated = Double.parseDouble(e.out().replaceAll("(?s).*accuracy ([0-9.]+).*", "$1"));
        assertEquals(trainedAccuracy, evaluated, 1e-4, "the saved model scores as it did at the end of training");

        Path csv = tmp.resolve("predictions.csv");
        Run p = run("predict", out.resolve("model").toString(), "data/digits/digits.csv.gz", csv.toString());
        assertEquals(0, p.code(), p.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("record,prediction", lines.get(0));
        assertEquals(1 + 1797, lines.size());
        int[] labels = io.treegrad.data.CsvReader.builder().labels(io.treegrad.data.LabelSpec.classIds(10)).build()
                .read(Path.of("data/digits/digits.csv.gz")).dataset().labels();
        int correct = 0;
        for (int i = 0; i < 1797; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(i, Integer.parseInt(f[0]));
            correct += Integer.parseInt(f[1]) == labels[i] ? 1 : 0;
        }
        // the printed accuracy has 4 decimals, finer than 1/1797: it names exactly one count of correct rows
        assertEquals(Math.round(evaluated * 1797), correct, "predictions agree with the evaluation");
    }

    @Test
    void configErrorsNameFileLineAndKeyAndExitWith2() throws IOException {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, Files.readString(Path.of("configs/digits-logistic-regression.yaml"))
                .replace("batch_size: 16", "bach_size: 16"));
        Run r = run("train", bad.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("bad.yaml line") && r.err().contains("training.bach_size: unknown key; did you mean"
                + " batch_size?"), r.err());
        Run set = run("train", "configs/digits-logistic-regression.yaml", "--set", "optimizer.lr=-1");
        assertEquals(2, set.code());
        assertTrue(set.err().contains("--set optimizer.lr=-1: must be > 0"), set.err());
    }

    @Test
    void missingDataIsAnInputErrorNamingThePath() {
        Run r = run("train", "configs/digits-logistic-regression.yaml", "--set", "output.dir=" + tmp.resolve("m"),
                "--set", "data.train.path=data/nowhere/digits.csv");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("data/nowhere/digits.csv") && r.err().contains("no such file"), r.err());
    }

    @Test
    void missingParquetDataIsAnInputErrorNamingThePath() {
        Run r = run("train", "configs/digits-logistic-regression.yaml", "--set", "output.dir=" + tmp.resolve("p"),
                "--set", "data.train.format=parquet", "--set", "data.train.path=data/nowhere/digits.parquet");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("data/nowhere/digits.parquet: no such file"), r.err());
    }

    @Test
    void divergenceStopsWithTheStepAndExit3() {
        Run r = run("train", "configs/heart-scale-libsvm.yaml", "--set", "output.dir=" + tmp.resolve("d"),
                "--set", "optimizer.lr=1e12");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("training diverged at step"), r.err());
    }

    @Test
    void divergenceMidRunKeepsTheLastGoodCheckpointAndModel() throws IOException {
        Path out = tmp.resolve("d2");
        String[] common = {"train", "configs/heart-scale-libsvm.yaml", "--set", "output.dir=" + out,
                "--set", "checkpoints.every_steps=10"};
        Run good = run(concat(common, new String[] {"--set", "training.epochs=2"}));   // 30 steps
        assertEquals(0, good.code(), good.err());
        java.util.Map<String, String> before = hashes(out.resolve("checkpoints"));
        before.putAll(hashes(out.resolve("model")));
        assertTrue(before.containsKey("ckpt-30.safetensors"), before.keySet().toString());

        // resumed from step 30 with an absurd learning rate: the next step's loss is no longer finite
        Run bad = run(concat(common, new String[] {"--set", "training.epochs=4", "--set", "optimizer.lr=1e12",
                "--resume"}));
        assertEquals(3, bad.code(), bad.err());
        assertTrue(bad.err().matches("(?s).*training diverged at step 3\\d: the loss is .*"), bad.err());
        java.util.Map<String, String> after = hashes(out.resolve("checkpoints"));
        after.putAll(hashes(out.resolve("model")));
        assertEquals(before, after, "the diverged run wrote no checkpoint and no model");
    }

    /** File name to sha256 for the files directly in {@code dir}. */
    private static java.util.Map<String, String> hashes(Path dir) throws IOException {
        java.util.Map<String, String> m = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                try {
                    m.put(f.getFileName().toString(), java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return m;
    }

    @Test
    void aGpuRequiredOfTheCpuBuildIsAnInputErrorNamingTheFix() {
        Run r = run("train", "configs/heart-scale-libsvm.yaml", "--set", "output.dir=" + tmp.resolve("g"),
                "--set", "training.device=gpu");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("treegrad: training.device is gpu, but this build has ND4J's CPU backend"
                + " (nd4j-native): build the application with -Pcuda"), r.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
