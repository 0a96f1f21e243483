package io.treegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** PyTorch autograd semantics: errors, scopes, hooks, custom ops, higher order, forward mode. */
class AutogradSemanticsTest {
    private static final DataType F64 = DataType.DOUBLE;

    private static double[] values(Tensor t) {
        return Nd4j.toFlattened('c', t.value()).toDoubleVector();
    }

    // ------------------------------------------------------------ errors that say what to do

    @Test
    void backwardOnANonScalarWithoutVIsAnError() {
        Tensor x = Tensor.of(F64, 1, 2, 3).requiresGrad(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.mul(2).backward());
        assertTrue(e.getMessage().contains("shape [3]") && e.getMessage().contains("pass v"), e.getMessage());
    }

    @Test
    void vMustHaveTheOutputShape() {
        Tensor x = Tensor.of(F64, 1, 2, 3).requiresGrad(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> x.mul(2).backward(Tensor.of(F64, 1, 1)));
        assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void secondBackwardThroughAFreedGraphIsAClearError() {
        Tensor x = Tensor.scalar(F64, 3).requiresGrad(true);
        Tensor y = x.mul(x).exp();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time") && e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void backwardFromATensorWithNoGraphIsAClearError() {
        Tensor x = Tensor.of(F64, 1, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.mul(2).sum().backward());
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void requiresGradCanOnlyBeSetOnLeaves() {
        Tensor y = Tensor.of(F64, 1, 2).requiresGrad(true).mul(2);
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false));
    }

    @Test
    void mixedDataTypesAreRejectedWithAHint() {
        Tensor a = Tensor.of(DataType.FLOAT, 1, 2);
        Tensor b = Tensor.of(F64, 1, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("FLOAT") && e.getMessage().contains("DOUBLE"), e.getMessage());
    }

