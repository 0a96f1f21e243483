package io.treegrad.driver.spark;

import io.treegrad.data.FeatureScaler;
import io.treegrad.data.ReadResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * A dataset split into P shards that are read and kept on the executors: only the partition
 * indices travel from the driver, never rows. Each task reads the source through Hadoop's
 * FileSystem and keeps its contiguous block of rows. Parquet is read by Spark SQL instead
 * ({@link ParquetShards}), into the same P contiguous blocks of the same row order every time.
 *
 * <p>NOTE: every task parses the whole file and keeps 1/P of it. That is right for the datasets
 * here (tens of MB, formats that gzip makes unsplittable); splitting by byte ranges is the next
 * step for large CSV/LibSVM inputs.
 */
public final class DistributedData {
    private final JavaRDD<Shard> shards;
    private final long rows;
    private final int numFeatures;
    private final int numClasses;
    private final boolean regression;

    private DistributedData(JavaRDD<Shard> shards, long rows, int numFeatures, int numClasses, boolean regression) {
        this.shards = shards;
        this.rows = rows;
        this.numFeatures = numFeatures;
        this.numClasses = numClasses;
        this.regression = regression;
    }

    /** Reads {@code source} into {@code partitions} cached shards, unscaled. */
    public static DistributedData load(JavaSparkContext jsc, DataSource source, int partitions) {
        JavaRDD<Shard> shards = source.isParquet() ? ParquetShards.load(jsc, source, partitions)
                : readOnEveryTask(jsc, source, partitions);
        shards.persist(StorageLevel.MEMORY_ONLY());
        Shard first = shards.first();
        return new DistributedData(shards, first.totalRows, first.numFeatures, first.numClasses, first.isRegression());
    }

    /** Every task reads the whole source and keeps its block. */
    private static JavaRDD<Shard> readOnEveryTask(JavaSparkContext jsc, DataSource source, int partitions) {
        List<Integer> indices = IntStream.range(0, partitions).boxed().toList();
        return jsc.parallelize(indices, partitions).mapPartitions(it -> {
            if (!it.hasNext()) {
                return Collections.emptyIterator();
            }
            int index = it.next();
            ReadResult read;
            try {
                read = source.read();
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            return List.of(Shard.of(read.dataset(), index, partitions)).iterator();
        });
    }

    /** Fits a scaler over all shards in one pass: method DIVIDE (constant), MIN_MAX or STANDARDIZE. */
    public FeatureScaler.State fitScaler(String method, double constant) {
        if (method.equals("DIVIDE")) {
            float[] center = new float[numFeatures];
            float[] divisor = new float[numFeatures];
            java.util.Arrays.fill(divisor, (float) constant);
            return new FeatureScaler.State(method, center, divisor);
        }
        return shards.map(ColumnStats::of).reduce(ColumnStats::merge).fit(method);
    }

    /** These shards scaled in place once (and cached again), by a scaler fitted on the training set. */
    public DistributedData scaled(FeatureScaler.State state) {
        if (state == null) {
            return this;
        }
        JavaRDD<Shard> scaled = shards.map(s -> s.scaled(state));
        scaled.persist(StorageLevel.MEMORY_ONLY());
        scaled.count();
        shards.unpersist(false);
        return new DistributedData(scaled, rows, numFeatures, numClasses, regression);
    }

    public JavaRDD<Shard> shards() {
        return shards;
    }

    public long rows() {
        return rows;
    }

    public int numFeatures() {
        return numFeatures;
    }

    public int numClasses() {
        return numClasses;
    }

    public boolean isRegression() {
        return regression;
    }

    public int partitions() {
        return shards.getNumPartitions();
    }

}
