package io.treegrad.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import io.treegrad.data.ColumnarRecords;
import io.treegrad.train.GradientSum;
import java.util.List;
import org.apache.spark.serializer.KryoRegistrator;

/** Every class treegrad ships between driver and executors (registration is required). */
public final class TreegradKryoRegistrator implements KryoRegistrator {
    /**
     * What Spark SQL's Parquet schema discovery ships back from its tasks: a StructType of the
     * file's columns, of any type. Spark registers only some of these itself (StructType,
     * IntegerType, ...); the rest would fail the read of a file that has, say, an array column.
     * By name, skipping what this Spark version lacks (Variant, Time, geo types are 4.x; the ML
     * vector and matrix types need spark-mllib on the classpath, which treegrad itself does not).
     */
    static final List<String> SQL_SCHEMA_CLASSES = List.of("ArrayType", "MapType", "StructType", "StructField",
            "[Lorg.apache.spark.sql.types.StructField;", "Metadata", "NullType$", "BooleanType$", "ByteType$",
            "ShortType$", "IntegerType$", "LongType$", "FloatType$", "DoubleType$", "DecimalType", "StringType",
            "StringType$", "CharType", "VarcharType", "BinaryType$", "DateType$", "TimestampType$",
            "TimestampNTZType$", "TimeType", "CalendarIntervalType$", "DayTimeIntervalType", "YearMonthIntervalType",
            "VariantType$", "GeometryType", "GeographyType", "org.apache.spark.ml.linalg.VectorUDT",
            "org.apache.spark.ml.linalg.MatrixUDT", "org.apache.spark.mllib.linalg.VectorUDT",
            "org.apache.spark.mllib.linalg.MatrixUDT");

    @Override
    public void registerClasses(Kryo kryo) {
        // the parameters broadcast and the gradient sums returned every step: element arrays in bulk
        kryo.register(float[].class, new BulkArraySerializer.Floats());
        kryo.register(double[].class, new BulkArraySerializer.Doubles());
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(Object[].class);
        kryo.register(GradientSum.class);
        kryo.register(EvalSum.class);
        kryo.register(Shard.class);
        kryo.register(ColumnStats.class);
        kryo.register(ColumnarRecords.Record.class);   // parquet rows, shuffled into their shards
        for (String name : SQL_SCHEMA_CLASSES) {
            String className = name.contains(".") ? name : "org.apache.spark.sql.types." + name;
            try {
                kryo.register(Class.forName(className, false, Thread.currentThread().getContextClassLoader()));
            } catch (ClassNotFoundException e) {
                // not in this Spark version or not on the classpath: no schema can contain it
            }
        }
    }
}
