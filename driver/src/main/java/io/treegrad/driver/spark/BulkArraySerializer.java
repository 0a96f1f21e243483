package io.treegrad.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Kryo serializers for {@code float[]} and {@code double[]} that move the elements in bulk: through a
 * small byte chunk filled by one {@link java.nio.FloatBuffer} copy (a memcpy on a little-endian host)
 * and written with one {@link Output#writeBytes}, instead of Kryo's default of one
 * {@code writeFloat} (4 single-byte stores, a bounds check) per element. These arrays are what a step
 * ships: the broadcast parameters and the {@link io.treegrad.train.GradientSum} every task returns
 * (Kryo's FieldSerializer uses the registered serializer for its array field).
 *
 * <p>Format: the length + 1 as a varint (0 = null, as Kryo's own array serializers), then the
 * elements little-endian. Registered by {@link TreegradKryoRegistrator}, so driver and executors
 * agree. One instance per Kryo (Spark keeps a Kryo per thread): the chunk is not shared.
 */
abstract class BulkArraySerializer<T> extends Serializer<T> {
    private static final int CHUNK_BYTES = 64 * 1024;
    final byte[] chunk = new byte[CHUNK_BYTES];
    final ByteBuffer chunkView = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);

    BulkArraySerializer() {
        setAcceptsNull(true);
    }

    /** float32: parameters and gradient sums of float32 models. */
    static final class Floats extends BulkArraySerializer<float[]> {
        @Override
        public void write(Kryo kryo, Output output, float[] a) {
            if (writeLength(output, a == null ? -1 : a.length)) {
                for (int from = 0; from < a.length; from += CHUNK_BYTES / 4) {
                    int n = Math.min(CHUNK_BYTES / 4, a.length - from);
                    chunkView.clear();
                    chunkView.asFloatBuffer().put(a, from, n);
                    output.writeBytes(chunk, 0, n * 4);
                }
            }
        }

        @Override
        public float[] read(Kryo kryo, Input input, Class<float[]> type) {
            int length = readLength(input);
            if (length < 0) {
                return null;
            }
            float[] a = new float[length];
            for (int from = 0; from < length; from += CHUNK_BYTES / 4) {
                int n = Math.min(CHUNK_BYTES / 4, length - from);
                input.readBytes(chunk, 0, n * 4);
                chunkView.clear();
                chunkView.asFloatBuffer().get(a, from, n);
            }
            return a;
        }
    }

    /** float64: parameters and gradient sums of float64 models. */
    static final class Doubles extends BulkArraySerializer<double[]> {
        @Override
        public void write(Kryo kryo, Output output, double[] a) {
            if (writeLength(output, a == null ? -1 : a.length)) {
                for (int from = 0; from < a.length; from += CHUNK_BYTES / 8) {
                    int n = Math.min(CHUNK_BYTES / 8, a.length - from);
                    chunkView.clear();
                    chunkView.asDoubleBuffer().put(a, from, n);
                    output.writeBytes(chunk, 0, n * 8);
                }
            }
        }

        @Override
        public double[] read(Kryo kryo, Input input, Class<double[]> type) {
            int length = readLength(input);
            if (length < 0) {
                return null;
            }
            double[] a = new double[length];
            for (int from = 0; from < length; from += CHUNK_BYTES / 8) {
                int n = Math.min(CHUNK_BYTES / 8, length - from);
                input.readBytes(chunk, 0, n * 8);
                chunkView.clear();
                chunkView.asDoubleBuffer().get(a, from, n);
            }
            return a;
        }
    }

    /** Writes length + 1 (0 for null); returns whether elements follow. */
    static boolean writeLength(Output output, int length) {
        output.writeVarInt(length + 1, true);
        return length >= 0;
    }

    /** The length written by {@link #writeLength}, −1 for null. */
    static int readLength(Input input) {
        return input.readVarInt(true) - 1;
    }
}
