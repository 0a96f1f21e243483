package io.treegrad.driver.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import io.treegrad.data.BadRecordReason;
import io.treegrad.data.ColumnarRecords;
import io.treegrad.data.Dataset;
import io.treegrad.data.LabelSpec;
import io.treegrad.data.MalformedDataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import scala.Tuple2;

/**
 * A Parquet file or directory into P cached shards, read by Spark SQL on the executors: the driver
 * only reads the schema and small counts, never rows.
 *
 * <p><b>Row order</b>, and so the shards and every global row number, is fixed by the data alone:
 * files in path order ({@code _metadata.file_path}), rows in file order ({@code _metadata.row_index}),
 * whatever splits Spark makes (it packs file splits largest first). The load:
 * <ol>
 *   <li>the driver checks that the path exists and the schema (columns, types);</li>
 *   <li>without {@code num_features}, the length of the first row that has features becomes the
 *       length every row must have (one ordered {@code limit(1)});</li>
 *   <li>the rows, sorted by (file, row), are checked by {@link ColumnarRecords} in their tasks
 *       (bad rows fail or are skipped by the policy); one job counts the kept rows of each partition
 *       (and finds the largest class id when {@code num_classes} is not given);</li>
 *   <li>those counts give every kept row its global number g; a shuffle sends it to shard p with
 *       p·N/P &lt;= g &lt; (p+1)·N/P, sorted by g, and each shard becomes one {@link Shard}.</li>
 * </ol>
 *
 * <p><b>Features</b>: an array of any numeric type (cast to {@code array<double>} in SQL), or a Spark
 * ML vector read through its SQL form, {@code struct<type: tinyint, size: int, indices: array<int>,
 * values: array<double>>} (type 0 sparse, 1 dense), never through {@code org.apache.spark.ml}
 * classes, so the driver needs no spark-mllib: with mllib on the classpath the column's type is
 * {@code VectorUDT}, a {@link UserDefinedType} whose {@code sqlType} is that struct, and the file is
 * read again with the struct in its place; without mllib Spark reads the struct already.
 * <b>Labels</b>: any numeric column; class ids must be integers, as in the text formats.
 */
final class ParquetShards {
    private ParquetShards() {}

    private static final int VECTOR_SPARSE = 0;
    private static final int VECTOR_DENSE = 1;

    static JavaRDD<Shard> load(JavaSparkContext jsc, DataSource source, int partitions) {
        try {
            DataSource.existing(source.path(), jsc.hadoopConfiguration());
        } catch (IOException e) {
            throw input(e);
        }
        Table table = Table.of(SparkSession.active(), source);
        RowLength length = rowLength(source, table);
        int numFeatures = length.numFeatures();
        boolean vector = table.vector();
        JavaRDD<ColumnarRecords.Record> records = table.rows().javaRDD().mapPartitions(it -> new CheckedRows(it,
                new ColumnarRecords(labels(source), source.policy(), source.featuresColumn(), source.labelColumn(),
                        numFeatures, length.origin()), source.featuresColumn(), vector));

        int inputs = records.getNumPartitions();
        long[] counts = records.mapPartitionsWithIndex((p, it) -> List.of(countAndMaxLabel(p, inputs, it)).iterator(),
                true).reduce(ParquetShards::mergeCounts);
        long total = 0;
        long[] offsets = new long[inputs];
        for (int p = 0; p < inputs; p++) {
            offsets[p] = total;
            total += counts[p];
        }
        if (total == 0) {
            throw input(MalformedDataException.fileLevel(source.path(), "no records: empty, or every row was bad and"
                    + " skipped (bad_records: " + source.policy().name().toLowerCase(java.util.Locale.ROOT) + ")"));
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw input(MalformedDataException.fileLevel(source.path(), total
                    + " rows do not fit one dataset; split the input"));
        }
        int n = (int) total;
        int numClasses = source.regression() ? 0 : source.numClasses() > 0 ? source.numClasses()
                : (int) counts[inputs] + 1;
        JavaPairRDD<Long, ColumnarRecords.Record> numbered = JavaPairRDD.fromJavaRDD(records.mapPartitionsWithIndex(
                (p, it) -> new Numbered(offsets[p], it), true));
        return numbered.repartitionAndSortWithinPartitions(new Blocks(n, partitions))
                .mapPartitionsWithIndex((p, it) -> List.of(shard(p, partitions, n, numFeatures, numClasses,
                        source.regression(), it)).iterator(), true);
    }

