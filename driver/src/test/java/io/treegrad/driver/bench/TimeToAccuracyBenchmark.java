package io.treegrad.driver.bench;

import io.treegrad.data.Dataset;
import io.treegrad.data.IdxReader;
import io.treegrad.data.Minibatcher;
import io.treegrad.io.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Time to a test accuracy on Fashion-MNIST (issue 7): treegrad on embedded Spark {@code local[2]}
 * (through the real CLI, {@code Main train}, one forked JVM per leg) in exact synchronous SGD and in
 * local SGD mode for several k, against DL4J's {@code MultiLayerNetwork} in this JVM (one thread).
 *
 * <p>Every leg trains the README's model (784-256-128-10, ReLU, softmax cross-entropy, pixels / 255)
 * for the same number of epochs and evaluates the whole test set every {@code --eval-every} global
 * minibatches of 128 (treegrad: {@code evaluation.every_steps} = that over the minibatches per step).
 * Evaluation batches: 1000 rows per task batch for treegrad, the whole test set in one batch for DL4J.
 * A leg's time is wall time from its first step (data already loaded, JVM and Spark started) to the
 * first evaluation at or above the target; it is reported with the evaluations' own time counted
 * and without it. DL4J: Adam 1e-3, batch 128, the same epoch permutations as treegrad's global
 * minibatches. The final accuracy after all epochs is the local-SGD accuracy effect.
 *
 * <pre>
 *   jobs/bench-time-to-accuracy [--json PATH] [--quick] [--epochs N] [--target A] [--eval-every M]
 *                               [--local-steps 7,14] [--no-sync] [--no-dl4j]
 * </pre>
 */
public final class TimeToAccuracyBenchmark {
    private static final int BATCH = 128;

    private record Eval(double epoch, double seconds, double evalSeconds, double accuracy) {}

    private record Leg(String name, String how, List<Eval> evals, double totalSeconds) {
        Eval firstAt(double target) {
            return evals.stream().filter(e -> e.accuracy >= target).findFirst().orElse(null);
        }

        double best() {
            return evals.stream().mapToDouble(Eval::accuracy).max().orElse(Double.NaN);
        }

        double last() {
            return evals.isEmpty() ? Double.NaN : evals.get(evals.size() - 1).accuracy;
        }
    }

