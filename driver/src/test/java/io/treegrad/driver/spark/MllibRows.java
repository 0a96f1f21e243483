package io.treegrad.driver.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * treegrad's cached shards as MLlib's inputs, built on the executors from the same (scaled) rows,
 * so that the MLlib peers of the benchmark run on the same Spark and the same data. Test code: the
 * benchmark's, in this package to read {@link Shard}'s fields.
 */
public final class MllibRows {
    private MllibRows() {}

    /**
     * {@code (label, features)} for {@code mllib.optimization.GradientDescent}: every row's pixels
     * as a sparse vector of dimension {@code dim} (≥ the row's features) with the row's
     * {@code numFeatures} values, stored explicitly (zeros included), at indices {@code j·(dim/numFeatures)},
     * so a model of {@code dim} weights sees the same data size per row as treegrad's MLP. The label is
     * binary (class ≥ numClasses/2), for {@code LogisticGradient}. Cached.
     */
    public static JavaRDD<Tuple2<Object, org.apache.spark.mllib.linalg.Vector>> sparse(DistributedData data, int dim) {
        JavaRDD<Tuple2<Object, org.apache.spark.mllib.linalg.Vector>> rows = data.shards().flatMap(s -> {
            int d = s.numFeatures;
            int stride = dim / d;
            int[] indices = new int[d];
            for (int j = 0; j < d; j++) {
                indices[j] = j * stride;
            }
            List<Tuple2<Object, org.apache.spark.mllib.linalg.Vector>> out = new ArrayList<>(s.rows);
            for (int r = 0; r < s.rows; r++) {
                double[] v = new double[d];
                for (int j = 0; j < d; j++) {
                    v[j] = s.features[r * d + j];
                }
                double label = s.labels[r] >= s.numClasses / 2 ? 1 : 0;
                out.add(new Tuple2<>(label, org.apache.spark.mllib.linalg.Vectors.sparse(dim, indices, v)));
            }
            return out.iterator();
        });
        rows.persist(StorageLevel.MEMORY_ONLY());
        rows.count();
        return rows;
    }

    /** {@code Row(label: double, features: ml Vector)} for spark.ml estimators, dense, not cached. */
    public static JavaRDD<Row> dense(DistributedData data) {
        return data.shards().flatMap(s -> {
            int d = s.numFeatures;
            List<Row> out = new ArrayList<>(s.rows);
            for (int r = 0; r < s.rows; r++) {
                double[] v = new double[d];
                for (int j = 0; j < d; j++) {
                    v[j] = s.features[r * d + j];
                }
                out.add(RowFactory.create((double) s.labels[r], Vectors.dense(v)));
            }
            return out.iterator();
        });
    }
}
