package io.treegrad.bench;

import io.treegrad.autodiff.GradMode;
import io.treegrad.autodiff.Nd;
import io.treegrad.autodiff.Tensor;
import io.treegrad.loss.SoftmaxCrossEntropyLoss;
import io.treegrad.loss.Targets;
import io.treegrad.nn.Mode;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.nn.Parameters;
import io.treegrad.train.Objective;
import io.treegrad.util.HostOps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Speed of the autodiff engine, single-threaded, float32. A program, not a test:
 * {@code jobs/bench-engine [--json PATH] [--profile] [--quick] [--no-torch]}.
 *
 * <ol>
 *   <li>fixed cost per op: chains of N tiny ops on [4] tensors, raw ND4J vs the engine without
 *       recording, recording, and recording + backward (µs/op);</li>
 *   <li>an MLP 784-256-128-10 (ReLU) training step at batch 128 and 512 (samples/s) on the
 *       production path: {@code Model.build}, {@code Objective.accumulateGradient} (fused linear,
 *       fused softmax cross-entropy, backward seeded with n) and plain SGD in place on the flat
 *       parameter buffer ({@link EngineMlp});</li>
 *   <li>the same MLP as a DL4J {@code MultiLayerNetwork} with the same starting weights,
 *       {@code fit(DataSet)} on the same data;</li>
 *   <li>the sgemm rate of the MLP's shapes, in the same run, and the MLPs' achieved GFLOP/s as a
 *       fraction of it;</li>
 *   <li>where Debian's {@code /usr/bin/python3} has torch, the same MLP in PyTorch
 *       ({@code src/test/python/bench_torch_mlp.py}, {@link TorchPeer}) in a separate process run
 *       between the engine's repeats, with the BLAS torch links to and with ND4J's OpenBLAS.</li>
 * </ol>
 * With {@code --profile}, also where the engine's MLP step time goes (phases, per-op forward,
 * per-node backward via gradient hooks, raw-ND4J alternatives for the hot spots, and two what-ifs:
 * closing the step's arrays eagerly, and a hand-written raw-ND4J step of the same math).
 *
 * <p>Every timing is the median (and min; mean where GC matters) over several repeats after
 * warm-up; variants compared with each other run interleaved, repeat by repeat, so GC pauses and
 * machine drift hit them alike (PyTorch, another process, runs between the first and second halves
 * of the engine's and DL4J's repeats instead). FLOPs per MLP step count 2·n·in·out per matmul:
 * 3 matmuls per layer (forward, dx, dW), 2 for the first layer, whose input needs no gradient.
 * Threads are pinned to 1 (the env vars set by {@code jobs/bench-engine}, and the ND4J/BLAS setters
 * here as well; {@code torch.set_num_threads(1)} in the PyTorch peer).
 */
public final class EngineBenchmark {
    private static final DataType F32 = DataType.FLOAT;
    private static final long SEED = 20240601L;
    private static final int IN = 784;
    private static final int H1 = 256;
    private static final int H2 = 128;
    private static final int OUT = 10;
    private static final double LR = 0.01;

    private final boolean quick;
    private TorchPeer torchPeer;   // null with --no-torch
    private final Map<String, Object> json = new LinkedHashMap<>();
    private final List<String[]> table = new ArrayList<>();

