package io.treegrad.bench;

import io.treegrad.autodiff.Nd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Diagnostic (not part of CI): the MLP's 8 step gemms at one batch size, each timed interleaved
 * through (a) Nd.gemm as the engine calls it, (a0) libnd4j's Mmul op the way Nd.gemm called it
 * before, (b) Mmul with other layouts, (c) OpenBLAS's cblas_sgemm called directly through JavaCPP,
 * with our layout and with PyTorch's. Its PyTorch counterpart is worker/src/test/python/bench_torch_gemm.py.
 *
 * With OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1, on the classpath jobs/bench-engine builds
 * (worker/target/test-classes:worker/target/classes:$(cat worker/target/bench.classpath)):
 *
 *   java -cp ... [-Donly=REGEX] io.treegrad.bench.GemmLayoutBench [batch] [rounds]
 */
public final class GemmLayoutBench {
    private static final int ROW = openblas.CblasRowMajor;
    private static final int NT = openblas.CblasNoTrans;
    private static final int T = openblas.CblasTrans;

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Nd4j.getRandom().setSeed(1);
        printMappedBlas("before");
        int[][] layers = {{784, 256}, {256, 128}, {128, 10}};
        Map<String, Runnable> cases = new LinkedHashMap<>();
        Map<String, Double> flops = new LinkedHashMap<>();
        for (int[] l : layers) {
            int k = l[0];
            int n = l[1];
            int b = batch;
            INDArray x = Nd4j.rand(DataType.FLOAT, b, k);
            INDArray w = Nd4j.rand(DataType.FLOAT, k, n);          // ours: [in, out]
            INDArray wt = w.transpose().dup('c');                   // torch: [out, in]
            INDArray g = Nd4j.rand(DataType.FLOAT, b, n);
            INDArray y = Nd4j.create(DataType.FLOAT, new long[] {b, n}, 'c');
            INDArray yf = Nd4j.create(DataType.FLOAT, new long[] {b, n}, 'f');
            INDArray dx = Nd4j.create(DataType.FLOAT, new long[] {b, k}, 'c');
            INDArray dw = Nd4j.create(DataType.FLOAT, new long[] {k, n}, 'c');
            INDArray dwt = Nd4j.create(DataType.FLOAT, new long[] {n, k}, 'c');
            FloatPointer px = ptr(x);
            FloatPointer pw = ptr(w);
            FloatPointer pwt = ptr(wt);
            FloatPointer pg = ptr(g);
            FloatPointer py = ptr(y);
            FloatPointer pdx = ptr(dx);
            FloatPointer pdw = ptr(dw);
            FloatPointer pdwt = ptr(dwt);
            String s = "[" + k + "x" + n + "]";
            double f = 2.0 * b * k * n;
            // forward y = x·W
            put(cases, flops, "fwd " + s + " a Nd.gemm fresh c", f, () -> Nd.gemm(x, false, w, false));
            put(cases, flops, "fwd " + s + " a0 Mmul fresh c (old)", f, () -> mmul(x, false, w, false,
                    Nd4j.createUninitialized(DataType.FLOAT, new long[] {b, n}, 'c'), 0.0));
            put(cases, flops, "fwd " + s + " a0 Mmul into c (old)", f, () -> mmul(x, false, w, false, y, 0.0));
            put(cases, flops, "fwd " + s + " a Nd.gemm into c", f, () -> Nd.gemm(x, false, w, false, y, 0.0));
            put(cases, flops, "fwd " + s + " b Mmul into f", f, () -> mmul(x, false, w, false, yf, 0.0));
            put(cases, flops, "fwd " + s + " b Mmul torchW(tb) c", f, () -> mmul(x, false, wt, true, y, 0.0));
            put(cases, flops, "fwd " + s + " c cblas ours NN", f,
                    () -> openblas.cblas_sgemm(ROW, NT, NT, b, n, k, 1f, px, k, pw, n, 0f, py, n));
            put(cases, flops, "fwd " + s + " c cblas torch N,T", f,
                    () -> openblas.cblas_sgemm(ROW, NT, T, b, n, k, 1f, px, k, pwt, k, 0f, py, n));
            if (k != 784) {
                // dX = g·Wᵀ
                put(cases, flops, "dX  " + s + " a0 Mmul fresh c (old)", f, () -> mmul(g, false, w, true,
                        Nd4j.createUninitialized(DataType.FLOAT, new long[] {b, k}, 'c'), 0.0));
                put(cases, flops, "dX  " + s + " a Nd.gemm fresh c", f, () -> Nd.gemm(g, false, w, true));
                put(cases, flops, "dX  " + s + " c cblas ours N,T", f,
                        () -> openblas.cblas_sgemm(ROW, NT, T, b, k, n, 1f, pg, n, pw, n, 0f, pdx, k));
                put(cases, flops, "dX  " + s + " c cblas torch NN", f,
                        () -> openblas.cblas_sgemm(ROW, NT, NT, b, k, n, 1f, pg, n, pwt, k, 0f, pdx, k));
            }
            // dW = xᵀ·g (beta 1 into .grad), torch dWᵀ = gᵀ·x
            put(cases, flops, "dW  " + s + " a0 Mmul into c b=1 (old)", f, () -> mmul(x, true, g, false, dw, 1.0));
            put(cases, flops, "dW  " + s + " a Nd.gemm into c b=1", f, () -> Nd.gemm(x, true, g, false, dw, 1.0));
            put(cases, flops, "dW  " + s + " b Mmul torch gT.x b=1", f, () -> mmul(g, true, x, false, dwt, 1.0));
            put(cases, flops, "dW  " + s + " c cblas ours T,N b=1", f,
                    () -> openblas.cblas_sgemm(ROW, T, NT, k, n, b, 1f, px, k, pg, n, 1f, pdw, n));
            put(cases, flops, "dW  " + s + " c cblas torch T,N b=1", f,
                    () -> openblas.cblas_sgemm(ROW, T, NT, n, k, b, 1f, pg, n, px, k, 1f, pdwt, k));
        }
        // what a fresh output costs by itself (ND4J's allocation; the engine's ops all write fresh arrays)
        for (long[] shape : new long[][] {{batch, 256}, {batch, 128}, {batch, 10}}) {
            put(cases, flops, "alloc " + java.util.Arrays.toString(shape), 0,
                    () -> Nd4j.createUninitialized(DataType.FLOAT, shape, 'c'));
            put(cases, flops, "alloc+touch " + java.util.Arrays.toString(shape), 0,
                    () -> Nd4j.createUninitialized(DataType.FLOAT, shape, 'c').assign(0));
        }
        // empty op cost for reference: 1x1 gemm through Mmul vs cblas
        INDArray one = Nd4j.ones(DataType.FLOAT, 1, 1);
        INDArray oneOut = Nd4j.create(DataType.FLOAT, 1, 1);
        FloatPointer p1 = ptr(one);
        FloatPointer po = ptr(oneOut);
        put(cases, flops, "1x1 Mmul", 2, () -> Nd4j.exec(new Mmul(one, one, oneOut, 1.0, 0.0,
                MMulTranspose.builder().build())));
        put(cases, flops, "1x1 cblas", 2, () -> openblas.cblas_sgemm(ROW, NT, NT, 1, 1, 1, 1f, p1, 1, p1, 1, 0f, po, 1));