    @Test
    void shapesThatDoNotBroadcastNameBothShapes() {
        Tensor a = Tensor.zeros(F64, 3, 4);
        Tensor b = Tensor.zeros(F64, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[3]"), e.getMessage());
    }

    // ------------------------------------------------------------ scopes and graph surgery

    @Test
    void noGradRecordsNothingAndRestoresTheMode() {
        Tensor x = Tensor.of(F64, 1, 2).requiresGrad(true);
        Tensor y;
        try (GradMode.Scope off = GradMode.noGrad()) {
            y = x.mul(3).exp();
            try (GradMode.Scope on = GradMode.enableGrad()) {
                assertTrue(x.mul(2).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertFalse(y.requiresGrad());
        assertTrue(y.isLeaf());
        assertTrue(GradMode.isEnabled());
        assertTrue(x.mul(3).requiresGrad());
    }

    @Test
    void gradModeIsPerThread() throws Exception {
        try (GradMode.Scope off = GradMode.noGrad()) {
            boolean other = CompletableFuture.supplyAsync(GradMode::isEnabled).get();
            assertTrue(other, "a noGrad scope on one thread must not switch off recording on another");
        }
    }

    @Test
    void detachSharesTheValueAndStopsTheGradient() {
        Tensor x = Tensor.of(F64, 1, 2).requiresGrad(true);
        Tensor y = x.mul(2);
        Tensor d = y.detach();
        assertSame(y.value(), d.value());
        assertFalse(d.requiresGrad());
        x.mul(d).sum().backward();
        assertArrayEquals(new double[] {2, 4}, values(x.grad()), 0);
    }

    @Test
    void gradientsReachOnlyLeavesThatRequireThem() {
        Tensor a = Tensor.of(F64, 1, 2).requiresGrad(true);
        Tensor b = Tensor.of(F64, 3, 4);
        a.mul(b).sum().backward();
        assertArrayEquals(new double[] {3, 4}, values(a.grad()), 0);
        assertNull(b.grad());
    }

    @Test
    void retainedNonLeafGradientsAccumulate() {
        Tensor x = Tensor.scalar(F64, 2).requiresGrad(true);
        Tensor y = x.mul(x).retainGrad();
        Tensor z = y.mul(3);
        z.backward(null, true);
        z.backward(null, true);
        assertEquals(6, y.grad().item(), 0);
        assertEquals(24, x.grad().item(), 0);
    }

    // ------------------------------------------------------------ hooks

    @Test
    void hooksSeeAndMayReplaceGradients() {
        Tensor x = Tensor.of(F64, 1, 2, 3).requiresGrad(true);
        Tensor y = x.mul(x);
        List<double[]> seen = new ArrayList<>();
        y.registerHook(g -> {
            seen.add(values(g));
            return g.mul(10);
        });
        y.sum().backward();
        assertArrayEquals(new double[] {1, 1, 1}, seen.get(0), 0);
        assertArrayEquals(new double[] {20, 40, 60}, values(x.grad()), 0);
    }

    @Test
    void leafHooksRunBeforeAccumulationAndCanBeRemoved() throws Exception {
        Tensor x = Tensor.of(F64, 1, 2).requiresGrad(true);
        AutoCloseable handle = x.registerHook(g -> g.clamp(-0.5, 0.5));   // gradient clipping
        x.mul(3).sum().backward();
        assertArrayEquals(new double[] {0.5, 0.5}, values(x.grad()), 0);
        handle.close();
        x.zeroGrad();
        x.mul(3).sum().backward();
        assertArrayEquals(new double[] {3, 3}, values(x.grad()), 0);
    }

    @Test
    void retainGradSeesTheHookedGradient() {
        Tensor x = Tensor.scalar(F64, 1).requiresGrad(true);
        Tensor y = x.mul(2).retainGrad();
        y.registerHook(g -> g.mul(5));
        y.mul(1).backward();
        assertEquals(5, y.grad().item(), 0);
        assertEquals(10, x.grad().item(), 0);
    }

    // ------------------------------------------------------------ custom ops

    /**
     * The last autograd lecture's quantiser: forward casts to unsigned bytes and keeps the rounding
     * error; backward passes the gradient through with that error added.
     */
    static final class Quantize extends Function {
        @Override
        protected INDArray forward(INDArray... x) {
            INDArray q = x[0].castTo(DataType.UBYTE).castTo(x[0].dataType());
            save(constant(x[0].sub(q)));
            return q;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return grads(g.add(saved(0)));
        }
    }

    @Test
    void customOpPlugsIntoTheTape() {
        Tensor x = Tensor.of(F64, 1.25, 7.5, 200.75).requiresGrad(true);
        Tensor q = new Quantize().apply(x);
        assertArrayEquals(new double[] {1, 7, 200}, values(q), 0);
        assertEquals("Quantize", q.creator());
        q.mul(2).sum().backward();
        assertArrayEquals(new double[] {2.25, 2.5, 2.75}, values(x.grad()), 1e-12);
        assertTrue(GraphViz.toDot(q).contains("Quantize"));
    }

    @Test
    void customOpWithoutJvpSaysSoInForwardMode() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> ForwardAD.jvp(t -> new Quantize().apply(t), Tensor.of(F64, 1.5), Tensor.of(F64, 1)));
        assertTrue(e.getMessage().contains("Quantize"), e.getMessage());
    }

    /** A user's op with a correct backward passes gradcheck, and a wrong one fails it. */
    static final class Cube extends Function {
        private final double slope;

        Cube(double slope) {
            this.slope = slope;
        }

        @Override
        protected INDArray forward(INDArray... x) {
            save(input(0));
            return x[0].mul(x[0]).muli(x[0]);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor x = saved(0);
            return grads(g.mul(x.mul(x)).mul(slope));
        }
    }

    @Test
    void gradcheckIsUsableForCustomOps() {
        Tensor x = Tensor.of(F64, 0.3, -0.8, 1.1).requiresGrad(true);
        GradCheck.check(in -> new Cube(3).apply(in[0]), x);
        GradCheck.Failure e = assertThrows(GradCheck.Failure.class,
                () -> GradCheck.check(in -> new Cube(2.9).apply(in[0]), x));
        assertTrue(e.getMessage().contains("analytic") && e.getMessage().contains("numeric"), e.getMessage());
    }

    // ------------------------------------------------------------ higher order

    @Test
    void secondDerivativeOfXCubedIsSixX() {
        Tensor x = Tensor.scalar(F64, 2).requiresGrad(true);
        Tensor dy = Autograd.grad(x.pow(3), new Tensor[] {x}, true)[0];
        assertEquals(12, dy.item(), 1e-12);
        assertTrue(dy.requiresGrad(), "with createGraph the gradient has a graph of its own");
        dy.backward();
        assertEquals(12, x.grad().item(), 1e-12);   // 6x at x = 2
    }

    @Test
    void backwardWithCreateGraphLeavesADifferentiableGrad() {
        Tensor x = Tensor.scalar(F64, 3).requiresGrad(true);
        x.pow(3).backward(null, false, true);
        Tensor first = x.grad();
        assertEquals(27, first.item(), 1e-12);
        Tensor second = Autograd.grad(first, x)[0];
        assertEquals(18, second.item(), 1e-12);
    }

    @Test
    void hessianVectorProductOfAQuadraticForm() {
        Tensor a = Tensor.of(F64, new double[][] {{1, 2, 0}, {-1, 3, 4}, {0.5, 0, 2}});
        Tensor v = Tensor.of(F64, new double[][] {{1}, {-2}, {0.5}});
        Tensor x = Tensor.of(F64, new double[][] {{0.3}, {0.1}, {-0.7}});
        Tensor hv = Autograd.hvp(t -> t.transpose().matmul(a).matmul(t).sum(), x, v);
        INDArray expected = a.value().add(a.value().transpose()).mmul(v.value());
        assertArrayEquals(Nd4j.toFlattened('c', expected).toDoubleVector(), values(hv), 1e-12);
    }

    @Test
    void gradOfUnusedInputIsNullOnlyWhenAllowed() {
        Tensor x = Tensor.scalar(F64, 1).requiresGrad(true);
        Tensor unused = Tensor.scalar(F64, 1).requiresGrad(true);
        Tensor y = x.mul(2);
        assertThrows(IllegalArgumentException.class, () -> Autograd.grad(new Tensor[] {y}, new Tensor[] {unused},
                null, true, false, false));
        Tensor[] g = Autograd.grad(new Tensor[] {y}, new Tensor[] {x, unused}, null, false, false, true);
        assertEquals(2, g[0].item(), 0);
        assertNull(g[1]);
        assertNull(x.grad(), "grad() must not accumulate into .grad");
    }

    // ------------------------------------------------------------ forward mode

    @Test
    void jvpEqualsTheJacobianTimesV() {
        Tensor w = Tensor.of(F64, new double[][] {{0.2, -0.4}, {1.0, 0.3}, {-0.6, 0.8}});
        java.util.function.UnaryOperator<Tensor> f = x -> x.matmul(w).tanh().mul(x.sum(1, true));
        Tensor x = Tensor.of(F64, new double[][] {{0.5, -1.0, 0.25}});
        Tensor v = Tensor.of(F64, new double[][] {{1.0, 0.5, -2.0}});
        Tensor jv = ForwardAD.jvp(f, x, v).tangent();
        // reverse mode, one row of J at a time: row j is e_jᵀJ
        double[] expected = new double[2];
        for (int j = 0; j < 2; j++) {
            Tensor xr = x.detach().requiresGrad(true);
            Tensor e = Tensor.zeros(F64, 1, 2);
            e.value().putScalar(0, j, 1.0);
            f.apply(xr).backward(e);
            expected[j] = xr.grad().value().mul(v.value()).sumNumber().doubleValue();
        }
        assertArrayEquals(expected, values(jv), 1e-12);
    }

    @Test
    void dualTensorsCarryTangentsThroughEveryOp() {
        Tensor x = ForwardAD.dual(Tensor.scalar(F64, 0.7), Tensor.scalar(F64, 1));
        Tensor y = x.sin().mul(x.exp());   // d/dx = (cos x + sin x) eˣ
        double expected = (Math.cos(0.7) + Math.sin(0.7)) * Math.exp(0.7);
        assertEquals(expected, y.tangent().item(), 1e-12);
    }

    // ------------------------------------------------------------ broadcasting and buffers

    @Test
    void broadcastGradientsAreReducedToEachInputShape() {
        Tensor a = Tensor.randn(1, F64, 3, 1).requiresGrad(true);
        Tensor b = Tensor.randn(2, F64, 4).requiresGrad(true);
        Tensor y = a.mul(b);
        assertArrayEquals(new long[] {3, 4}, y.shape());
        y.sum().backward();
        assertArrayEquals(new long[] {3, 1}, a.grad().shape());
        assertArrayEquals(new long[] {4}, b.grad().shape());
        assertEquals(b.value().sumNumber().doubleValue(), a.grad().value().getDouble(1, 0), 1e-12);
        assertEquals(a.value().sumNumber().doubleValue(), b.grad().value().getDouble(2), 1e-12);
    }

    @Test
    void gradientsAccumulateInPlaceIntoViewsOfOneFlatBuffer() {
        INDArray flatGrad = Nd4j.zeros(DataType.FLOAT, 10);
        Tensor w = Tensor.randn(3, DataType.FLOAT, 2, 3).requiresGrad(true);
        Tensor b = Tensor.randn(4, DataType.FLOAT, 4).requiresGrad(true);
        w.setGrad(Tensor.of(flatGrad.get(NDArrayIndex.interval(0, 6)).reshape(2, 3)));
        b.setGrad(Tensor.of(flatGrad.get(NDArrayIndex.interval(6, 10))));
        w.sum().add(b.mul(2).sum()).backward();
        w.sum().add(b.mul(2).sum()).backward();
        assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2, 4, 4, 4, 4}, flatGrad.toFloatVector(), 0);
        w.zeroGrad();
        b.zeroGrad();
        assertEquals(0, flatGrad.sumNumber().doubleValue(), 0);
    }

