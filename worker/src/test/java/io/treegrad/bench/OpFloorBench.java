package io.treegrad.bench;

import io.treegrad.autodiff.Nd;
import io.treegrad.util.HostCopy;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.transforms.comparison.CompareAndSet;
import org.nd4j.linalg.cpu.nativecpu.buffer.BaseCpuDataBuffer;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.nd4j.nativeblas.OpaqueDataBuffer;

/**
 * The fixed cost of each route into libnd4j and OpenBLAS (interleaved, median µs per call) at [4],
 * [128, 256] and [512, 256] float32: a custom op, a legacy op through the executioner, the same
 * legacy kernels through NativeOps directly, cblas level-1/2 calls, a Java pass over host copies,
 * allocation in and out of a workspace. The measurements behind HostOps and HostBlas's gemv/ger
 * routes; exploration, not part of jobs/bench-engine. Run on the worker's test classpath, e.g.
 * {@code java -cp worker/target/test-classes:worker/target/classes:$(cat worker/target/bench.classpath)
 * io.treegrad.bench.OpFloorBench} (the classpath file as jobs/bench-engine writes it), OMP_NUM_THREADS=1.
 */
public final class OpFloorBench {
    interface Body { void run(); }

    public static void main(String[] args) {
        Nd4j.create(1);
        NativeOps loop = NativeOpsHolder.getInstance().getDeviceNativeOps();
        PointerPointer extra = new PointerPointer(32);
        for (long[] shape : new long[][] {{4}, {128, 256}, {512, 256}}) {
            INDArray x = Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
            INDArray y = Nd4j.rand(DataType.FLOAT, shape);
            INDArray relu = Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
            org.nd4j.linalg.ops.transforms.Transforms.relu(relu, false);
            INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape);
            int n = (int) x.length();
            float[] h1 = new float[n];
            float[] h2 = new float[n];
            CompareAndSet cas = new CompareAndSet(x, relu, out, Conditions.lessThanOrEqual(0));
            int casNum = cas.opNum();
            Pointer casExtra = cas.extraArgsDataBuff(DataType.FLOAT).addressPointer();
            ScalarAdd sa = new ScalarAdd(out, 1.0);
            int saNum = sa.opNum();
            INDArray scalarOne = Nd4j.scalar(DataType.FLOAT, 1.0);
            Map<String, Body> v = new LinkedHashMap<>();
            v.put("custom op: out.addi(y)", () -> out.addi(y));
            v.put("legacy scalar: exec(ScalarAdd(out, 1)) in place", () -> Nd4j.exec(new ScalarAdd(out, 1.0)));
            v.put("legacy pairwise: exec(CompareAndSet(g, y, out, <=0))", () -> Nd4j.exec(new CompareAndSet(x, relu, out, Conditions.lessThanOrEqual(0))));
            v.put("now relu bwd: positiveMask(y).muli(g)", () -> Nd.positiveMask(relu).muli(x));
            v.put("NativeOps.execPairwiseTransform direct (CompareAndSet)", () -> loop.execPairwiseTransform(extra, casNum,
                    opaque(x), (LongPointer) x.shapeInfoDataBuffer().addressPointer(), null,
                    opaque(relu), (LongPointer) relu.shapeInfoDataBuffer().addressPointer(), null,
                    opaque(out), (LongPointer) out.shapeInfoDataBuffer().addressPointer(), null, casExtra));
            v.put("NativeOps.execScalar direct (add 1 in place)", () -> loop.execScalar(extra, saNum,
                    opaque(out), (LongPointer) out.shapeInfoDataBuffer().addressPointer(), null,
                    opaque(out), (LongPointer) out.shapeInfoDataBuffer().addressPointer(), null,
                    opaque(scalarOne), (LongPointer) scalarOne.shapeInfoDataBuffer().addressPointer(), null, null));
            v.put("openblas saxpy direct", () -> org.bytedeco.openblas.global.openblas.cblas_saxpy(n, 0.5f,
                    (FloatPointer) HostCopy.hostPointer(x), 1, (FloatPointer) HostCopy.hostPointer(out), 1));
            v.put("Java: 2 copies out, where(y>0,g,0), copy in", () -> {
                HostCopy.copyOut(relu, h1);
                HostCopy.copyOut(x, h2);
                for (int i = 0; i < n; i++) {
                    h2[i] = h1[i] > 0 ? h2[i] : 0f;
                }
                HostCopy.into(h2, n, out);
            });
            org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration wsConf = org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration.builder()
                    .initialSize(0).overallocationLimit(0.2)
                    .policyAllocation(org.nd4j.linalg.api.memory.enums.AllocationPolicy.OVERALLOCATE)
                    .policyLearning(org.nd4j.linalg.api.memory.enums.LearningPolicy.FIRST_LOOP)
                    .policyMirroring(org.nd4j.linalg.api.memory.enums.MirroringPolicy.FULL)
                    .policySpill(org.nd4j.linalg.api.memory.enums.SpillPolicy.REALLOCATE).build();
            int reluNum = new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear(x, out, 0.0).opNum();
            int stepNum = new org.nd4j.linalg.api.ops.impl.scalar.Step(x, out).opNum();
            INDArray zero = Nd4j.scalar(DataType.FLOAT, 0.0);
            int mulNum = 3;   // legacy pairwise Multiply in this libnd4j (Axpy's 10 puts it in the new numbering)
            v.put("in ws: relu fwd now Transforms.relu(x, true)", () -> inWs(wsConf, () -> org.nd4j.linalg.ops.transforms.Transforms.relu(x, true)));
            v.put("in ws: relu fwd direct execScalar into new", () -> inWs(wsConf, () -> {
                INDArray o = Nd4j.createUninitialized(DataType.FLOAT, shape);
                loop.execScalar(extra, reluNum, opaque(x), (LongPointer) x.shapeInfoDataBuffer().addressPointer(), null,
                        opaque(o), (LongPointer) o.shapeInfoDataBuffer().addressPointer(), null,
                        opaque(zero), (LongPointer) zero.shapeInfoDataBuffer().addressPointer(), null, null);
            }));
            v.put("in ws: relu bwd now step(y).muli(g)", () -> inWs(wsConf, () -> Nd.positiveMask(relu).muli(x)));
            v.put("in ws: relu bwd direct step + multiply into new", () -> inWs(wsConf, () -> {
                INDArray o = Nd4j.createUninitialized(DataType.FLOAT, shape);
                LongPointer os = (LongPointer) o.shapeInfoDataBuffer().addressPointer();
                loop.execScalar(extra, stepNum, opaque(relu), (LongPointer) relu.shapeInfoDataBuffer().addressPointer(), null,
                        opaque(o), os, null,
                        opaque(zero), (LongPointer) zero.shapeInfoDataBuffer().addressPointer(), null, null);
                loop.execPairwiseTransform(extra, mulNum, opaque(o), os, null,
                        opaque(x), (LongPointer) x.shapeInfoDataBuffer().addressPointer(), null, opaque(o), os, null, null);
            }));
            v.put("in ws: Nd4j.scalar(FLOAT, 2.5)", () -> inWs(wsConf, () -> Nd4j.scalar(DataType.FLOAT, 2.5)));
            v.put("in ws: createUninitialized([]) + putScalar", () -> inWs(wsConf, () -> Nd4j.createUninitialized(DataType.FLOAT, new long[0]).putScalar(0, 2.5)));
            v.put("in ws: createUninitialized", () -> inWs(wsConf, () -> Nd4j.createUninitialized(DataType.FLOAT, shape)));
            v.put("in ws: nothing", () -> inWs(wsConf, () -> { }));
            v.put("createUninitialized (no workspace)", () -> Nd4j.createUninitialized(DataType.FLOAT, shape));
            if (shape.length == 2) {
                int r = (int) shape[0], c = (int) shape[1];
                INDArray ones = Nd.onesColumn(DataType.FLOAT, r);
                INDArray db = Nd4j.zeros(DataType.FLOAT, 1, c);
                INDArray b = Nd4j.rand(DataType.FLOAT, c);
                v.put("db now: Nd.gemm(onesᵀ, g) beta=1", () -> Nd.gemm(ones, true, x, false, db, 1.0));
                v.put("db alt: cblas_sgemv", () -> org.bytedeco.openblas.global.openblas.cblas_sgemv(102, 111, c, r, 1f,
                        (FloatPointer) HostCopy.hostPointer(x), c, (FloatPointer) HostCopy.hostPointer(ones), 1, 1f,
                        (FloatPointer) HostCopy.hostPointer(db), 1));
                v.put("bias now: Nd.addBias(out, b)", () -> Nd.addBias(out, b));
                v.put("bias alt: cblas_sger", () -> org.bytedeco.openblas.global.openblas.cblas_sger(102, c, r, 1f,
                        (FloatPointer) HostCopy.hostPointer(b), 1, (FloatPointer) HostCopy.hostPointer(ones), 1,
                        (FloatPointer) HostCopy.hostPointer(out), c));
                v.put("bias alt: r x cblas_saxpy", () -> {
                    FloatPointer bp = (FloatPointer) HostCopy.hostPointer(b);
                    FloatPointer op = (FloatPointer) HostCopy.hostPointer(out);
                    long base = op.position();
                    for (int i = 0; i < r; i++) {
                        org.bytedeco.openblas.global.openblas.cblas_saxpy(c, 1f, bp, 1, op.position(base + (long) i * c), 1);
                    }
                });
                v.put("getDouble(i, j) x1", () -> x.getDouble(3, 5));
            }
            {
                INDArray o = Nd4j.createUninitialized(DataType.FLOAT, shape);
                LongPointer os = (LongPointer) o.shapeInfoDataBuffer().addressPointer();
                loop.execScalar(extra, stepNum, opaque(relu), (LongPointer) relu.shapeInfoDataBuffer().addressPointer(), null,
                        opaque(o), os, null, opaque(zero), (LongPointer) zero.shapeInfoDataBuffer().addressPointer(), null, null);
                loop.execPairwiseTransform(extra, mulNum, opaque(o), os, null,
                        opaque(x), (LongPointer) x.shapeInfoDataBuffer().addressPointer(), null, opaque(o), os, null, null);
                System.out.println("direct relu bwd == now: " + o.equals(Nd.positiveMask(relu).muli(x)));
            }
            Map<String, double[]> t = new LinkedHashMap<>();
            v.keySet().forEach(k -> t.put(k, new double[15]));
            int inner = shape.length == 1 ? 2000 : 200;
            for (int rep = -3; rep < 15; rep++) {
                for (Map.Entry<String, Body> e : v.entrySet()) {
                    long s = System.nanoTime();
                    for (int i = 0; i < inner; i++) {
                        e.getValue().run();
                    }
                    if (rep >= 0) {
                        t.get(e.getKey())[rep] = (System.nanoTime() - s) / 1e3 / inner;
                    }
                }
            }
            System.out.println("-- shape " + Arrays.toString(shape));
            t.forEach((k, a) -> {
                double[] s = a.clone();
                Arrays.sort(s);
                System.out.printf(Locale.ROOT, "%-60s %8.2f µs (min %.2f)%n", k, s[s.length / 2], s[0]);
            });
        }
        System.exit(0);
    }

    static void inWs(org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration conf, Body b) {
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "opfloor")) {
            b.run();
        }
    }

    static OpaqueDataBuffer opaque(INDArray a) {
        return ((BaseCpuDataBuffer) a.data()).getOpaqueDataBuffer();
    }
}