        String only = System.getProperty("only");
        if (only != null) {
            cases.keySet().removeIf(key -> !java.util.regex.Pattern.compile(only).matcher(key).find());
        }
        Map<String, List<Double>> times = new LinkedHashMap<>();
        cases.keySet().forEach(key -> times.put(key, new ArrayList<>()));
        for (int r = 0; r < rounds + 2; r++) {
            for (Map.Entry<String, Runnable> e : cases.entrySet()) {
                Runnable run = e.getValue();
                if (r == 0) {
                    System.out.println("start " + e.getKey());
                    System.out.flush();
                }
                int reps = 40;
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    run.run();
                }
                double us = (System.nanoTime() - t0) / 1e3 / reps;
                if (r >= 2) {
                    times.get(e.getKey()).add(us);
                }
            }
        }
        printMappedBlas("after");
        System.out.printf("batch %d, %d rounds x 40 calls, median (min) µs per call, GFLOP/s of the median%n", batch, rounds);
        for (Map.Entry<String, List<Double>> e : times.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double med = v[v.length / 2];
            System.out.printf("%-40s %9.1f (%8.1f)  %6.1f%n", e.getKey(), med, v[0], flops.get(e.getKey()) / med / 1e3);
        }
    }

    /** The product through libnd4j's Mmul op (Nd.gemm before it called OpenBLAS directly). */
    private static INDArray mmul(INDArray a, boolean ta, INDArray b, boolean tb, INDArray out, double beta) {
        Nd4j.exec(new Mmul(a, b, out, 1.0, beta, MMulTranspose.builder().transposeA(ta).transposeB(tb).build()));
        return out;
    }

    private static void put(Map<String, Runnable> cases, Map<String, Double> flops, String name, double f, Runnable r) {
        cases.put(name, r);
        flops.put(name, f);
    }

    /** The OpenBLAS libraries mapped into this process (one copy: ND4J's and ours must be the same). */
    private static void printMappedBlas(String when) {
        try {
            java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps")).stream()
                    .filter(line -> line.contains("openblas") && line.contains("r-xp"))
                    .forEach(line -> System.out.println("mapped " + when + ": " + line.substring(line.lastIndexOf(' ') + 1)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static FloatPointer ptr(INDArray a) {
        if (a.offset() != 0) {
            throw new IllegalStateException("offset");
        }
        return new FloatPointer(a.data().addressPointer());
    }

    private GemmLayoutBench() {
    }
}
