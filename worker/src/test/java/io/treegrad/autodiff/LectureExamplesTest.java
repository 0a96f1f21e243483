package io.treegrad.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The autograd lectures' worked examples, with their published numbers. */
class LectureExamplesTest {
    private static final DataType F64 = DataType.DOUBLE;

    static Tensor param(double... v) {
        return Tensor.of(F64, v).requiresGrad(true);
    }

    static Tensor scalarParam(double v) {
        return Tensor.scalar(F64, v).requiresGrad(true);
    }

    static double[] values(Tensor t) {
        return t.value().toDoubleVector();
    }

    static Tensor f(Tensor x1, Tensor x2) {
        return x1.log().add(x1.mul(x2)).sub(x2.sin());
    }

    @Test
    void reverseModeOfLnX1PlusX1X2MinusSinX2() {
        Tensor x1 = scalarParam(2);
        Tensor x2 = scalarParam(5);
        Tensor y = f(x1, x2);
        assertEquals(11.652, y.item(), 5e-4);
        y.backward();
        assertEquals(5.5, x1.grad().item(), 1e-12);
        assertEquals(1.716, x2.grad().item(), 5e-4);
    }

    @Test
    void forwardModeOfLnX1PlusX1X2MinusSinX2() {
        Tensor x1 = Tensor.scalar(F64, 2);
        Tensor x2 = Tensor.scalar(F64, 5);
        Tensor[] xs = {x1, x2};
        ForwardAD.Jvp d1 = ForwardAD.jvp(in -> f(in[0], in[1]), xs,
                new Tensor[] {Tensor.scalar(F64, 1), null});
        ForwardAD.Jvp d2 = ForwardAD.jvp(in -> f(in[0], in[1]), xs,
                new Tensor[] {null, Tensor.scalar(F64, 1)});
        assertEquals(11.652, d1.value().item(), 5e-4);
        assertEquals(5.5, d1.tangent().item(), 1e-12);
        assertEquals(1.716, d2.tangent().item(), 5e-4);
    }

    @Test
    void twoXTransposeX() {
        Tensor x = param(0, 1, 2, 3);
        x.mul(x).sum().mul(2).backward();
        assertArrayEquals(new double[] {0, 4, 8, 12}, values(x.grad()), 1e-12);
    }

    @Test
    void sumGivesOnes() {
        Tensor x = param(0, 1, 2, 3);
        x.sum().backward();
        assertArrayEquals(new double[] {1, 1, 1, 1}, values(x.grad()), 0);
    }

    @Test
    void gradientsAccumulateUntilZeroed() {
        Tensor x = scalarParam(5);
        Tensor y = x.pow(2).mul(3);
        y.backward(null, true);
        assertEquals(30, x.grad().item(), 1e-12);
        y.backward(null, true);
        assertEquals(60, x.grad().item(), 1e-12);

        Tensor z = scalarParam(5);
        Tensor w = z.pow(2).mul(3);
        w.backward(null, true);
        assertEquals(30, z.grad().item(), 1e-12);
        z.zeroGrad();
        w.backward(null, true);
        assertEquals(30, z.grad().item(), 1e-12);
    }

    @Test
    void retainedNonLeafGradient() {
        Tensor x1 = scalarParam(5);
        Tensor x2 = scalarParam(2);
        Tensor y = x2.pow(2).mul(0.5).retainGrad();
        Tensor z = x1.pow(2).add(y);
        z.backward();
        assertEquals(10, x1.grad().item(), 1e-12);
        assertEquals(2, x2.grad().item(), 1e-12);
        assertEquals(1, y.grad().item(), 1e-12);
    }

    @Test
    void nonLeafGradientIsNotKeptWithoutRetainGrad() {
        Tensor x = scalarParam(5);
        Tensor y = x.pow(2);
        y.mul(3).backward();
        assertNull(y.grad());
    }

    @Test
    void threeBackwardCallsThroughARetainedGraph() {
        Tensor x = scalarParam(5);
        Tensor y = x.pow(2);
        Tensor z1 = x.add(y);
        Tensor z2 = x.pow(2).add(y);
        Tensor z3 = x.pow(3).add(y);
        z1.backward(null, true);   // 1 + 2x = 11
        z2.backward(null, true);   // 2x + 2x = 20
        z3.backward(null, true);   // 3x² + 2x = 85
        assertEquals(116, x.grad().item(), 1e-12);
    }

    @Test
    void quarterSumOfThreeXPlusTwoSquared() {
        Tensor x = Tensor.ones(F64, 4).requiresGrad(true);
        Tensor o = x.add(2).pow(2).mul(3).sum().mul(0.25);
        o.backward();
        assertArrayEquals(new double[] {4.5, 4.5, 4.5, 4.5}, values(x.grad()), 1e-12);
    }

    @Test
    void meanOfLogXSquaredPlusOnePlusFiveX() {
        Tensor x = param(0, 1, 2, 3, 4);
        x.pow(2).add(1).log().add(x.mul(5)).mean().backward();
        assertArrayEquals(new double[] {1, 1.2, 1.16, 1.12, 1.0941}, values(x.grad()), 5e-5);
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = param(0, 1, 2, 3);
        Tensor f = x.mul(x).sum().mul(2);
        Tensor a = x.sum().detach();
        f.sub(a).pow(2).backward();
        assertArrayEquals(new double[] {0, 176, 352, 528}, values(x.grad()), 1e-9);

        Tensor x2 = param(0, 1, 2, 3);
        Tensor f2 = x2.mul(x2).sum().mul(2);
        Tensor a2 = x2.sum();
        f2.sub(a2).pow(2).backward();
        assertArrayEquals(new double[] {-44, 132, 308, 484}, values(x2.grad()), 1e-9);
    }

    @Test
    void vectorJacobianProductOfRepeatedDoubling() {
        Tensor x = Tensor.of(F64, 0.3, -1.2, 0.7).requiresGrad(true);
        Tensor y = x.mul(2);
        int doublings = 1;
        while (y.value().norm2Number().doubleValue() < 1000) {
            y = y.mul(2);
            doublings++;
        }
        double[] v = {0.1, 1.0, 0.0001};
        y.backward(Tensor.of(F64, v));
        double scale = Math.pow(2, doublings);
        assertArrayEquals(new double[] {v[0] * scale, v[1] * scale, v[2] * scale}, values(x.grad()), 1e-9);
    }
}