    private EngineBenchmark(boolean quick) {
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        String jsonPath = null;
        boolean profile = false;
        boolean quick = false;
        boolean torch = true;
        String usage = "[--json PATH] [--profile] [--quick] [--no-torch]";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json": jsonPath = args[++i]; break;
                case "--profile": profile = true; break;
                case "--quick": quick = true; break;
                case "--no-torch": torch = false; break;
                case "-h": case "--help":
                    System.out.println("usage: EngineBenchmark " + usage);
                    return;
                default:
                    throw new IllegalArgumentException("unknown argument " + args[i] + " (usage: " + usage + ")");
            }
        }
        EngineBenchmark b = new EngineBenchmark(quick);
        long t0 = System.nanoTime();
        b.environment();
        if (torch) {
            b.torchPeer = TorchPeer.detect();   // after ND4J has loaded its BLAS: it looks for that library
        }
        b.describePeers();
        b.perOp();
        settle();
        Map<Integer, Double> gemmFloor = new LinkedHashMap<>();
        double peak = b.sgemm(gemmFloor);
        for (int batch : new int[] {128, 512}) {
            settle();
            b.mlp(batch, peak, gemmFloor.get(batch));
        }
        b.printTable();
        if (profile) {
            for (int batch : new int[] {128, 512}) {
                settle();
                b.profile(batch);
            }
        }
        b.json.put("total_seconds", (System.nanoTime() - t0) / 1e9);
        System.out.printf(Locale.ROOT, "%ntotal %.1f s%n", (System.nanoTime() - t0) / 1e9);
        if (jsonPath != null) {
            Path p = Path.of(jsonPath);
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            Files.writeString(p, new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(b.json) + "\n", StandardCharsets.UTF_8);
            System.out.println("wrote " + p.toAbsolutePath());
        }
        System.exit(0);   // ND4J/DL4J leave non-daemon threads behind
    }

    /** Collects the previous section's garbage (ND4J frees off-heap arrays via GC'd references). */
    private static void settle() throws InterruptedException {
        System.gc();
        Thread.sleep(300);
    }

    // ------------------------------------------------------------------ environment

    private void environment() {
        String omp = System.getenv("OMP_NUM_THREADS");
        String blasEnv = System.getenv("OPENBLAS_NUM_THREADS");
        Nd4j.create(F32, 1);   // loads the backend
        int ompBefore = Nd4j.getEnvironment().maxThreads();
        int blasBefore = Nd4j.factory().blas().getMaxThreads();
        // One computing thread, whatever the environment said (also set here when run from an IDE).
        Nd4j.getEnvironment().setMaxThreads(1);
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.factory().blas().setMaxThreads(1);
        Nd4j.setDefaultDataTypes(F32, F32);
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        env.put("cpus", Runtime.getRuntime().availableProcessors());
        env.put("OMP_NUM_THREADS", omp);
        env.put("OPENBLAS_NUM_THREADS", blasEnv);
        env.put("nd4j_threads_seen", ompBefore);
        env.put("blas_threads_seen", blasBefore);
        env.put("nd4j_threads", Nd4j.getEnvironment().maxThreads());
        env.put("blas_threads", Nd4j.factory().blas().getMaxThreads());
        env.put("blas", String.valueOf(Nd4j.factory().blas().getBlasVendor()));
        env.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        env.put("quick", quick);
        json.put("environment", env);
        System.out.printf(Locale.ROOT, "treegrad engine benchmark  (%s, %d cpus, backend %s, blas %s)%n",
                env.get("java"), env.get("cpus"), env.get("backend"), env.get("blas"));
        System.out.printf(Locale.ROOT, "threads: env OMP_NUM_THREADS=%s OPENBLAS_NUM_THREADS=%s; ND4J saw %d,"
                + " BLAS saw %d; running with %d / %d%n", omp, blasEnv, ompBefore, blasBefore,
                Nd4j.getEnvironment().maxThreads(), Nd4j.factory().blas().getMaxThreads());
        if (!"1".equals(omp)) {
            System.out.println("WARNING: OMP_NUM_THREADS is not 1 in the environment; threads were forced to 1"
                    + " through the ND4J API (run via jobs/bench-engine to set it properly)");
        }
        System.out.println();
    }

    private void describePeers() {
        String engine = "b. the engine's step is the production path: Model.build(ModelSpec.mlp(784, [256, 128], 10,"
                + " relu)) + Objective.accumulateGradient (softmax cross-entropy, backward seeded with n) + SGD on"
                + " the flat parameter buffer (one axpy, zeroGrad); DL4J starts from the same weights.";
        String torch;
        if (torchPeer == null) {
            torch = "e. PyTorch: skipped (--no-torch).";
        } else if (!torchPeer.available()) {
            torch = "e. PyTorch: not run: " + torchPeer.whyUnavailable() + ".";
        } else {
            torch = "e. PyTorch (" + TorchPeer.PYTHON + " bench_torch_mlp.py, 1 thread) runs in a separate process,"
                    + " between the first and second halves of the engine/DL4J repeats: not interleaved repeat by"
                    + " repeat. Once with the system libblas.so.3 torch links to, once with ND4J's own OpenBLAS"
                    + " preloaded (" + (torchPeer.openBlas() == null ? "not found" : torchPeer.openBlas()) + ").";
        }
        System.out.println(engine);
        System.out.println(torch);
        System.out.println();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", engine);
        m.put("pytorch", torch);
        json.put("peers", m);
    }

    // ------------------------------------------------------------------ timing

    /** Median and min over repeats of the time one call takes, in ns. */
    record Timing(double medianNs, double minNs, double meanNs, int reps) {
        double medianUs() { return medianNs / 1e3; }
        double minUs() { return minNs / 1e3; }
        double meanUs() { return meanNs / 1e3; }
        static Timing of(double[] ns) {
            double[] s = ns.clone();
            Arrays.sort(s);
            double med = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
            return new Timing(med, s[0], Arrays.stream(s).average().orElse(Double.NaN), s.length);
        }
        Map<String, Object> json(double scale, String unit) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("median_" + unit, medianNs / scale);
            m.put("min_" + unit, minNs / scale);
            m.put("mean_" + unit, meanNs / scale);
            m.put("repeats", reps);
            return m;
        }
    }

    /** body returns the ns it measured for one repeat (so it can exclude setup); divided by perRep. */
    private static Timing time(int warmup, int reps, double perRep, LongSupplier body) {
        for (int i = 0; i < warmup; i++) {
            body.getAsLong();
        }
        double[] ns = new double[reps];
        for (int i = 0; i < reps; i++) {
            ns[i] = body.getAsLong() / perRep;
        }
        return Timing.of(ns);
    }

    private static Timing time(int warmup, int reps, int inner, Runnable r) {
        return time(warmup, reps, inner, () -> {
            long t = System.nanoTime();
            for (int i = 0; i < inner; i++) {
                r.run();
            }
            return System.nanoTime() - t;
        });
    }

    private void row(String section, String what, String value, String note) {
        table.add(new String[] {section, what, value, note});
    }

    // ------------------------------------------------------------------ a. per-op fixed cost

    private void perOp() {
        final int n = 200;                           // ops per chain (one repeat)
        final int warm = quick ? 20 : 60;
        final int reps = quick ? 41 : 151;
        INDArray x0 = Nd4j.create(new float[] {0.5f, -1f, 2f, 0.25f}, new long[] {4}, 'c');
        INDArray c0 = Nd4j.create(new float[] {1.0001f, 0.9999f, 1f, 1.0002f}, new long[] {4}, 'c');
        Tensor c = Tensor.of(c0);                                   // constant operand
        Tensor seed = Tensor.ones(F32, 4);
        INDArray acc = x0.dup();

        Map<String, LongSupplier> v = new LinkedHashMap<>();
        v.put("nd4j add (new array)", () -> {
            INDArray t = x0;
            long s = System.nanoTime();
            for (int i = 0; i < n; i++) {
                t = t.add(c0);
            }
            return System.nanoTime() - s;
        });
        v.put("nd4j mul (new array)", () -> {
            INDArray t = x0;
            long s = System.nanoTime();
            for (int i = 0; i < n; i++) {
                t = t.mul(c0);
            }
            return System.nanoTime() - s;
        });
        v.put("nd4j addi (in place)", () -> {
            long s = System.nanoTime();
            for (int i = 0; i < n; i++) {
                acc.addi(c0);
            }
            return System.nanoTime() - s;
        });
        for (String op : new String[] {"add", "mul"}) {
            boolean add = op.equals("add");
            v.put("engine " + op + ", noGrad", () -> {
                Tensor x = Tensor.of(x0).requiresGrad(true);
                long s = System.nanoTime();
                try (GradMode.Scope off = GradMode.noGrad()) {
                    Tensor t = x;
                    for (int i = 0; i < n; i++) {
                        t = add ? t.add(c) : t.mul(c);
                    }
                }
                return System.nanoTime() - s;
            });
            v.put("engine " + op + ", recorded", () -> {
                Tensor x = Tensor.of(x0).requiresGrad(true);
                long s = System.nanoTime();
                Tensor t = x;
                for (int i = 0; i < n; i++) {
                    t = add ? t.add(c) : t.mul(c);
                }
                return System.nanoTime() - s;
            });
            v.put("engine " + op + ", recorded+backward", () -> {
                Tensor x = Tensor.of(x0).requiresGrad(true);
                long s = System.nanoTime();
                Tensor t = x;
                for (int i = 0; i < n; i++) {
                    t = add ? t.add(c) : t.mul(c);
                }
                t.backward(seed);
                return System.nanoTime() - s;
            });
        }
        Map<String, Timing> r = interleaved(v, warm, reps, n);
        double nd4jAdd = r.get("nd4j add (new array)").medianUs();
        double nd4jMul = r.get("nd4j mul (new array)").medianUs();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("shape", "[4] float32; chains of " + n + " ops with a constant right operand; variants interleaved");
        for (Map.Entry<String, Timing> e : r.entrySet()) {
            String k = e.getKey();
            Timing t = e.getValue();
            double base = k.contains("mul") ? nd4jMul : nd4jAdd;
            String note = String.format(Locale.ROOT, "mean incl. GC %.2f", t.meanUs());
            if (k.startsWith("engine") && !k.endsWith("backward")) {
                note += String.format(Locale.ROOT, "; %+.2f µs over nd4j %s (x%.2f)", t.medianUs() - base,
                        add(k) ? "add" : "mul", t.medianUs() / base);
            } else if (k.endsWith("backward")) {
                double fwd = r.get(k.replace("+backward", "")).medianUs();
                note += String.format(Locale.ROOT, "; backward alone ≈ %.2f µs/op", t.medianUs() - fwd);
            }
            row("a. per-op, [4] f32", k, String.format(Locale.ROOT, "%7.2f µs/op (min %.2f)", t.medianUs(),
                    t.minUs()), note);
            Map<String, Object> m = t.json(1e3, "us_per_op");
            if (k.startsWith("engine")) {
                m.put("overhead_over_nd4j_us", t.medianUs() - base);
            }
            j.put(k, m);
        }
        json.put("per_op", j);
    }

    private static boolean add(String k) {
        return k.contains("add");
    }

    /** Runs the variants round-robin (so GC and drift hit all alike); each repeat's ns / perRep. */
    private static Map<String, Timing> interleaved(Map<String, LongSupplier> variants, int warm, int reps,
                                                   double perRep) {
        return timings(interleavedNs(variants, warm, reps, perRep));
    }

    private static Map<String, double[]> interleavedNs(Map<String, LongSupplier> variants, int warm, int reps,
                                                       double perRep) {
        for (int i = 0; i < warm; i++) {
            for (LongSupplier s : variants.values()) {
                s.getAsLong();
            }
        }
        Map<String, double[]> ns = new LinkedHashMap<>();
        for (String k : variants.keySet()) {
            ns.put(k, new double[reps]);
        }
        for (int i = 0; i < reps; i++) {
            for (Map.Entry<String, LongSupplier> e : variants.entrySet()) {
                ns.get(e.getKey())[i] = e.getValue().getAsLong() / perRep;
            }
        }
        return ns;
    }

    /** The timings of each variant's repeats, the repeats of all {@code parts} together. */
    @SafeVarargs
    private static Map<String, Timing> timings(Map<String, double[]>... parts) {
        Map<String, Timing> out = new LinkedHashMap<>();
        for (String k : parts[0].keySet()) {
            double[] all = new double[0];
            for (Map<String, double[]> p : parts) {
                double[] a = p.get(k);
                int at = all.length;
                all = Arrays.copyOf(all, at + a.length);
                System.arraycopy(a, 0, all, at, a.length);
            }
            out.put(k, Timing.of(all));
        }
        return out;
    }

    // ------------------------------------------------------------------ d. sgemm

    /** Shapes of the 8 matmuls of one MLP step: {m, k, n, transA, transB}. */
    private static long[][] stepGemms(int batch) {
        return new long[][] {
            {batch, IN, H1, 0, 0}, {batch, H1, H2, 0, 0}, {batch, H2, OUT, 0, 0},   // forward
            {IN, batch, H1, 1, 0},                                                    // dW1 = xᵀg
            {batch, OUT, H2, 0, 1}, {H2, batch, OUT, 1, 0},                           // dh2, dW3
            {batch, H2, H1, 0, 1}, {H1, batch, H2, 1, 0},                             // dh1, dW2
        };
    }

    static double stepFlops(int batch) {
        double f = 0;
        for (long[] g : stepGemms(batch)) {
            f += 2.0 * g[0] * g[1] * g[2];
        }
        return f;
    }

    private Timing gemm(long m, long k, long n, boolean ta, boolean tb, int warm, int reps) {
        SplittableRandom rng = new SplittableRandom(SEED);
        INDArray a = uniform(rng, ta ? new long[] {k, m} : new long[] {m, k}, -1, 1);
        INDArray b = uniform(rng, tb ? new long[] {n, k} : new long[] {k, n}, -1, 1);
        INDArray c = Nd4j.createUninitialized(F32, m, n);
        double flops = 2.0 * m * k * n;
        int inner = (int) Math.max(1, Math.min(200, 2e8 / flops));
        return time(warm, reps, inner, () -> Nd4j.gemm(a, b, c, ta, tb, 1.0, 0.0));
    }

    private double sgemm(Map<Integer, Double> floorNs) {
        int warm = quick ? 2 : 5;
        int reps = quick ? 5 : 9;
        Map<String, Object> j = new LinkedHashMap<>();
        Timing ref = gemm(512, IN, H1, false, false, warm, reps);
        // The reference is the peak (fastest repeat): a noisy median would understate it, and the
        // "% of sgemm" of the MLP (a median) would then flatter us.
        double peak = 2.0 * 512 * IN * H1 / ref.minNs();   // GFLOP/s
        row("d. sgemm", "Nd4j.gemm [512,784]x[784,256]", String.format(Locale.ROOT,
                "%8.1f GFLOP/s peak (median %.1f)", peak, 2.0 * 512 * IN * H1 / ref.medianNs()),
                "the reference rate: fastest of the repeats");
        j.put("reference", "[512,784]x[784,256] float32, preallocated C, fastest repeat");
        j.put("gflops", peak);
        j.put("gflops_median", 2.0 * 512 * IN * H1 / ref.medianNs());
        for (int batch : new int[] {128, 512}) {
            double sum = 0;
            List<Object> shapes = new ArrayList<>();
            for (long[] g : stepGemms(batch)) {
                Timing t = gemm(g[0], g[1], g[2], g[3] == 1, g[4] == 1, warm, reps);
                sum += t.medianNs();
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("mkn", g[0] + "x" + g[1] + "x" + g[2] + (g[3] == 1 ? " (Aᵀ)" : "") + (g[4] == 1 ? " (Bᵀ)" : ""));
                s.put("us", t.medianUs());
                s.put("gflops", 2.0 * g[0] * g[1] * g[2] / t.medianNs());
                shapes.add(s);
            }
            floorNs.put(batch, sum);
            double fl = stepFlops(batch);
            row("d. sgemm", "8 step gemms, batch " + batch, String.format(Locale.ROOT, "%8.1f GFLOP/s",
                    fl / sum), String.format(Locale.ROOT, "%.2f ms/step floor = %.0f samples/s max", sum / 1e6,
                    batch / (sum / 1e9)));
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("gemms", shapes);
            s.put("floor_ms_per_step", sum / 1e6);
            s.put("flops_per_step", fl);
            s.put("gflops", fl / sum);
            j.put("step_batch_" + batch, s);
        }
        json.put("sgemm", j);
        return peak;
    }

    // ------------------------------------------------------------------ b/c. MLP

    static INDArray uniform(SplittableRandom rng, long[] shape, double lo, double hi) {
        int len = 1;
        for (long s : shape) {
            len *= (int) s;
        }
        float[] v = new float[len];
        for (int i = 0; i < len; i++) {
            v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return Nd4j.create(v, shape, 'c');
    }

    static INDArray he(SplittableRandom rng, int fanIn, int fanOut) {
        float[] v = new float[fanIn * fanOut];
        double sd = Math.sqrt(2.0 / fanIn);
        for (int i = 0; i < v.length; i++) {
            double u1 = 1.0 - rng.nextDouble();
            double u2 = rng.nextDouble();
            v[i] = (float) (sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return Nd4j.create(v, new long[] {fanIn, fanOut}, 'c');
    }

    /**
     * The engine's MLP on the production path: {@link Model#build} of {@code ModelSpec.mlp(784,
     * [256, 128], 10, "relu")} (He-initialised weights, zero biases, all views into one flat
     * buffer), {@link Objective#accumulateGradient} with {@link SoftmaxCrossEntropyLoss} (forward,
     * loss, backward seeded with n, so n·∇(mean loss) lands in the flat gradient buffer), then plain
     * SGD on the flat buffers: θ −= (lr/n)·g in one BLAS axpy, and {@code zeroGrad()}.
     */
    static final class EngineMlp {
        final Model model;
        final Objective objective;
        final Parameters parameters;
        final Tensor w1, b1, w2, b2, w3, b3;   // views into the flat buffer, layer order
        final Tensor[] params;
        final INDArray x;
        final int[] labels;
        final Targets targets;

        EngineMlp(int batch) {
            model = Model.build(ModelSpec.mlp(IN, new int[] {H1, H2}, OUT, "relu"), F32, SEED);
            objective = new Objective(model, new SoftmaxCrossEntropyLoss(), null);
            parameters = model.parameters();
            List<Parameters.Entry> en = parameters.entries();   // weight, bias of each linear layer
            params = new Tensor[en.size()];
            for (int i = 0; i < params.length; i++) {
                params[i] = en.get(i).tensor();
            }
            w1 = params[0]; b1 = params[1]; w2 = params[2]; b2 = params[3]; w3 = params[4]; b3 = params[5];
            SplittableRandom data = new SplittableRandom(SEED + batch);
            x = uniform(data, new long[] {batch, IN}, 0, 1);
            labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = data.nextInt(OUT);
            }
            targets = Targets.labels(labels);
        }

        /** One training step; the batch's mean loss before it. */
        double step() {
            // no dropout in this model: the training mode's seed draws nothing
            double lossSum = objective.accumulateGradient(x, targets, Mode.train(SEED));
            sgd();
            return lossSum / labels.length;
        }

        /** θ −= (lr/n)·g over the flat buffers (g holds n·∇ mean loss), then g = 0. */
        void sgd() {
            Nd4j.getBlasWrapper().level1().axpy(parameters.size(), -LR / labels.length, parameters.grads(),
                    parameters.values());
            parameters.zeroGrad();
        }

        double meanLoss() {
            return objective.evaluate(x, targets).meanLoss();
        }

        INDArray onehot() {
            INDArray y = Nd4j.zeros(F32, labels.length, OUT);
            for (int i = 0; i < labels.length; i++) {
                y.putScalar(i, labels[i], 1.0);
            }
            return y;
        }
    }

    private MultiLayerNetwork dl4j(EngineMlp same) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(SEED)
                .dataType(F32)
                .updater(new Sgd(LR))
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(H1).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(H1).nOut(H2).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(H2).nOut(OUT)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        // the engine's starting point (setParam assigns by logical index: our 'c' [in, out] weights
        // land right in DL4J's 'f' views; DL4J's biases are [1, out])
        Tensor[] p = same.params;
        for (int l = 0; l < 3; l++) {
            net.setParam(l + "_W", p[2 * l].value());
            net.setParam(l + "_b", p[2 * l + 1].value().reshape(1, p[2 * l + 1].length()));
        }
        return net;
    }

    private void mlp(int batch, double peakGflops, double gemmFloorNs) {
        int warm = quick ? 5 : 15;
        int reps = quick ? 5 : 11;
        double repSeconds = quick ? 0.2 : 0.4;
        double flops = stepFlops(batch);
        Map<String, Object> j = new LinkedHashMap<>();

        // engine
        EngineMlp e = new EngineMlp(batch);
        MultiLayerNetwork net = dl4j(e);
        DataSet ds = new DataSet(e.x, e.onehot());
        double engineLoss0 = e.meanLoss();
        double dl4jLoss0 = net.score(ds);
        double first = e.step();
        for (int i = 0; i < warm; i++) {
            e.step();
            net.fit(ds);
        }
        int steps = stepsPerRep(() -> (long) e.step(), repSeconds);
        int dsteps = stepsPerRep(() -> { net.fit(ds); return 0L; }, repSeconds);
        Map<String, LongSupplier> v = new LinkedHashMap<>();
        v.put("engine", () -> {
            long s = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                e.step();
            }
            return (System.nanoTime() - s) / steps;
        });
        v.put("dl4j", () -> {
            long s = System.nanoTime();
            for (int i = 0; i < dsteps; i++) {
                net.fit(ds);
            }
            return (System.nanoTime() - s) / dsteps;
        });
        // the step's own 8 gemms on preallocated arrays, timed between the two steps: on this noisy
        // machine only rates measured side by side can be compared
        List<INDArray[]> gemms = new ArrayList<>();
        SplittableRandom grng = new SplittableRandom(SEED);
        for (long[] g : stepGemms(batch)) {
            gemms.add(new INDArray[] {
                uniform(grng, g[3] == 1 ? new long[] {g[1], g[0]} : new long[] {g[0], g[1]}, -1, 1),
                uniform(grng, g[4] == 1 ? new long[] {g[2], g[1]} : new long[] {g[1], g[2]}, -1, 1),
                Nd4j.createUninitialized(F32, g[0], g[2])});
        }
        long[][] gemmShapes = stepGemms(batch);
        v.put("gemms", () -> {
            long s = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                for (int k = 0; k < gemms.size(); k++) {
                    INDArray[] o = gemms.get(k);
                    Nd4j.gemm(o[0], o[1], o[2], gemmShapes[k][3] == 1, gemmShapes[k][4] == 1, 1.0, 0.0);
                }
            }
            return (System.nanoTime() - s) / steps;
        });
        // PyTorch (a separate process) runs between the two halves of the engine/DL4J repeats
        Map<String, double[]> before = interleavedNs(v, 0, (reps + 1) / 2, 1);
        Map<String, Object> torch = torch(batch);
        Map<String, Timing> r = timings(before, interleavedNs(v, 1, reps / 2, 1));   // one warm round again
        Timing te = r.get("engine");
        Timing td = r.get("dl4j");
        double sideBySideGemmNs = r.get("gemms").medianNs();
        double last = e.step();

        for (Object[] o : new Object[][] {{"engine", te, "b. MLP"}, {"dl4j", td, "c. DL4J"}}) {
            Timing t = (Timing) o[1];
            double sps = batch / (t.medianNs() / 1e9);
            double gf = flops / t.medianNs();
            row((String) o[2] + " batch " + batch, o[0].equals("engine")
                            ? "engine step: Objective.accumulateGradient + flat SGD" : "MultiLayerNetwork.fit(DataSet)",
                    String.format(Locale.ROOT, "%8.0f samples/s (best %.0f)", sps, batch / (t.minNs() / 1e9)),
                    String.format(Locale.ROOT, "%.2f ms/step, %.1f GFLOP/s = %.0f%% of the sgemm peak, %.0f%% of"
                                    + " the same gemms timed alongside",
                            t.medianNs() / 1e6, gf, 100 * gf / peakGflops, 100 * sideBySideGemmNs / t.medianNs()));
            Map<String, Object> m = t.json(1e6, "ms_per_step");
            m.put("samples_per_s", sps);
            m.put("samples_per_s_best", batch / (t.minNs() / 1e9));
            m.put("steps_per_repeat", o[0].equals("engine") ? steps : dsteps);
            m.put("gflops", gf);
            m.put("fraction_of_sgemm", gf / peakGflops);
            m.put("gemm_floor_fraction_of_step", gemmFloorNs / t.medianNs());
            m.put("fraction_of_side_by_side_gemms", sideBySideGemmNs / t.medianNs());
            j.put((String) o[0], m);
        }
        double ratio = td.medianNs() / te.medianNs();
        row("c. DL4J batch " + batch, "engine / DL4J throughput", String.format(Locale.ROOT, "%8.2fx", ratio),
                String.format(Locale.ROOT, "initial loss engine %.5f vs DL4J %.5f; engine loss %.4f -> %.4f",
                        engineLoss0, dl4jLoss0, first, last));
        j.put("engine_over_dl4j_throughput", ratio);
        j.put("initial_loss_engine", engineLoss0);
        j.put("initial_loss_dl4j", dl4jLoss0);
        j.put("engine_loss_first_step", first);
        j.put("engine_loss_last_step", last);
        j.put("flops_per_step", flops);
        torchRows(batch, te, torch);
        j.put("pytorch", torch);
        json.put("mlp_batch_" + batch, j);
    }

    /**
     * The PyTorch peer at this batch, as installed (system BLAS) and with ND4J's own OpenBLAS
     * preloaded: label → the script's JSON, or {"error": why}.
     */
    private Map<String, Object> torch(int batch) {
        Map<String, Object> runs = new LinkedHashMap<>();
        if (torchPeer == null || !torchPeer.available()) {
            return runs;
        }
        for (boolean nd4jBlas : new boolean[] {false, true}) {
            String label = nd4jBlas ? "nd4j_openblas" : "system_blas";
            if (nd4jBlas && torchPeer.openBlas() == null) {
                runs.put(label, Map.of("error", "no libopenblas found in this JVM's /proc/self/maps"));
                continue;
            }
            try {
                runs.put(label, torchPeer.run(batch, quick, nd4jBlas));
            } catch (IOException | RuntimeException ex) {
                runs.put(label, Map.of("error", String.valueOf(ex.getMessage())));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                runs.put(label, Map.of("error", "interrupted"));
            }
        }
        return runs;
    }

    @SuppressWarnings("unchecked")
    private void torchRows(int batch, Timing engine, Map<String, Object> runs) {
        String section = "e. PyTorch batch " + batch;
        if (torchPeer == null) {
            row(section, "not run", "-", "--no-torch");
            return;
        }
        if (!torchPeer.available()) {
            row(section, "not run", "-", torchPeer.whyUnavailable());
            return;
        }
        for (Map.Entry<String, Object> e : runs.entrySet()) {
            Map<String, Object> run = (Map<String, Object>) e.getValue();
            String blas = e.getKey().equals("system_blas") ? "system libblas" : "ND4J's OpenBLAS preloaded";
            if (run.containsKey("error")) {
                row(section, "torch step, " + blas, "failed", String.valueOf(run.get("error")));
                continue;
            }
            Map<String, Object> t = TorchPeer.result(run);
            double ms = ((Number) t.get("median_ms_per_step")).doubleValue();
            double best = ((Number) t.get("min_ms_per_step")).doubleValue();
            double ratio = ms * 1e6 / engine.medianNs();
            row(section, "torch " + run.get("torch") + " step, " + blas, String.format(Locale.ROOT,
                    "%8.0f samples/s (best %.0f)", batch / (ms / 1e3), batch / (best / 1e3)),
                    String.format(Locale.ROOT, "%.2f ms/step; its sgemm %.1f GFLOP/s; loss %.4f -> %.4f",
                            ms, ((Number) run.get("sgemm_gflops_peak")).doubleValue(),
                            ((Number) t.get("loss_first_step")).doubleValue(),
                            ((Number) t.get("loss_last_step")).doubleValue()));
            row(section, "engine / PyTorch (" + blas + ")", String.format(Locale.ROOT, "%8.2fx", ratio),
                    "engine median vs torch median; torch in a separate process, between the engine's repeats");
            run.put("engine_over_pytorch_throughput", ratio);
        }
    }

    private static int stepsPerRep(LongSupplier step, double seconds) {
        long s = System.nanoTime();
        int n = 0;
        while (System.nanoTime() - s < 0.1e9 || n < 2) {
            step.getAsLong();
            n++;
        }
        double per = (System.nanoTime() - s) / (double) n;
        return (int) Math.max(2, Math.round(seconds * 1e9 / per));
    }


    // ------------------------------------------------------------------ output

    private void printTable() {
        int[] w = new int[4];
        for (String[] r : table) {
            for (int i = 0; i < 3; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        String fmt = "%-" + w[0] + "s | %-" + w[1] + "s | %-" + w[2] + "s | %s%n";
        String last = null;
        for (String[] r : table) {
            if (last != null && !last.equals(r[0])) {
                System.out.println("-".repeat(w[0] + w[1] + w[2] + 40));
            }
            System.out.printf(Locale.ROOT, fmt, r[0].equals(last) ? "" : r[0], r[1], r[2], r[3]);
            last = r[0];
        }
    }

    // ------------------------------------------------------------------ profile

    private void profile(int batch) {
        int warm = 15;
        int steps = batch <= 128 ? 60 : 25;
        System.out.printf(Locale.ROOT, "%n==== profile: engine MLP step, batch %d (median over %d steps) ====%n"
                + "(the ops Model.forward, SoftmaxCrossEntropyLoss and Objective run, written out one by one to time"
                + " them; backward seeded with n; SGD and zeroGrad on the flat buffers)%n", batch, steps);
        Map<String, Object> j = new LinkedHashMap<>();
        EngineMlp e = new EngineMlp(batch);
        for (int i = 0; i < warm; i++) {
            e.step();
        }

        // phases and forward ops
        String[] fwdNames = {"linear1 (784->256)", "relu1", "linear2 (256->128)", "relu2", "linear3 (128->10)",
            "softmaxCrossEntropy"};
        String[] phaseNames = {"forward (recorded)", "backward", "sgd update (flat axpy)", "zeroGrad (flat)"};
        double[][] fwd = new double[fwdNames.length][steps];
        double[][] phase = new double[phaseNames.length][steps];
        Map<String, double[]> bwd = new LinkedHashMap<>();
        // NOTE: no hooks on the parameters: a hooked weight's gradient goes through the engine's
        // general path (a separate array, then .grad += it) instead of being added into the flat
        // .grad by the linear's backward itself, so hooking them would time a step that training
        // does not run. Each "linearN backward" row includes its dW and db accumulation.
        List<Object[]> marks = new ArrayList<>();
        Tensor x = Tensor.of(e.x);
        Tensor seed = Tensor.scalar(F32, batch);
        for (int s = 0; s < steps; s++) {
            marks.clear();
            long t0 = System.nanoTime();
            Tensor z1 = Tensor.linear(x, e.w1, e.b1);
            long t1 = System.nanoTime();
            Tensor h1 = z1.relu();
            long t2 = System.nanoTime();
            Tensor z2 = Tensor.linear(h1, e.w2, e.b2);
            long t3 = System.nanoTime();
            Tensor h2 = z2.relu();
            long t4 = System.nanoTime();
            Tensor z3 = Tensor.linear(h2, e.w3, e.b3);
            long t5 = System.nanoTime();
            Tensor loss = Tensor.softmaxCrossEntropy(z3, e.labels);
            long t6 = System.nanoTime();
            long[] ts = {t0, t1, t2, t3, t4, t5, t6};
            for (int k = 0; k < fwdNames.length; k++) {
                fwd[k][s] = ts[k + 1] - ts[k];
            }
            Object[][] hooked = {{loss, "softmaxCE backward"}, {z3, "linear3 backward (dx, dW, db)"},
                {h2, "relu2 backward"}, {z2, "linear2 backward (dx, dW, db)"}, {h1, "relu1 backward"},
                {z1, "linear1 backward (dW, db; no dx)"}};
            for (Object[] h : hooked) {
                String name = (String) h[1];
                ((Tensor) h[0]).registerHook(g -> { marks.add(new Object[] {name, System.nanoTime()}); return null; });
            }
            long b0 = System.nanoTime();
            loss.backward(seed);
            long b1 = System.nanoTime();
            Nd4j.getBlasWrapper().level1().axpy(e.parameters.size(), -LR / batch, e.parameters.grads(),
                    e.parameters.values());
            long b2 = System.nanoTime();
            e.parameters.zeroGrad();
            long b3 = System.nanoTime();
            phase[0][s] = t6 - t0;
            phase[1][s] = b1 - b0;
            phase[2][s] = b2 - b1;
            phase[3][s] = b3 - b2;
            // attribute the time between consecutive hook marks to the node whose hook opened it
            bwd.computeIfAbsent("engine setup (topo sort, seed)", k -> new double[steps])[s] =
                    (long) marks.get(0)[1] - b0;
            for (int k = 0; k < marks.size(); k++) {
                long end = k + 1 < marks.size() ? (long) marks.get(k + 1)[1] : b1;
                bwd.computeIfAbsent((String) marks.get(k)[0], key -> new double[steps])[s] = end - (long) marks.get(k)[1];
            }
        }
        double total = 0;
        for (double[] p : phase) {
            total += Timing.of(p).medianNs();
        }
        System.out.printf(Locale.ROOT, "%-34s %9s %7s%n", "phase / op", "median µs", "% step");
        Map<String, Object> jp = new LinkedHashMap<>();
        for (int k = 0; k < phaseNames.length; k++) {
            double m = Timing.of(phase[k]).medianNs();
            System.out.printf(Locale.ROOT, "%-34s %9.0f %6.1f%%%n", phaseNames[k], m / 1e3, 100 * m / total);
            jp.put(phaseNames[k], m / 1e3);
            if (k == 0) {
                for (int f = 0; f < fwdNames.length; f++) {
                    double mf = Timing.of(fwd[f]).medianNs();
                    System.out.printf(Locale.ROOT, "  %-32s %9.0f %6.1f%%%n", fwdNames[f], mf / 1e3, 100 * mf / total);
                    jp.put("forward: " + fwdNames[f], mf / 1e3);
                }
            } else if (k == 1) {
                for (Map.Entry<String, double[]> b : bwd.entrySet()) {
                    double mb = Timing.of(b.getValue()).medianNs();
                    System.out.printf(Locale.ROOT, "  %-32s %9.0f %6.1f%%%n", b.getKey(), mb / 1e3, 100 * mb / total);
                    jp.put("backward: " + b.getKey(), mb / 1e3);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-34s %9.0f%n", "sum of phase medians", total / 1e3);
        j.put("phases_us", jp);
        j.put("alternatives_us", alternatives(e, batch));
        json.put("profile_batch_" + batch, j);
    }

    private static LongSupplier loop(int inner, Runnable r) {
        return () -> {
            long t = System.nanoTime();
            for (int i = 0; i < inner; i++) {
                r.run();
            }
            return System.nanoTime() - t;
        };
    }

    /** Raw-ND4J costs of what the engine does at this batch's shapes, next to cheaper ways to do it. */
    private Map<String, Object> alternatives(EngineMlp e, int batch) {
        int warm = 5;
        int reps = 21;
        int inner = batch <= 128 ? 10 : 4;
        SplittableRandom rng = new SplittableRandom(SEED + 7);
        INDArray x = e.x;
        INDArray w1 = e.w1.value();
        INDArray w2 = e.w2.value();
        INDArray b1 = e.b1.value();
        INDArray a1 = Transforms.relu(uniform(rng, new long[] {batch, H1}, -1, 1), false);  // relu output
        INDArray g1 = uniform(rng, new long[] {batch, H1}, -1, 1);                         // its gradient
        INDArray g2 = uniform(rng, new long[] {batch, H2}, -1, 1);
        INDArray y1 = Nd4j.createUninitialized(F32, batch, H1);
        INDArray gx = Nd4j.createUninitialized(F32, batch, H1);
        INDArray gw = Nd4j.gemm(a1, g2, true, false);   // dW as Nd4j.gemm returns it: 'f'-ordered
        INDArray acc = Nd4j.zeros(F32, H1, H2);
        INDArray mask = Nd4j.createUninitialized(F32, batch, H1);
        INDArray gTmp = g1.dup();
        INDArray ones = Nd4j.ones(F32, 1, batch);
        INDArray db = Nd4j.createUninitialized(F32, 1, H1);
        INDArray wTmp = w2.dup();
        INDArray gradW = acc.dup();
        INDArray flatW = e.parameters.values().dup();
        INDArray flatG = e.parameters.grads().dup();
        INDArray logits = uniform(rng, new long[] {batch, OUT}, -1, 1);
        int[] labels = e.labels;

        Map<String, LongSupplier> v = new LinkedHashMap<>();
        INDArray accView = e.parameters.grads().dup()   // a C-ordered view at an offset, like W2's .grad
                .get(NDArrayIndex.interval(IN * H1 + H1, IN * H1 + H1 + H1 * H2)).reshape('c', H1, H2);
        v.put("linear fwd now: Nd.gemm(x, W1) ('c' out) + Nd.addBias(b1)", loop(inner,
                () -> Nd.addBias(Nd.gemm(x, false, w1, false), b1)));
        v.put("  was: Nd.gemm(x, W1) ('c' out) + addiRowVector(b1)", loop(inner,
                () -> Nd.gemm(x, false, w1, false).addiRowVector(b1)));
        v.put("  gemm alone (preallocated output)", loop(inner, () -> Nd4j.gemm(x, w1, y1, false, false, 1.0, 0.0)));
        v.put("bias add now: Nd.addBias(y, b1) [B,256] (HostBlas: ger y += 1·bᵀ)", loop(inner, () -> Nd.addBias(y1, b1)));
        v.put("  was: y.addiRowVector(b1)", loop(inner, () -> y1.addiRowVector(b1)));
        v.put("linear2 bwd dx now: Nd.gemm(g, W2, transB) ('c' out)", loop(inner, () -> Nd.gemm(g2, false, w2, true)));
        v.put("  was: Nd4j.gemm(g, W2, transB=true) ('f' out)", loop(inner, () -> Nd4j.gemm(g2, w2, false, true)));
        v.put("  alt: Nd4j.gemm(g, W2, transB=true) preallocated", loop(inner,
                () -> Nd4j.gemm(g2, w2, gx, false, true, 1.0, 0.0)));
        v.put("linear2 bwd dW now: Nd.gemm(a, g, transA) into .grad view, beta=1", loop(inner,
                () -> Nd.gemm(a1, true, g2, false, accView, 1.0)));
        v.put("  was: Nd4j.gemm(a, g, transA) ('f') + .grad.addi(dW)", loop(inner,
                () -> accView.addi(Nd4j.gemm(a1, g2, true, false))));
        v.put("  of which .grad.addi(dW 'f')", loop(inner, () -> accView.addi(gw)));
        v.put("  alt: Nd4j.gemm into preallocated 'f', beta=1", loop(inner,
                () -> Nd4j.gemm(a1, g2, acc, true, false, 1.0, 1.0)));
        INDArray dbView = accView.reshape(-1).get(NDArrayIndex.interval(0, H1)).reshape(1, H1);
        v.put("linear bwd db now: Nd.gemm(cached onesColumn[B,1]ᵀ, g) into .grad view, beta=1 (HostBlas: gemv)", loop(inner,
                () -> Nd.gemm(Nd.onesColumn(F32, batch), true, g1, false, dbView, 1.0)));
        v.put("  was: Nd.gemm(new ones[1,B], g) into .grad view, beta=1", loop(inner,
                () -> Nd.gemm(Nd4j.ones(F32, 1, batch), false, g1, false, dbView, 1.0)));
        v.put("  was: g.sum(0) [B,256] + .grad.addi", loop(inner, () -> dbView.addi(g1.sum(false, 0).reshape(1, H1))));
        v.put("  alt: gemm(ones[1,B], g) preallocated", loop(inner, () -> Nd4j.gemm(ones, g1, db, false, false, 1.0, 0.0)));
        v.put("relu fwd now: Nd.relu(a) into new (HostOps: the legacy kernel called directly)", loop(inner, () -> Nd.relu(g1)));
        v.put("  was: Transforms.relu(a, true)", loop(inner, () -> org.nd4j.linalg.ops.transforms.Transforms.relu(g1, true)));
        v.put("relu bwd now: Nd.reluBackward(a, g) into new (HostOps: step + multiply kernels direct)", loop(inner,
                () -> Nd.reluBackward(a1, g1)));
        v.put("  was: positiveMask(a) [step] into new + muli(g)", loop(inner, () -> Nd.positiveMask(a1).muli(g1)));
        v.put("  alt: fused relu_bp op into new (measured slower)", loop(inner,
                () -> Nd4j.exec(new RectifiedLinearDerivative(a1, g1, Nd4j.createUninitialized(F32, batch, H1)))));
        v.put("  alt: step into preallocated mask + muli", loop(inner,
                () -> gTmp.muli(Nd4j.exec(new Step(a1, mask)))));
        v.put("zeroGrad now: memset of the flat grads, all parameters", loop(inner,
                () -> Nd4j.getMemoryManager().memset(flatG)));
        v.put("  was: flat grads.assign(0)", loop(inner, () -> flatG.assign(0)));
        v.put("sgd now: one axpy(-lr/n, g, θ) on the flat buffers", loop(inner,
                () -> Nd4j.getBlasWrapper().level1().axpy(flatG.length(), -1e-9, flatG, flatW)));
        v.put("  for scale: W2 alone, axpy(-lr, g, W)", loop(inner,
                () -> Nd4j.getBlasWrapper().level1().axpy(gradW.length(), -1e-9, gradW, wTmp)));
        v.put("sce now: engine fwd+bwd of softmaxCrossEntropy alone (one Java pass over a host copy)", loop(inner, () -> {
            Tensor z = Tensor.of(logits).requiresGrad(true);
            Tensor.softmaxCrossEntropy(z, labels).backward();
        }));
        v.put("  was: zeros + B putScalar (onehot)", loop(inner, () -> {
            INDArray oh = Nd4j.zeros(F32, batch, OUT);
            for (int i = 0; i < labels.length; i++) {
                oh.putScalar(i, labels[i], 1.0);
            }
        }));
        v.put("  alt: fused loss+dlogits in plain Java over float[]", loop(inner, () -> javaSoftmaxCe(logits, labels)));
        v.put("alloc: createUninitialized [B,256]", loop(inner, () -> Nd4j.createUninitialized(F32, batch, H1)));
        v.put("alloc: zeros [B,256]", loop(inner, () -> Nd4j.zeros(F32, batch, H1)));
        INDArray tiny = Nd4j.ones(F32, 4);
        v.put("nd4j per-op floor: tiny addi [4]", loop(inner, () -> tiny.addi(1e-9)));
        INDArray tinyOut = Nd4j.ones(F32, 4);
        v.put("direct legacy kernel floor: HostOps.relu [4] into preallocated", loop(inner, () -> HostOps.relu(tiny, tinyOut)));
        Map<String, Timing> r = interleaved(v, warm, reps, inner);

        System.out.printf(Locale.ROOT, "%n-- raw ND4J at batch %d shapes (interleaved, median µs per call):"
                + " what the engine does now vs alternatives --%n", batch);
        Map<String, Object> j = new LinkedHashMap<>();
        for (Map.Entry<String, Timing> t : r.entrySet()) {
            System.out.printf(Locale.ROOT, "%-60s %9.1f µs (min %.1f)%n", t.getKey(), t.getValue().medianUs(),
                    t.getValue().minUs());
            j.put(t.getKey().trim(), t.getValue().medianUs());
        }
        INDArray mm = x.mmul(w1);
        System.out.printf(Locale.ROOT, "   (x.mmul(W) with 'c' inputs gemms into a zeroed 'f' temp and assign()s it to the"
                + " 'c' result: order %c)%n", mm.ordering());
        j.put("ceiling_and_freeing", ceiling(batch));
        return j;
    }

    static volatile double sink;

    /** Mean softmax cross-entropy and its gradient (softmax − onehot)/n in one pass over a float[]. */
    static INDArray javaSoftmaxCe(INDArray logits, int[] labels) {
        int n = (int) logits.size(0);
        int k = (int) logits.size(1);
        float[] z = logits.dup('c').data().asFloat();
        float[] d = new float[n * k];
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int o = i * k;
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) {
                m = Math.max(m, z[o + j]);
            }
            double s = 0;
            for (int j = 0; j < k; j++) {
                double ex = Math.exp(z[o + j] - m);
                d[o + j] = (float) ex;
                s += ex;
            }
            loss += Math.log(s) + m - z[o + labels[i]];
            for (int j = 0; j < k; j++) {
                d[o + j] = (float) (d[o + j] / s / n);
            }
            d[o + labels[i]] -= 1f / n;
        }
        sink = loss;
        return Nd4j.create(d, new long[] {n, k}, 'c');
    }

    /**
     * Two what-ifs at this batch: (1) the engine step, closing afterwards every array the step can
     * reach (activations and the gradients flowing along graph edges, seen through hooks) instead of
     * leaving them to the GC; (2) a hand-written raw-ND4J step of the same math with gemm transpose
     * flags, preallocated buffers, relu mask in place and axpy: what ND4J allows on this machine.
     */
    private Map<String, Object> ceiling(int batch) {
        int reps = 9;
        double repSeconds = 0.3;
        EngineMlp plain = new EngineMlp(batch);
        EngineMlp closing = new EngineMlp(batch);
        List<INDArray> flowing = new ArrayList<>();
        for (Tensor p : closing.params) {
            p.registerHook(g -> { flowing.add(g.value()); return null; });
        }
        int[] closedPerStep = {0};
        LongSupplier closingStep = () -> {
            EngineMlp e = closing;
            Tensor z1 = Tensor.linear(Tensor.of(e.x), e.w1, e.b1);
            Tensor h1 = z1.relu();
            Tensor z2 = Tensor.linear(h1, e.w2, e.b2);
            Tensor h2 = z2.relu();
            Tensor z3 = Tensor.linear(h2, e.w3, e.b3);
            Tensor loss = Tensor.softmaxCrossEntropy(z3, e.labels);
            Tensor[] acts = {z1, h1, z2, h2, z3, loss};
            for (int i = 0; i < 5; i++) {
                acts[i].registerHook(g -> { flowing.add(g.value()); return null; });
            }
            loss.backward(Tensor.scalar(F32, batch));
            e.sgd();
            int c = 0;
            for (Tensor t : acts) {
                c += close(t.value());
            }
            for (INDArray g : flowing) {
                c += close(g);
            }
            flowing.clear();
            closedPerStep[0] = c;
            return 0L;
        };
        HandMlp hand = new HandMlp(batch);
        // same math: losses of the first steps agree
        double[] le = new double[3];
        double[] lh = new double[3];
        EngineMlp check = new EngineMlp(batch);
        for (int i = 0; i < 3; i++) {
            le[i] = check.step();
            lh[i] = hand.step();
        }
        for (int i = 0; i < 10; i++) {
            plain.step();
            closingStep.getAsLong();
            hand.step();
        }
        int sp = stepsPerRep(() -> (long) plain.step(), repSeconds);
        int sc = stepsPerRep(closingStep, repSeconds);
        int sh = stepsPerRep(() -> (long) hand.step(), repSeconds);
        Map<String, LongSupplier> v = new LinkedHashMap<>();
        v.put("engine step as benchmarked", loop(sp, () -> plain.step()));
        v.put("engine step + close() reachable arrays", loop(sc, () -> closingStep.getAsLong()));
        v.put("hand-written ND4J step (gemm flags, no alloc)", loop(sh, () -> hand.step()));
        Map<String, Timing> r = new LinkedHashMap<>();
        Map<String, double[]> ns = new LinkedHashMap<>();
        int[] per = {sp, sc, sh};
        for (String k : v.keySet()) {
            ns.put(k, new double[reps]);
        }
        for (int i = 0; i < reps; i++) {
            int q = 0;
            for (Map.Entry<String, LongSupplier> e : v.entrySet()) {
                ns.get(e.getKey())[i] = e.getValue().getAsLong() / (double) per[q++];
            }
        }
        System.out.printf(Locale.ROOT, "%n-- what-ifs at batch %d (interleaved repeats; mean includes GC and page"
                + " faults) --%n", batch);
        Map<String, Object> j = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : ns.entrySet()) {
            Timing t = Timing.of(e.getValue());
            r.put(e.getKey(), t);
            System.out.printf(Locale.ROOT, "%-48s median %6.2f ms  mean %6.2f ms  min %6.2f ms  = %6.0f samples/s%n",
                    e.getKey(), t.medianNs() / 1e6, t.meanNs() / 1e6, t.minNs() / 1e6, batch / (t.medianNs() / 1e9));
            j.put(e.getKey(), t.json(1e6, "ms_per_step"));
        }
        System.out.printf(Locale.ROOT, "   arrays closed per step: %d; first losses engine %s vs hand-written %s%n",
                closedPerStep[0], Arrays.toString(round(le)), Arrays.toString(round(lh)));
        j.put("closed_per_step", closedPerStep[0]);
        j.put("first_losses_engine", Arrays.toString(round(le)));
        j.put("first_losses_hand", Arrays.toString(round(lh)));
        return j;
    }

    private static double[] round(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = Math.round(v[i] * 1e5) / 1e5;
        }
        return r;
    }

    private static int close(INDArray a) {
        if (a != null && a.closeable()) {
            a.close();
            return 1;
        }
        return 0;
    }

    /** The MLP step written by hand on raw ND4J, buffers preallocated (a speed ceiling, no autodiff). */
    static final class HandMlp {
        final INDArray w1, b1, w2, b2, w3, b3, x;
        final int[] labels;
        final INDArray z1, z2, z3, m1, m2, d2, d1, gw1, gw2, gw3, gb1, gb2, gb3, ones;
        final int n;

        HandMlp(int batch) {
            EngineMlp e = new EngineMlp(batch);   // same initial values and data
            n = batch;
            w1 = e.w1.value().dup('c'); w2 = e.w2.value().dup('c'); w3 = e.w3.value().dup('c');
            b1 = e.b1.value().reshape(1, H1).dup(); b2 = e.b2.value().reshape(1, H2).dup();
            b3 = e.b3.value().reshape(1, OUT).dup();
            x = e.x;
            labels = e.labels;
            z1 = Nd4j.createUninitialized(F32, batch, H1);
            z2 = Nd4j.createUninitialized(F32, batch, H2);
            z3 = Nd4j.createUninitialized(F32, batch, OUT);
            m1 = Nd4j.createUninitialized(F32, batch, H1);
            m2 = Nd4j.createUninitialized(F32, batch, H2);
            d2 = Nd4j.createUninitialized(F32, batch, H2);
            d1 = Nd4j.createUninitialized(F32, batch, H1);
            gw1 = Nd4j.createUninitialized(F32, IN, H1);
            gw2 = Nd4j.createUninitialized(F32, H1, H2);
            gw3 = Nd4j.createUninitialized(F32, H2, OUT);
            gb1 = Nd4j.createUninitialized(F32, 1, H1);
            gb2 = Nd4j.createUninitialized(F32, 1, H2);
            gb3 = Nd4j.createUninitialized(F32, 1, OUT);
            ones = Nd4j.ones(F32, 1, batch);
        }

        double step() {
            Nd4j.gemm(x, w1, z1, false, false, 1.0, 0.0).addiRowVector(b1);
            Transforms.relu(z1, false);
            Nd4j.gemm(z1, w2, z2, false, false, 1.0, 0.0).addiRowVector(b2);
            Transforms.relu(z2, false);
            Nd4j.gemm(z2, w3, z3, false, false, 1.0, 0.0).addiRowVector(b3);
            // loss and dlogits in one Java pass (classes are few)
            float[] z = z3.data().asFloat();
            float[] d = new float[z.length];
            double loss = 0;
            for (int i = 0; i < n; i++) {
                int o = i * OUT;
                float m = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < OUT; j++) {
                    m = Math.max(m, z[o + j]);
                }
                double s = 0;
                for (int j = 0; j < OUT; j++) {
                    double ex = Math.exp(z[o + j] - m);
                    d[o + j] = (float) ex;
                    s += ex;
                }
                loss += Math.log(s) + m - z[o + labels[i]];
                for (int j = 0; j < OUT; j++) {
                    d[o + j] = (float) (d[o + j] / s / n);
                }
                d[o + labels[i]] -= 1f / n;
            }
            INDArray d3 = Nd4j.create(d, new long[] {n, OUT}, 'c');
            // backward: layer 3
            Nd4j.gemm(z2, d3, gw3, true, false, 1.0, 0.0);
            Nd4j.gemm(ones, d3, gb3, false, false, 1.0, 0.0);
            Nd4j.gemm(d3, w3, d2, false, true, 1.0, 0.0);
            d2.muli(Nd4j.exec(new Step(z2, m2)));
            // layer 2
            Nd4j.gemm(z1, d2, gw2, true, false, 1.0, 0.0);
            Nd4j.gemm(ones, d2, gb2, false, false, 1.0, 0.0);
            Nd4j.gemm(d2, w2, d1, false, true, 1.0, 0.0);
            d1.muli(Nd4j.exec(new Step(z1, m1)));
            // layer 1 (no dx)
            Nd4j.gemm(x, d1, gw1, true, false, 1.0, 0.0);
            Nd4j.gemm(ones, d1, gb1, false, false, 1.0, 0.0);
            d3.close();
            // SGD
            INDArray[][] pg = {{w1, gw1}, {b1, gb1}, {w2, gw2}, {b2, gb2}, {w3, gw3}, {b3, gb3}};
            for (INDArray[] q : pg) {
                Nd4j.getBlasWrapper().level1().axpy(q[1].length(), -LR, q[1], q[0]);
            }
            return loss / n;
        }
    }
}
