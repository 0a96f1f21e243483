package io.treegrad.driver.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.treegrad.train.GradientSum;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The parameter and gradient arrays through Spark's own KryoSerializer with treegrad's registrator,
 * both ways Spark uses it: whole objects into a buffer (task results) and a stream (a broadcast's
 * blocks). Bit for bit, at and around the serializer's chunk size.
 */
class BulkArraySerializerTest {
    private static final int[] LENGTHS = {0, 1, 3, 16_383, 16_384, 16_385, 8_191, 8_192, 8_193, 100_003};

    private static SerializerInstance kryo() {
        SparkConf conf = new SparkConf(false).set("spark.kryo.registrationRequired", "true")
                .set("spark.kryo.registrator", TreegradKryoRegistrator.class.getName());
        return new KryoSerializer(conf).newInstance();
    }

    private static <T> ClassTag<T> tag(Class<T> c) {
        return ClassTag$.MODULE$.apply(c);
    }

    private static float[] floats(int n, Random r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = Float.intBitsToFloat(r.nextInt());   // every bit pattern: NaNs, -0, subnormals, infinities
        }
        return a;
    }

    @Test
    void theRegistratorInstallsTheBulkSerializers() {
        SparkConf conf = new SparkConf(false).set("spark.kryo.registrator", TreegradKryoRegistrator.class.getName());
        com.esotericsoftware.kryo.Kryo kryo = new KryoSerializer(conf).newKryo();
        assertEquals(BulkArraySerializer.Floats.class, kryo.getRegistration(float[].class).getSerializer().getClass());
        assertEquals(BulkArraySerializer.Doubles.class, kryo.getRegistration(double[].class).getSerializer().getClass());
    }

    @Test
    void floatArraysRoundTripBitForBit() {
        SerializerInstance k = kryo();
        Random r = new Random(3);
        for (int n : LENGTHS) {
            float[] a = floats(n, r);
            ByteBuffer bytes = k.serialize(a, tag(float[].class));
            float[] back = k.deserialize(bytes, tag(float[].class));
            assertEquals(n, back.length);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(back[i]), "length " + n + " at " + i);
            }
        }
    }

    @Test
    void doubleArraysRoundTripBitForBit() {
        SerializerInstance k = kryo();
        Random r = new Random(5);
        for (int n : LENGTHS) {
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = Double.longBitsToDouble(r.nextLong());
            }
            double[] back = k.deserialize(k.serialize(a, tag(double[].class)), tag(double[].class));
            assertEquals(n, back.length);
            for (int i = 0; i < n; i++) {
                assertEquals(Double.doubleToRawLongBits(a[i]), Double.doubleToRawLongBits(back[i]), "length " + n + " at " + i);
            }
        }
    }

    /** A broadcast is several objects on one stream: lengths, nulls and elements must not run into each other. */
    @Test
    void streamOfArraysAndNullsReadsBackInOrder() {
        SerializerInstance k = kryo();
        Random r = new Random(7);
        float[] first = floats(100_003, r);
        float[] second = floats(5, r);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SerializationStream s = k.serializeStream(out);
        s.writeObject(first, tag(float[].class));
        s.writeObject(null, tag(Object.class));
        s.writeObject(second, tag(float[].class));
        s.writeObject(new double[] {-0.0, Double.MIN_VALUE}, tag(double[].class));
        s.close();
        DeserializationStream in = k.deserializeStream(new ByteArrayInputStream(out.toByteArray()));
        assertArrayEquals(first, in.<float[]>readObject(tag(float[].class)));
        assertNull(in.readObject(tag(Object.class)));
        assertArrayEquals(second, in.<float[]>readObject(tag(float[].class)));
        assertArrayEquals(new double[] {-0.0, Double.MIN_VALUE}, in.<double[]>readObject(tag(double[].class)));
        in.close();
    }

    /** A task's result: the gradient sum's array field goes through the bulk serializer. */
    @Test
    void gradientSumKeepsItsSumAndCounts() {
        SerializerInstance k = kryo();
        float[] g = floats(40_000, new Random(9));
        for (int i = 0; i < g.length; i++) {
            g[i] = Float.isFinite(g[i]) ? g[i] : i;   // meanInto divides: keep it finite
        }
        GradientSum sum = GradientSum.empty().add(Nd4j.createFromArray(g), 12.5, 7).addFit(3, 0);
        GradientSum back = k.deserialize(k.serialize(sum, tag(GradientSum.class)), tag(GradientSum.class));
        assertEquals(7, back.count());
        assertEquals(12.5, back.lossSum());
        assertEquals(3, back.correct());
        float[] mean = back.meanInto(Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, g.length)).toFloatVector();
        float[] want = sum.meanInto(Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, g.length)).toFloatVector();
        assertArrayEquals(want, mean);
    }
}
