package io.treegrad.driver.spark;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
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
 * pieces, took 20 ms to read on an executor: docs/benchmarks-spark.md). The partitions' parameters
 * are written in bulk (little-endian, 64 KB chunks) by Java serialization, which Spark uses for
 * tasks. Elements: {@link Input}, the parent's shard with the parameters ({@code float[]} or
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
    /** Only on the driver, for {@link #getPartitions}: the partitions carry it to the tasks. */
    private final transient Object params;

    private ParamShards(RDD<Shard> parent, Object params) {
        super(parent, TAG);
        this.parent = parent;
        this.params = params;
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
            ps[i] = new Part(i, up[i], params);
        }
        return ps;
    }

    @Override
    public Iterator<Input> compute(Partition split, TaskContext context) {
        Part p = (Part) split;
        return parent.iterator(p.parent, context).map(shard -> new Input(shard, p.params));
    }

    /** A partition: the parent's, and the parameters, written in bulk. */
    static final class Part implements Partition {
        @Serial
        private static final long serialVersionUID = 1L;
        private static final int CHUNK_BYTES = 64 * 1024;

        private final int index;
        private final Partition parent;
        private transient Object params;

        Part(int index, Partition parent, Object params) {
            this.index = index;
            this.parent = parent;
            this.params = params;
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

        @Serial
        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
            boolean doubles = params instanceof double[];
            int n = doubles ? ((double[]) params).length : ((float[]) params).length;
            out.writeBoolean(doubles);
            out.writeInt(n);
            byte[] chunk = new byte[CHUNK_BYTES];
            ByteBuffer view = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            int per = doubles ? CHUNK_BYTES / 8 : CHUNK_BYTES / 4;
            for (int from = 0; from < n; from += per) {
                int k = Math.min(per, n - from);
                view.clear();
                if (doubles) {
                    view.asDoubleBuffer().put((double[]) params, from, k);
                    out.write(chunk, 0, k * 8);
                } else {
                    view.asFloatBuffer().put((float[]) params, from, k);
                    out.write(chunk, 0, k * 4);
                }
            }
        }

        @Serial
        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            boolean doubles = in.readBoolean();
            int n = in.readInt();
            byte[] chunk = new byte[CHUNK_BYTES];
            ByteBuffer view = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            int per = doubles ? CHUNK_BYTES / 8 : CHUNK_BYTES / 4;
            double[] d = doubles ? new double[n] : null;
            float[] f = doubles ? null : new float[n];
            for (int from = 0; from < n; from += per) {
                int k = Math.min(per, n - from);
                in.readFully(chunk, 0, k * (doubles ? 8 : 4));
                view.clear();
                if (doubles) {
                    view.asDoubleBuffer().get(d, from, k);
                } else {
                    view.asFloatBuffer().get(f, from, k);
                }
            }
            params = doubles ? d : f;
        }
    }
}
