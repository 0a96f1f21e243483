package io.treegrad.driver.spark;

import java.io.Serial;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * One step's view of the cached shards in which every partition carries the step's flat parameters,
 * so they reach each task inside its launch message (pushed by the driver, one message per task)
 * instead of as a TorrentBroadcast that every executor pulls: per 4 MB piece a location lookup and
 * a block-status report to the driver, each a blocking round trip, and a fetch that may be served by
 * the other executor while it computes (on the loopback cluster a 1M-parameter broadcast, two
 * pieces, took 20 ms to read on an executor: docs/benchmarks-spark.md). The parameters are encoded
 * once per step into little-endian bytes that every partition holds (Spark serializes a task with
 * its partition) and decoded in the task's run. Elements: {@link Input}, the parent's shard with the parameters ({@code float[]} or
 * {@code double[]}, one per task: shared by the rows of a partition).
 *
 * <p>The parent must be the cached shards: the view computes nothing of its own, and its one-to-one
 * dependency lets the scheduler place each task where the parent's cached partition is.
 */
final class ParamShards extends RDD<ParamShards.Input> {
    @Serial
    private static final long serialVersionUID = 1L;
    private static final ClassTag<Input> TAG = ClassTag$.MODULE$.apply(Input.class);

    /** A shard and the step's parameters, on an executor. */
    record Input(Shard shard, Object params) {}

    private final RDD<Shard> parent;
    private final boolean doubles;
    /** Only on the driver, for {@link #getPartitions}: the partitions carry it to the tasks. */
    private final transient byte[] encoded;

    private ParamShards(RDD<Shard> parent, Object params) {
        super(parent, TAG);
        this.parent = parent;
        this.doubles = params instanceof double[];
        this.encoded = encode(params);
    }

    /** The shards of {@code shards}, each with {@code params} (a {@code float[]} or {@code double[]}). */
    static JavaRDD<Input> of(JavaRDD<Shard> shards, Object params) {
        if (!(params instanceof float[]) && !(params instanceof double[])) {
            throw new IllegalArgumentException("parameters must be float[] or double[], got " + params.getClass());
        }
        return new JavaRDD<>(new ParamShards(shards.rdd(), params), TAG);
    }

    /** Bytes the parameters add to every task. */
    static long bytes(Object params) {
        return params instanceof double[] d ? 8L * d.length : 4L * ((float[]) params).length;
    }

    @Override
    public Partition[] getPartitions() {
        Partition[] up = parent.partitions();
        Partition[] ps = new Partition[up.length];
        for (int i = 0; i < up.length; i++) {
            ps[i] = new Part(i, up[i], doubles, encoded);
        }
        return ps;
    }

    @Override
    public Iterator<Input> compute(Partition split, TaskContext context) {
        Part p = (Part) split;
        Object params = p.params();   // in the task's run, once per partition
        return parent.iterator(p.parent, context).map(shard -> new Input(shard, params));
    }

    /**
     * A partition: the parent's, and the parameters as little-endian bytes (encoded once per step on
     * the driver and shared by the step's partitions; a {@code byte[]} field is one bulk block in the
     * task's serialization), decoded in the task.
     */
    static final class Part implements Partition {
        @Serial
        private static final long serialVersionUID = 1L;

        private final int index;
        private final Partition parent;
        private final boolean doubles;
        private final byte[] bytes;

        Part(int index, Partition parent, boolean doubles, byte[] bytes) {
            this.index = index;
            this.parent = parent;
            this.doubles = doubles;
            this.bytes = bytes;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public int hashCode() {
            return index;
        }

        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        /** The parameters: a fresh {@code float[]} or {@code double[]}. */
        Object params() {
            return get(bytes, bytes.length, doubles, null);
        }
    }

    /** The parameters as little-endian bytes. */
    private static byte[] encode(Object params) {
        byte[] bytes = new byte[Math.toIntExact(bytes(params))];
        put(params, bytes);
        return bytes;
    }

    /**
     * A flat {@code float[]} or {@code double[]} as little-endian bytes at the start of {@code into}
     * (at least {@link #bytes} long): this view's encoding, and the gang transport's on its sockets.
     */
    static void put(Object values, byte[] into) {
        ByteBuffer b = ByteBuffer.wrap(into).order(ByteOrder.LITTLE_ENDIAN);
        if (values instanceof double[] d) {
            b.asDoubleBuffer().put(d);
        } else {
            b.asFloatBuffer().put((float[]) values);
        }
    }

    /** The values {@link #put} wrote in the first {@code n} bytes, into {@code reuse} when it has their type and length. */
    static Object get(byte[] bytes, int n, boolean doubles, Object reuse) {
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, n).order(ByteOrder.LITTLE_ENDIAN);
        if (doubles) {
            double[] d = reuse instanceof double[] r && r.length == n / 8 ? r : new double[n / 8];
            b.asDoubleBuffer().get(d);
            return d;
        }
        float[] f = reuse instanceof float[] r && r.length == n / 4 ? r : new float[n / 4];
        b.asFloatBuffer().get(f);
        return f;
    }
}