    // ------------------------------------------------ first-order fast paths (Linear into .grad)

    /** A two-layer net whose weights' gradients are views into one flat buffer, at non-zero offsets. */
    private static final class TwoLayers {
        final INDArray flat = Nd4j.zeros(F64, 1 + 12 + 3 + 6 + 2 + 1);
        final Tensor x = Tensor.randn(11, F64, 5, 4).requiresGrad(true);
        final Tensor w1 = Tensor.randn(12, F64, 4, 3).requiresGrad(true);
        final Tensor b1 = Tensor.randn(13, F64, 3).requiresGrad(true);
        final Tensor w2 = Tensor.randn(14, F64, 3, 2).requiresGrad(true);
        final Tensor b2 = Tensor.randn(15, F64, 2).requiresGrad(true);
        final Tensor[] params = {w1, b1, w2, b2};
        final int[] labels = {0, 1, 1, 0, 1};

        TwoLayers() {
            flat.putScalar(0, 7);      // sentinels on both sides of the views
            flat.putScalar(flat.length() - 1, -7);
            w1.setGrad(Tensor.of(flat.get(NDArrayIndex.interval(1, 13)).reshape('c', 4, 3)));
            b1.setGrad(Tensor.of(flat.get(NDArrayIndex.interval(13, 16))));
            w2.setGrad(Tensor.of(flat.get(NDArrayIndex.interval(16, 22)).reshape('c', 3, 2)));
            b2.setGrad(Tensor.of(flat.get(NDArrayIndex.interval(22, 24))));
        }