    /**
     * The rows as (file, row, x, y), sorted by file and row: x the features (array&lt;double&gt;, or
     * the vector struct when {@code vector}), y the label as stored.
     */
    private record Table(org.apache.spark.sql.Dataset<Row> rows, boolean vector) {
        static Table of(SparkSession spark, DataSource source) {
            String path = source.path();
            org.apache.spark.sql.Dataset<Row> df = open(spark, path, null);
            StructType schema = withVectorsAsStructs(df.schema());
            if (!schema.equals(df.schema())) {
                df = open(spark, path, schema);
            }
            String name = source.featuresColumn();
            DataType featuresType = field(schema, name, "features_column", path).dataType();
            boolean vector = isVectorStruct(featuresType);
            if (!vector && !(featuresType instanceof ArrayType a && a.elementType() instanceof NumericType)) {
                throw input(MalformedDataException.fileLevel(path, "column '" + name + "' is "
                        + featuresType.simpleString() + "; expected array<float|double|int|long|short|byte> or a"
                        + " Spark ML vector (set data.*.features_column)"));
            }
            DataType labelType = field(schema, source.labelColumn(), "label_column", path).dataType();
            if (!(labelType instanceof NumericType)) {
                throw input(MalformedDataException.fileLevel(path, "column '" + source.labelColumn() + "' is "
                        + labelType.simpleString() + "; expected a numeric label column (integer class ids, or"
                        + " numbers for task: regression)"));
            }
            Column features = vector ? quoted(name)
                    : quoted(name).cast(DataTypes.createArrayType(DataTypes.DoubleType, true));
            return new Table(df.select(col("_metadata.file_path").as("file"), col("_metadata.row_index").as("row"),
                    features.as("x"), quoted(source.labelColumn()).as("y")).orderBy("file", "row"), vector);
        }
    }

    /** The DataFrame of {@code path}, with the given schema or the one Spark infers; unreadable: an input error. */
    private static org.apache.spark.sql.Dataset<Row> open(SparkSession spark, String path, StructType schema) {
        try {
            return schema == null ? spark.read().parquet(path) : spark.read().schema(schema).parquet(path);
        } catch (Exception e) {   // Spark's failures (SparkException) are checked exceptions it does not declare
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw input(MalformedDataException.fileLevel(path, "cannot be read as Parquet: " + root.getMessage()));
        }
    }

    /** The length every row must have, and where it comes from, for messages ("expected 64 (num_features)"). */
    private record RowLength(int numFeatures, String origin) implements java.io.Serializable {}

    /**
     * The configured feature count, or the length of the first row that has features (the only row
     * the driver looks at, through an ordered limit(1)).
     */
    private static RowLength rowLength(DataSource source, Table table) {
        if (source.numFeatures() > 0) {
            return new RowLength(source.numFeatures(), "(num_features)");
        }
        Column length = table.vector()
                ? when(col("x.type").equalTo(VECTOR_SPARSE), col("x.size")).otherwise(size(col("x.values")))
                : size(col("x"));
        List<Row> first = table.rows().filter(col("x").isNotNull()).select(length.as("d"), col("file"), col("row"))
                .limit(1).collectAsList();
        if (first.isEmpty()) {
            throw input(MalformedDataException.fileLevel(source.path(), "no records with features: column '"
                    + source.featuresColumn() + "' is null in every row"));
        }
        Row r = first.get(0);
        String where = r.getString(1) + " row " + r.getLong(2);
        if (r.isNullAt(0) || r.getInt(0) < 1) {
            throw input(MalformedDataException.fileLevel(source.path(), where + ": column '" + source.featuresColumn()
                    + "' has no values, so the feature count cannot be inferred; give num_features"));
        }
        return new RowLength(r.getInt(0), "as in the first row (" + where + ")");
    }

    private static LabelSpec labels(DataSource source) {
        return source.regression() ? LabelSpec.regression()
                : source.numClasses() > 0 ? LabelSpec.classIds(source.numClasses()) : LabelSpec.classIds();
    }

    /** {@code schema} with every Spark ML vector column (a UDT over the vector struct) as that struct. */
    private static StructType withVectorsAsStructs(StructType schema) {
        StructField[] fields = schema.fields().clone();
        for (int i = 0; i < fields.length; i++) {
            if (fields[i].dataType() instanceof UserDefinedType<?> udt && isVectorStruct(udt.sqlType())) {
                StructField f = fields[i];
                fields[i] = new StructField(f.name(), udt.sqlType(), f.nullable(), f.metadata());
            }
        }
        return new StructType(fields);
    }