    public static void main(String[] args) throws Exception {
        Path json = null;
        boolean quick = false;
        boolean sync = true;
        boolean dl4j = true;
        Integer epochs = null;
        double target = 0.876;
        int evalEvery = 70;
        List<Integer> ks = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = Path.of(args[++i]);
                case "--quick" -> quick = true;
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--target" -> target = Double.parseDouble(args[++i]);
                case "--eval-every" -> evalEvery = Integer.parseInt(args[++i]);
                case "--local-steps" -> {
                    ks = new ArrayList<>();
                    for (String k : args[++i].split(",")) {
                        ks.add(Integer.parseInt(k.trim()));
                    }
                }
                case "--no-sync" -> sync = false;
                case "--no-dl4j" -> dl4j = false;
                default -> {
                    System.err.println("bench-time-to-accuracy: unknown argument " + args[i]
                            + "; expected --json PATH, --quick, --epochs N, --target A, --eval-every M,"
                            + " --local-steps k1,k2, --no-sync, --no-dl4j");
                    System.exit(2);
                }
            }
        }
        int e = epochs != null ? epochs : quick ? 1 : 5;
        if (ks == null) {
            ks = quick ? List.of(7) : List.of(1, 7, 14, 35);
        }
        for (int k : ks) {
            if (evalEvery % k != 0) {
                System.err.println("bench-time-to-accuracy: --eval-every " + evalEvery + " must be a multiple of every"
                        + " local step count (got k = " + k + ")");
                System.exit(2);
            }
        }
        Path work = Files.createTempDirectory("bench-tta");
        List<Leg> legs = new ArrayList<>();
        if (sync) {
            legs.add(treegrad("treegrad sync SGD", "configs/fashion-mnist-mlp.yaml", e, evalEvery, 1, List.of(), work));
        }
        for (int k : ks) {
            legs.add(treegrad("treegrad local SGD k=" + k + (k == 1 ? " (=sync)" : ""), "configs/fashion-mnist-mlp-localsgd.yaml", e, evalEvery, k,
                    List.of("training.local_steps=" + k), work));
        }
        if (dl4j) {
            legs.add(dl4j(e, evalEvery));
        }
        report(legs, target, e, evalEvery, json);
    }

    /** One treegrad run through the CLI in a JVM of its own, its metrics.jsonl read back. */
    private static Leg treegrad(String name, String config, int epochs, int evalEvery, int k, List<String> sets,
                                Path work) throws IOException, InterruptedException {
        Path out = work.resolve(name.replaceAll("[^a-zA-Z0-9]+", "-"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(System.getProperty("bench.childOpts", "").trim().split("\\s+")));
        cmd.removeIf(String::isEmpty);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.treegrad.driver.Main", "train", config,
                "--set", "training.epochs=" + epochs, "--set", "evaluation.every_steps=" + (evalEvery / k),
                "--set", "evaluation.batch_size=1000", "--set", "output.dir=" + out,
                "--set", "output.log_every_steps=100000"));
        for (String s : sets) {
            cmd.add("--set");
            cmd.add(s);
        }
        String how = config + (sets.isEmpty() ? "" : " --set " + String.join(" --set ", sets));
        System.out.printf(Locale.ROOT, "%s: %s, %d epochs%n", name, how, epochs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve(out.getFileName() + ".log").toFile()).start();
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IllegalStateException(name + " failed (exit " + rc + "); its output: "
                    + work.resolve(out.getFileName() + ".log"));
        }
        List<Eval> evals = new ArrayList<>();
        double evalSeconds = 0;
        double total = 0;
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) Json.parse(line);
            if (m.containsKey("test_accuracy")) {
                evalSeconds += ((Number) m.get("eval_ms")).doubleValue() / 1000;
            }
            total = ((Number) m.get("elapsed_s")).doubleValue();
            if (m.containsKey("test_accuracy")) {
                evals.add(new Eval(((Number) m.get("epoch")).doubleValue(), total, evalSeconds,
                        ((Number) m.get("test_accuracy")).doubleValue()));
            }
        }
        return new Leg(name, how, evals, total);
    }

    /** DL4J's MultiLayerNetwork, same model, data, batch and evaluation cadence, in this JVM. */
    private static Leg dl4j(int epochs, int evalEvery) throws IOException {
        System.out.printf(Locale.ROOT, "DL4J MultiLayerNetwork: Adam 1e-3, batch %d, %d epochs, 1 thread%n", BATCH, epochs);
        Dataset train = read("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");
        Dataset test = read("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
        INDArray testX = scaled(test, null);
        int[] testY = test.labels();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(7)
                .dataType(DataType.FLOAT)
                .updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(256).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(256).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        int n = train.numRows();
        long perEpoch = (n + BATCH - 1) / BATCH;
        List<Eval> evals = new ArrayList<>();
        double evalSeconds = 0;
        long started = System.nanoTime();
        long done = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            int[] perm = Minibatcher.permutation(n, 7, epoch);
            for (int from = 0; from < n; from += BATCH) {
                int[] rows = java.util.Arrays.copyOfRange(perm, from, Math.min(from + BATCH, n));
                net.fit(new DataSet(scaled(train, rows), oneHot(train.labels(), rows)));
                done++;
                if (done % evalEvery == 0 || done == perEpoch * epochs) {
                    long t = System.nanoTime();
                    double acc = accuracy(net, testX, testY);
                    evalSeconds += (System.nanoTime() - t) / 1e9;
                    evals.add(new Eval(done / (double) perEpoch, (System.nanoTime() - started) / 1e9, evalSeconds, acc));
                }
            }
        }
        return new Leg("DL4J MultiLayerNetwork (1 JVM)", "Adam 1e-3, batch 128, OMP_NUM_THREADS=1", evals,
                (System.nanoTime() - started) / 1e9);
    }

    private static Dataset read(String images, String labels) throws IOException {
        Path dir = Path.of("data", "fashion-mnist");
        return IdxReader.withClasses(10).read(dir.resolve(images), dir.resolve(labels)).dataset();
    }

    /** The rows (all when null) as [n, 784] pixels / 255, as treegrad's {@code scaling: divide 255}. */
    private static INDArray scaled(Dataset d, int[] rows) {
        int f = d.numFeatures();
        int n = rows == null ? d.numRows() : rows.length;
        float[] x = new float[n * f];
        for (int i = 0; i < n; i++) {
            int r = rows == null ? i : rows[i];
            for (int j = 0; j < f; j++) {
                x[i * f + j] = d.features()[r * f + j] / 255f;
            }
        }
        return Nd4j.createFromArray(x).reshape(n, f);
    }

    private static INDArray oneHot(int[] labels, int[] rows) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, rows.length, 10);
        for (int i = 0; i < rows.length; i++) {
            y.putScalar(i, labels[rows[i]], 1.0);
        }
        return y;
    }

    private static double accuracy(MultiLayerNetwork net, INDArray x, int[] y) {
        INDArray predicted = net.output(x, false).argMax(1);
        long correct = 0;
        for (int i = 0; i < y.length; i++) {
            correct += predicted.getLong(i) == y[i] ? 1 : 0;
        }
        return correct / (double) y.length;
    }

    private static void report(List<Leg> legs, double target, int epochs, int evalEvery, Path json) throws IOException {
        Leg dl4j = legs.stream().filter(l -> l.name.startsWith("DL4J")).findFirst().orElse(null);
        Eval dl4jAt = dl4j == null ? null : dl4j.firstAt(target);
        System.out.printf(Locale.ROOT, "%nFashion-MNIST test accuracy >= %.3f; %d epochs; evaluation every %d global minibatches"
                + " of 128 (%.2f epochs)%n", target, epochs, evalEvery, evalEvery / 469.0);
        System.out.printf(Locale.ROOT, "%-32s %9s %12s %12s %10s %9s %9s %11s%n", "leg", "epoch", "time (s)",
                "w/o eval (s)", "vs DL4J", "final acc", "best acc", "total (s)");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Leg l : legs) {
            Eval at = l.firstAt(target);
            String ratio = at == null || dl4jAt == null ? "-" : String.format(Locale.ROOT, "%.2fx", at.seconds / dl4jAt.seconds);
            System.out.printf(Locale.ROOT, "%-32s %9s %12s %12s %10s %9.4f %9.4f %11.1f%n", l.name,
                    at == null ? "not hit" : String.format(Locale.ROOT, "%.2f", at.epoch),
                    at == null ? "-" : String.format(Locale.ROOT, "%.1f", at.seconds),
                    at == null ? "-" : String.format(Locale.ROOT, "%.1f", at.seconds - at.evalSeconds),
                    ratio, l.last(), l.best(), l.totalSeconds);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("leg", l.name);
            r.put("how", l.how);
            r.put("reached_target", at != null);
            if (at != null) {
                r.put("epoch_at_target", at.epoch);
                r.put("seconds_to_target", at.seconds);
                r.put("seconds_to_target_without_eval", at.seconds - at.evalSeconds);
                if (dl4jAt != null) {
                    r.put("time_vs_dl4j", at.seconds / dl4jAt.seconds);
                }
            }
            r.put("final_accuracy", l.last());
            r.put("best_accuracy", l.best());
            r.put("total_seconds", l.totalSeconds);
            r.put("evaluations", l.evals.size());
            rows.add(r);
        }
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("target_accuracy", target);
            doc.put("epochs", epochs);
            doc.put("eval_every_minibatches", evalEvery);
            doc.put("legs", rows);
            Files.writeString(json, Json.write(doc) + "\n", StandardCharsets.UTF_8);
            System.out.println("wrote " + json);
        }
    }

    static {
        // the DL4J leg computes in this JVM: one thread, as every computing JVM here
        if (!"1".equals(System.getenv("OMP_NUM_THREADS"))) {
            System.err.println("bench-time-to-accuracy: set OMP_NUM_THREADS=1 (jobs/bench-time-to-accuracy does)");
        }
    }

    private TimeToAccuracyBenchmark() {}
}