        Tensor loss() {
            Tensor h = Tensor.linear(x, w1, b1).relu();
            return Tensor.softmaxCrossEntropy(Tensor.linear(h, w2, b2), labels);
        }

        /** The gradients by Autograd.grad, which never touches .grad (the engine's general path). */
        Tensor[] reference(double scale) {
            return Autograd.grad(new Tensor[] {loss()}, new Tensor[] {x, w1, b1, w2, b2},
                    new Tensor[] {Tensor.scalar(F64, scale)}, false, false, false);
        }
    }

    @Test
    void linearBiasAddAndGradientFollowTheBatchSizeBiasViewsAndResetWorkspaces() {
        // the bias add and ∂b run as rank-1 gemms with a cached ones column: it must be resized when
        // the batch changes, survive a workspace reset, stay all ones, and a bias BLAS cannot take
        // (a strided view) must still be added
        org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration conf =
                org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        for (DataType type : new DataType[] {DataType.FLOAT, F64}) {
            // plain, a row at an offset of a bigger buffer, a column (stride 4), and [1, out]
            INDArray[] biases = {Nd4j.rand(type, 3), Nd4j.rand(type, 4, 3).getRow(1),
                                 Nd4j.rand(type, 3, 4).getColumn(2), Nd4j.rand(type, 1, 3)};
            for (INDArray b : biases) {
                for (int n : new int[] {5, 2, 7, 5, 1}) {
                    INDArray xv = Nd4j.rand(type, n, 4);
                    INDArray wv = Nd4j.rand(type, 4, 3);
                    INDArray gv = Nd4j.rand(type, n, 3);
                    INDArray expectedY = xv.mmul(wv).addRowVector(b.reshape(3));
                    INDArray expectedGb = gv.sum(0);
                    try (org.nd4j.linalg.api.memory.MemoryWorkspace ws =
                                 Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "linear-bias-test")) {
                        Tensor x = Tensor.of(xv.dup());
                        Tensor w = Tensor.of(wv.dup());
                        Tensor bt = Tensor.of(b).requiresGrad(true);   // the view itself
                        Tensor y = Tensor.linear(x, w, bt);
                        String what = type + " bias " + java.util.Arrays.toString(b.shape()) + " stride "
                                + java.util.Arrays.toString(b.stride()) + " batch " + n;
                        assertArrayEquals(Nd4j.toFlattened('c', expectedY).toDoubleVector(), values(y),
                                type == F64 ? 1e-12 : 1e-5, what);
                        y.backward(Tensor.of(gv.dup()));
                        assertArrayEquals(expectedGb.toDoubleVector(), values(bt.grad()),
                                type == F64 ? 1e-12 : 1e-5, "∂b " + what);
                    }
                    INDArray ones = Nd.onesColumn(type, n);
                    assertArrayEquals(new long[] {n, 1}, ones.shape());
                    assertFalse(ones.isAttached(), "the cached ones column must live outside workspaces");
                    assertEquals(n, ones.sumNumber().doubleValue(), 0, "the cached ones column was written into");
                }
            }
        }
    }

    @Test
    void linearAddsWeightGradientsStraightIntoFlatGradsAndAccumulatesAcrossBackwards() {
        TwoLayers n = new TwoLayers();
        Tensor[] ref = n.reference(3);
        n.loss().backward(Tensor.scalar(F64, 3));
        n.loss().backward(Tensor.scalar(F64, 3));
        for (int i = 0; i < n.params.length; i++) {
            assertArrayEquals(values(ref[i + 1].mul(2)), values(n.params[i].grad()), 1e-12, "parameter " + i);
        }
        assertArrayEquals(values(ref[0].mul(2)), values(n.x.grad()), 1e-12, "input (no .grad buffer before)");
        assertEquals(7, n.flat.getDouble(0), 0);
        assertEquals(-7, n.flat.getDouble(n.flat.length() - 1), 0);
        n.w1.grad().value().assign(0);
        assertEquals(0, n.flat.get(NDArrayIndex.interval(1, 13)).sumNumber().doubleValue(), 0);
    }

    @Test
    void aWeightAlsoReachedThroughOtherOpsGetsEveryContribution() {
        TwoLayers n = new TwoLayers();
        // an L2 penalty on W1 and W1 used by a second linear: the direct adds and the engine's meet in .grad
        java.util.function.Supplier<Tensor> f = () -> n.loss().add(n.w1.mul(n.w1).sum().mul(0.5))
                .add(Tensor.linear(n.x, n.w1, null).sum());
        Tensor[] ref = Autograd.grad(new Tensor[] {f.get()}, new Tensor[] {n.w1, n.b1}, null, false, false, false);
        f.get().backward();
        assertArrayEquals(values(ref[0]), values(n.w1.grad()), 1e-12);
        assertArrayEquals(values(ref[1]), values(n.b1.grad()), 1e-12);
    }

    @Test
    void hooksOnAWeightStillSeeAndMayReplaceItsGradient() throws Exception {
        TwoLayers n = new TwoLayers();
        Tensor[] ref = n.reference(1);
        List<double[]> seen = new ArrayList<>();
        AutoCloseable h = n.w2.registerHook(g -> { seen.add(values(g)); return g.mul(10); });
        n.loss().backward();
        assertEquals(1, seen.size());
        assertArrayEquals(values(ref[3]), seen.get(0), 1e-12);
        assertArrayEquals(values(ref[3].mul(10)), values(n.w2.grad()), 1e-12);
        assertArrayEquals(values(ref[1]), values(n.w1.grad()), 1e-12, "unhooked weight, direct path");
        h.close();
        n.loss().backward();   // hook removed: the direct path again, adding to what is there
        assertArrayEquals(values(ref[3].mul(11)), values(n.w2.grad()), 1e-12);
    }

    @Test
    void retainedActivationsAndGradOfGradThroughLinearStillWork() {
        TwoLayers n = new TwoLayers();
        Tensor[] ref = n.reference(1);
        Tensor z = Tensor.linear(n.x, n.w1, n.b1).retainGrad();
        Tensor loss = Tensor.softmaxCrossEntropy(Tensor.linear(z.relu(), n.w2, n.b2), n.labels);
        loss.backward();
        assertNotNull(z.grad());
        assertArrayEquals(values(ref[1]), values(n.w1.grad()), 1e-12);
        // second order through Linear: d/dW1 of Σ (∂L/∂W1)², against central differences
        GradCheck.withOptions().gradGrad(true).verify(x -> Tensor.softmaxCrossEntropy(
                Tensor.linear(Tensor.linear(x[0], x[1], x[2]).relu(), x[3], x[4]), n.labels),
                n.x, n.w1, n.b1, n.w2, n.b2);
        // backward with createGraph into leaves that have flat .grad buffers: a differentiable gradient
        n.w1.zeroGrad();
        n.loss().backward(null, false, true);
        assertTrue(n.w1.grad().requiresGrad());
        assertArrayEquals(values(ref[1]), values(n.w1.grad()), 1e-12);
    }

    @Test
    void matmulAddsIntoFlatGradsForEveryTransposeFlag() {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                INDArray flat = Nd4j.zeros(F64, 1 + 6 + 12);
                Tensor a = Tensor.randn(21, F64, ta ? 3 : 2, ta ? 2 : 3).requiresGrad(true);
                Tensor b = Tensor.randn(22, F64, tb ? 4 : 3, tb ? 3 : 4).requiresGrad(true);
                a.setGrad(Tensor.of(flat.get(NDArrayIndex.interval(1, 7)).reshape('c', a.shape())));
                b.setGrad(Tensor.of(flat.get(NDArrayIndex.interval(7, 19)).reshape('c', b.shape())));
                Tensor v = Tensor.randn(23, F64, 2, 4);
                java.util.function.Supplier<Tensor> y = () -> new io.treegrad.autodiff.ops.MatMul(ta, tb).apply(a, b);
                Tensor[] ref = Autograd.grad(new Tensor[] {y.get()}, new Tensor[] {a, b}, new Tensor[] {v}, false, false, false);
                y.get().backward(v);
                y.get().backward(v);
                String flags = "ta " + ta + ", tb " + tb;
                assertArrayEquals(values(ref[0].mul(2)), values(a.grad()), 1e-12, flags);
                assertArrayEquals(values(ref[1].mul(2)), values(b.grad()), 1e-12, flags);
                assertEquals(0, flat.getDouble(0), 0, flags);
            }
        }
    }

    @Test
    void float32IsTheDefaultAndStaysFloat32() {
        Tensor x = Tensor.of(1, 2, 3).requiresGrad(true);
        assertEquals(DataType.FLOAT, x.dataType());
        Tensor y = x.mul(2.5).exp().sum();
        assertEquals(DataType.FLOAT, y.dataType());
        y.backward();
        assertEquals(DataType.FLOAT, x.grad().dataType());
    }

    @Test
    void storedGradientsAreCOrderedEvenFromTransposeViews() {
        Tensor x = Tensor.of(F64, new double[][] {{1, 2, 3}, {4, 5, 6}}).requiresGrad(true);
        Tensor v = Tensor.of(F64, new double[][] {{1, 2}, {3, 4}, {5, 6}});
        x.transpose().backward(v);
        assertEquals('c', x.grad().value().ordering());
        assertArrayEquals(new double[] {1, 3, 5, 2, 4, 6}, Nd4j.toFlattened('c', x.grad().value()).toDoubleVector(), 0);
    }

    @Test
    void softmaxCrossEntropyIsStableForHugeLogitsAndChecksLabels() {
        Tensor z = Tensor.of(F64, new double[][] {{1000, 0, -1000}, {0, 2000, 0}}).requiresGrad(true);
        Tensor loss = Tensor.softmaxCrossEntropy(z, new int[] {0, 1});
        assertEquals(0, loss.item(), 1e-12);
        loss.backward();
        assertFalse(Double.isNaN(z.grad().value().sumNumber().doubleValue()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.softmaxCrossEntropy(z, new int[] {0, 3}));
        assertTrue(e.getMessage().contains("label 3 at row 1"), e.getMessage());
    }

    @Test
    void kinksTakePyTorchsOneSidedValues() {
        Tensor x = Tensor.of(F64, 0, 0, 0).requiresGrad(true);
        x.relu().sum().backward();
        assertArrayEquals(new double[] {0, 0, 0}, values(x.grad()), 0);   // relu'(0) = 0
        Tensor y = Tensor.of(F64, -1, 1).requiresGrad(true);
        y.clamp(-1, 1).sum().backward();
        assertArrayEquals(new double[] {1, 1}, values(y.grad()), 0);      // clamp passes at its bounds
        Tensor z = Tensor.of(F64, 0).requiresGrad(true);
        z.abs().sum().backward();
        assertArrayEquals(new double[] {0}, values(z.grad()), 0);         // |x|' = sign(0) = 0
    }

    @Test
    void dropoutIsSeededAndScaled() {
        Tensor x = Tensor.ones(F64, 1000);
        Tensor a = x.dropout(0.25, 11);
        Tensor b = x.dropout(0.25, 11);
        assertArrayEquals(values(a), values(b), 0);
        long kept = 0;
        for (double d : values(a)) {
            assertTrue(d == 0 || Math.abs(d - 1 / 0.75) < 1e-12);
            kept += d == 0 ? 0 : 1;
        }
        assertTrue(kept > 700 && kept < 800, "kept " + kept + " of 1000 at p = 0.25");
    }

    // ------------------------------------------------------------ graph picture

    @Test
    void graphvizShowsLeavesOpsShapesAndEdges() throws Exception {
        Tensor x = Tensor.randn(1, F64, 4, 3).name("x").requiresGrad(true);
        Tensor w = Tensor.randn(2, F64, 3, 2).name("W").requiresGrad(true);
        Tensor loss = Tensor.softmaxCrossEntropy(x.matmul(w).tanh(), new int[] {0, 1, 1, 0}).name("loss");
        String dot = GraphViz.toDot(loss);
        for (String s : new String[] {"digraph", "x\\n[4, 3]", "W\\n[3, 2]", "MatMul\\n[4, 2]", "Tanh\\n[4, 2]",
                "SoftmaxCrossEntropy\\n[]", "loss\\n[]", "->"}) {
            assertTrue(dot.contains(s), "missing " + s + " in\n" + dot);
        }
        assertEquals(5, dot.split("->", -1).length - 1, dot);   // x→mm, W→mm, mm→tanh, tanh→ce, ce→out
        java.io.File dotTool = new java.io.File("/usr/bin/dot");
        if (dotTool.canExecute()) {   // where graphviz is installed, it must accept the file
            Process p = new ProcessBuilder("/usr/bin/dot", "-Tsvg").redirectErrorStream(true).start();
            p.getOutputStream().write(dot.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String svg = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), svg);
            assertNotNull(svg);
            assertTrue(svg.contains("<svg"), svg);
        }
    }
}