    /** Spark ML's vector in SQL: {@code struct<type: tinyint, size: int, indices: array<int>, values: array<double>>}. */
    private static boolean isVectorStruct(DataType t) {
        if (!(t instanceof StructType s) || s.fields().length != 4) {
            return false;
        }
        List<String> names = Arrays.asList(s.fieldNames());
        return names.equals(List.of("type", "size", "indices", "values"))
                && s.fields()[0].dataType().equals(DataTypes.ByteType)
                && s.fields()[1].dataType().equals(DataTypes.IntegerType)
                && s.fields()[2].dataType() instanceof ArrayType i && i.elementType().equals(DataTypes.IntegerType)
                && s.fields()[3].dataType() instanceof ArrayType v && v.elementType().equals(DataTypes.DoubleType);
    }

    private static StructField field(StructType schema, String name, String key, String path) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw input(MalformedDataException.fileLevel(path, "no column '" + name + "' (data.*." + key + "); columns: "
                + String.join(", ", schema.fieldNames())));
    }

    /** A column by its exact name, dots and all. */
    private static Column quoted(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }

    private static UncheckedIOException input(IOException e) {
        return new UncheckedIOException(e.getMessage(), e);
    }

    /** Partition p's kept-row count in slot p of {@code inputs}, and the largest class id (or -1) in the last slot. */
    private static long[] countAndMaxLabel(int p, int inputs, Iterator<ColumnarRecords.Record> it) {
        long[] counts = new long[inputs + 1];
        long maxLabel = -1;
        while (it.hasNext()) {
            counts[p]++;
            maxLabel = Math.max(maxLabel, it.next().label());
        }
        counts[inputs] = maxLabel;
        return counts;
    }

    private static long[] mergeCounts(long[] a, long[] b) {
        int last = a.length - 1;
        for (int i = 0; i < last; i++) {
            a[i] += b[i];
        }
        a[last] = Math.max(a[last], b[last]);
        return a;
    }

    /** Shard p from its records, which arrive sorted by global row number. */
    private static Shard shard(int p, int parts, int n, int numFeatures, int numClasses, boolean regression,
                               Iterator<Tuple2<Long, ColumnarRecords.Record>> it) {
        int from = Shard.firstRow(p, n, parts);
        int rows = Shard.firstRow(p + 1, n, parts) - from;
        float[] x = new float[rows * numFeatures];
        int[] labels = new int[rows];
        float[] targets = new float[rows];
        int i = 0;
        while (it.hasNext()) {
            Tuple2<Long, ColumnarRecords.Record> t = it.next();
            if (i >= rows || t._1() != from + i) {
                throw new IllegalStateException("shard " + p + " got row " + t._1() + " where row " + (from + i)
                        + " of [" + from + ", " + (from + rows) + ") belongs");
            }
            ColumnarRecords.Record r = t._2();
            System.arraycopy(r.features(), 0, x, i * numFeatures, numFeatures);
            labels[i] = r.label();
            targets[i] = r.target();
            i++;
        }
        if (i != rows) {
            throw new IllegalStateException("shard " + p + " got " + i + " of its " + rows + " rows");
        }
        Dataset d = regression ? Dataset.regression(x, rows, numFeatures, targets)
                : Dataset.classification(x, rows, numFeatures, labels, numClasses);
        return Shard.block(p, from, n, d);
    }

    /** Global row g goes to shard p with p·n/parts <= g < (p+1)·n/parts: P contiguous blocks, as {@link Shard#of}. */
    static final class Blocks extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int n;
        private final int parts;

        Blocks(int n, int parts) {
            this.n = n;
            this.parts = parts;
        }

        @Override public int numPartitions() {
            return parts;
        }

        @Override public int getPartition(Object key) {
            long g = (Long) key;
            int p = (int) Math.min(parts - 1, g * parts / n);
            while (p + 1 < parts && Shard.firstRow(p + 1, n, parts) <= g) {
                p++;
            }
            while (p > 0 && Shard.firstRow(p, n, parts) > g) {
                p--;
            }
            return p;
        }

        @Override public boolean equals(Object o) {
            return o instanceof Blocks b && b.n == n && b.parts == parts;
        }

        @Override public int hashCode() {
            return 31 * n + parts;
        }
    }

    /** One partition's rows as checked records; bad rows fail the task or are left out, by the policy. */
    private static final class CheckedRows implements Iterator<ColumnarRecords.Record> {
        private final Iterator<Row> rows;
        private final ColumnarRecords check;
        private final String column;
        private final boolean vector;
        private ColumnarRecords.Record next;

        CheckedRows(Iterator<Row> rows, ColumnarRecords check, String featuresColumn, boolean vector) {
            this.rows = rows;
            this.check = check;
            this.column = "column '" + featuresColumn + "'";
            this.vector = vector;
        }

        @Override public boolean hasNext() {
            while (next == null && rows.hasNext()) {
                try {
                    next = record(rows.next());
                } catch (MalformedDataException e) {
                    throw new UncheckedIOException(e.getMessage(), e);
                }
            }
            return next != null;
        }

        @Override public ColumnarRecords.Record next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ColumnarRecords.Record r = next;
            next = null;
            return r;
        }

        /** Row (file, row, x, y) as a record, or null when it is bad and skipped. */
        private ColumnarRecords.Record record(Row row) throws MalformedDataException {
            String file = row.getString(0);
            long r = row.getLong(1);
            Number label = row.isNullAt(3) ? null : (Number) row.get(3);
            if (row.isNullAt(2)) {
                return check.check(file, r, null, label);
            }
            if (vector) {
                return vector(file, r, row.getStruct(2), label);
            }
            List<Object> values = row.getList(2);
            double[] x = new double[values.size()];
            for (int j = 0; j < x.length; j++) {
                Object v = values.get(j);
                if (v == null) {
                    return nullElement(file, r, j);
                }
                x[j] = (Double) v;
            }
            return check.check(file, r, x, label);
        }

        /** A vector's struct form: dense (type 1) values as they are, sparse (type 0) spread over its size. */
        private ColumnarRecords.Record vector(String file, long r, Row v, Number label) throws MalformedDataException {
            if (v.isNullAt(0) || v.isNullAt(3) || (v.getByte(0) == VECTOR_SPARSE && (v.isNullAt(1) || v.isNullAt(2)))) {
                return check.reject(file, r, BadRecordReason.NOT_A_NUMBER, column + " is a vector with null fields "
                        + v + "; expected a Spark ML vector");
            }
            List<Object> values = v.getList(3);
            int type = v.getByte(0);
            if (type == VECTOR_DENSE) {
                double[] x = new double[values.size()];
                for (int j = 0; j < x.length; j++) {
                    if (values.get(j) == null) {
                        return nullElement(file, r, j);
                    }
                    x[j] = (Double) values.get(j);
                }
                return check.check(file, r, x, label);
            }
            if (type != VECTOR_SPARSE) {
                return check.reject(file, r, BadRecordReason.NOT_A_NUMBER, column + " is a vector of type " + type
                        + "; expected 0 (sparse) or 1 (dense)");
            }
            int size = v.getInt(1);
            if (size != check.numFeatures()) {
                return check.wrongLength(file, r, size);
            }
            List<Object> indices = v.getList(2);
            if (indices.size() != values.size()) {
                return check.reject(file, r, BadRecordReason.MALFORMED_PAIR, column + " is a sparse vector with "
                        + indices.size() + " indices but " + values.size() + " values");
            }
            double[] x = new double[size];
            int previous = -1;
            for (int k = 0; k < indices.size(); k++) {
                Object index = indices.get(k);
                Object value = values.get(k);
                if (index == null || (Integer) index <= previous || (Integer) index >= size) {
                    return check.reject(file, r, BadRecordReason.BAD_FEATURE_INDEX, column + " has sparse index "
                            + index + (previous >= 0 ? " after " + previous : "")
                            + "; expected strictly increasing indices in 0.." + (size - 1));
                }
                if (value == null) {
                    return nullElement(file, r, (Integer) index);
                }
                previous = (Integer) index;
                x[previous] = (Double) value;
            }
            return check.check(file, r, x, label);
        }

        private ColumnarRecords.Record nullElement(String file, long r, int j) throws MalformedDataException {
            return check.reject(file, r, BadRecordReason.NOT_A_NUMBER, column + " element " + j
                    + " is null; expected a number");
        }
    }

    /** One partition's records numbered from its offset: (global row number, record). */
    private static final class Numbered implements Iterator<Tuple2<Long, ColumnarRecords.Record>> {
        private final Iterator<ColumnarRecords.Record> records;
        private long g;

        Numbered(long offset, Iterator<ColumnarRecords.Record> records) {
            this.g = offset;
            this.records = records;
        }

        @Override public boolean hasNext() {
            return records.hasNext();
        }

        @Override public Tuple2<Long, ColumnarRecords.Record> next() {
            return new Tuple2<>(g++, records.next());
        }
    }
}
