package io.treegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;
import org.nd4j.linalg.factory.Nd4j;

/** {@link Flat#sqrt}'s host loop gives ND4J's square root bit for bit (the optimizers' exactness rests on it). */
class FlatSqrtTest {
    @Test
    void float32SquareRootsAreNd4jsBitForBit() {
        Random r = new Random(13);
        float[] x = new float[70_001];
        for (int i = 0; i < x.length; i++) {
            // non-negative floats of every exponent (as v and s are), zeros, subnormals and infinity
            x[i] = Math.abs(Float.intBitsToFloat(r.nextInt() & 0x7f7fffff));
        }
        x[0] = 0f;
        x[1] = Float.MIN_VALUE;
        x[2] = Float.POSITIVE_INFINITY;
        x[3] = Float.MAX_VALUE;
        INDArray in = Nd4j.createFromArray(x);
        INDArray ours = Nd4j.create(DataType.FLOAT, x.length);
        INDArray nd4j = Nd4j.create(DataType.FLOAT, x.length);
        Flat.sqrt(in, ours);
        Nd4j.exec(new Sqrt(in, nd4j));
        float[] a = ours.toFloatVector();
        float[] b = nd4j.toFloatVector();
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits(b[i]), Float.floatToRawIntBits(a[i]), "sqrt(" + x[i] + ")");
        }
        assertEquals(x[5], in.getFloat(5), "the input is left as it was");
    }

    @Test
    void float64SquareRootsAreNd4jsBitForBitAlsoInPlace() {
        Random r = new Random(17);
        double[] x = new double[5_003];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.abs(Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL));
        }
        INDArray nd4j = Nd4j.create(DataType.DOUBLE, x.length);
        Nd4j.exec(new Sqrt(Nd4j.createFromArray(x), nd4j));
        INDArray inPlace = Nd4j.createFromArray(x);
        Flat.sqrt(inPlace, inPlace);
        double[] a = inPlace.toDoubleVector();
        double[] b = nd4j.toDoubleVector();
        for (int i = 0; i < x.length; i++) {
            assertEquals(Double.doubleToRawLongBits(b[i]), Double.doubleToRawLongBits(a[i]), "sqrt(" + x[i] + ")");
        }
        // a shorter array after a longer one reuses the kept host copy: only its own elements count
        INDArray small = Nd4j.createFromArray(new double[] {4, 9});
        Flat.sqrt(small, small);
        assertTrue(small.equals(Nd4j.createFromArray(new double[] {2, 3})), small.toString());
    }
}
