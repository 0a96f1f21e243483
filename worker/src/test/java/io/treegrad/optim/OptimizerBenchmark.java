package io.treegrad.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Time of one optimizer step on the driver's hot path: a flat float32 buffer of N parameters
 * (default 10M), single-threaded. A program, not a test; with the test classpath:
 *
 * <pre>
 *   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -cp ... io.treegrad.optim.OptimizerBenchmark [N]
 * </pre>
 *
 * Prints the median and minimum over 15 steps after 3 warm-up steps, for every optimizer, for
 * clipping alone, and for the allocating SGD step {@code θ.subi(g.mul(lr))} the axpy replaces.
 */
public final class OptimizerBenchmark {
    private static final int WARMUP = 3;
    private static final int REPEATS = 15;

    private OptimizerBenchmark() {}

    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
        Nd4j.getRandom().setSeed(1);
        INDArray theta = Nd4j.randn(DataType.FLOAT, n);
        INDArray grad = Nd4j.randn(DataType.FLOAT, n).muli(1e-3);
        INDArray gradCopy = grad.dup();

        Map<String, Runnable> cases = new LinkedHashMap<>();
        cases.put("naive sgd: θ.subi(g.mul(lr))", () -> theta.subi(grad.mul(1e-3)));
        cases.put("clip only (nrm2 + scale)", () -> GradientClipping.clipByGlobalNorm(grad, 1e9));
        for (OptimizerSpec spec : new OptimizerSpec[] {
                OptimizerSpec.of("sgd").withLr(1e-3),
                OptimizerSpec.of("sgd").withLr(1e-3).withWeightDecay(1e-4),
                OptimizerSpec.of("sgd").withLr(1e-3).withMomentum(0.9),
                OptimizerSpec.of("sgd").withLr(1e-3).withMomentum(0.9).withNesterov(true),
                OptimizerSpec.of("adagrad"),
                OptimizerSpec.of("rmsprop"),
                OptimizerSpec.of("adam"),
                OptimizerSpec.of("adam").withWeightDecay(1e-4),
                OptimizerSpec.of("adamw"),
                OptimizerSpec.of("adamw").withClipNorm(1e9)}) {
            Optimizer opt = spec.build();
            cases.put(opt + (spec.clipNorm() == null ? "" : " + clip"), () -> opt.step(theta, grad));
        }

        System.out.printf(Locale.ROOT, "optimizer step, %,d float32 parameters, OMP_NUM_THREADS=%s%n", n,
                System.getenv("OMP_NUM_THREADS"));
        for (Map.Entry<String, Runnable> c : cases.entrySet()) {
            long[] ns = new long[REPEATS];
            for (int i = 0; i < WARMUP + REPEATS; i++) {
                grad.assign(gradCopy);
                long t0 = System.nanoTime();
                c.getValue().run();
                if (i >= WARMUP) {
                    ns[i - WARMUP] = System.nanoTime() - t0;
                }
            }
            Arrays.sort(ns);
            System.out.printf(Locale.ROOT, "  %-75s median %7.2f ms   min %7.2f ms%n", c.getKey(),
                    ns[REPEATS / 2] / 1e6, ns[0] / 1e6);
        }
    }
}
