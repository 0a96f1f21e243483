package io.treegrad.driver.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.treegrad.data.BadRecordPolicy;
import io.treegrad.data.CsvReader;
import io.treegrad.data.Dataset;
import io.treegrad.data.LabelSpec;
import io.treegrad.data.LibSvmReader;
import io.treegrad.driver.TestData;
import io.treegrad.driver.config.ConfigLoader;
import io.treegrad.driver.config.ConfigWriter;
import io.treegrad.driver.config.ExperimentConfig;
import io.treegrad.driver.run.TrainJob;
import io.treegrad.io.ModelFile;
import io.treegrad.nn.Model;
import io.treegrad.nn.ModelSpec;
import io.treegrad.optim.Adam;
import io.treegrad.optim.Optimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code format: parquet} on the real datasets: sklearn's digits and LibSVM's heart_scale written to
 * Parquet by Spark (array&lt;float&gt;, array&lt;double&gt;, Spark ML vectors) read into the same
 * shards, row for row, as the CSV and LibSVM readers give, and trained to the same parameters.
 */
class ParquetSourceTest {
    @TempDir
    static Path tmp;

    private static Dataset digits;
    private static Dataset heart;
    /** digits as array<float>, in two files whose names sort in row order but whose sizes do not. */
    private static Path floats;
    /** digits as array<double> with the class ids as doubles (3.0), one file. */
    private static Path doubles;
    /** digits as Spark ML vectors, compressed: sparse where that is smaller, else dense. */
    private static Path vectors;
    /** heart_scale as sparse vectors with class ids 0/1 and the original ±1 as a regression target. */
    private static Path heartVectors;

    @BeforeAll
    static void writeTheLayouts() throws IOException {
        SparkSession spark = session();
        digits = CsvReader.builder().labels(LabelSpec.classIds(10)).build()
                .read(Path.of(TestData.file("digits/digits.csv.gz"))).dataset();
        heart = LibSvmReader.builder().numFeatures(13).build().read(Path.of(TestData.file("heart-scale/heart_scale")))
                .dataset();
        int n = digits.numRows();

        floats = Files.createDirectories(tmp.resolve("digits-float"));
        StructType floatSchema = schema(DataTypes.createArrayType(DataTypes.FloatType, false), DataTypes.IntegerType);
        IntFunction<Row> floatRow = i -> RowFactory.create(floatList(digits, i), digits.labels()[i]);
        // small row groups in a big second file: Spark splits it, and packs the splits before the small file
        writeOneFile(spark, rows(0, 100, floatRow), floatSchema, floats.resolve("a-head.parquet"));
        writeOneFile(spark, rows(100, n, floatRow), floatSchema, floats.resolve("b-tail.parquet"));

        doubles = Files.createDirectories(tmp.resolve("digits-double"));
        writeOneFile(spark, rows(0, n, i -> RowFactory.create(doubleList(digits, i), (double) digits.labels()[i])),
                schema(DataTypes.createArrayType(DataTypes.DoubleType, false), DataTypes.DoubleType),
                doubles.resolve("digits.parquet"));

        vectors = tmp.resolve("digits-vector");
        List<Row> vectorRows = rows(0, n, i -> RowFactory.create(Vectors.dense(row(digits, i)).compressed(),
                (long) digits.labels()[i]));
        long sparse = vectorRows.stream().filter(r -> r.get(0) instanceof SparseVector).count();
        assertTrue(sparse > 0 && sparse < n, "both vector kinds: " + sparse + " of " + n + " sparse");
        spark.createDataFrame(vectorRows, schema(new VectorUDT(), DataTypes.LongType)).write().parquet(vectors.toString());

        heartVectors = tmp.resolve("heart-vector");
        StructType heartSchema = new StructType(new StructField[] {
                new StructField("x", new VectorUDT(), false, org.apache.spark.sql.types.Metadata.empty()),
                new StructField("class", DataTypes.ShortType, false, org.apache.spark.sql.types.Metadata.empty()),
                new StructField("y", DataTypes.FloatType, false, org.apache.spark.sql.types.Metadata.empty())});
        spark.createDataFrame(rows(0, heart.numRows(), i -> RowFactory.create(Vectors.dense(row(heart, i)).compressed(),
                (short) heart.labels()[i], Float.parseFloat(heart.classNames().get(heart.labels()[i])))), heartSchema)
                .write().parquet(heartVectors.toString());
    }

    @Test
    void everyLayoutGivesTheShardsOfTheCsvReaderRowForRow() {
        SparkSession spark = session();
        // the two-file layout is read in more partitions than files: splits of the big file come first
        spark.conf().set("spark.sql.files.maxPartitionBytes", "8k");
        try {
            int splits = spark.read().parquet(floats.toString()).javaRDD().getNumPartitions();
            assertTrue(splits > 2, "the layout should make Spark split the files: " + splits + " partitions");
            for (int partitions : new int[] {2, 3}) {
                List<Shard> csv = shards(DataSource.csv(TestData.file("digits/digits.csv.gz"), 10), partitions);
                assertShardsEqual(csv, shards(DataSource.parquet(floats.toString(), 10), partitions), "array<float>");
                assertShardsEqual(csv, shards(DataSource.parquet(doubles.toString(), 10), partitions), "array<double>");
                assertShardsEqual(csv, shards(DataSource.parquet(vectors.toString(), 10), partitions), "vector");
                assertShardsEqual(csv, shards(DataSource.parquet(vectors.toString(), 0), partitions),
                        "vector, class count inferred");
            }
        } finally {
            spark.conf().unset("spark.sql.files.maxPartitionBytes");
        }
        List<Shard> p = shards(DataSource.parquet(floats.toString(), 10), 3);
        assertEquals(1797, p.get(0).totalRows);
        assertArrayEquals(new int[] {0, 599, 1198}, p.stream().mapToInt(s -> s.firstRow).toArray());
    }

    @Test
    void sparseVectorsGiveTheShardsOfTheLibSvmReaderForClassesAndTargets() {
        String svm = TestData.file("heart-scale/heart_scale");
        List<Shard> classes = shards(new DataSource("libsvm", svm, null, null, false, null, 0, 13, 0, false,
                BadRecordPolicy.FAIL, null), 2);
        assertShardsEqual(classes, shards(parquet(heartVectors.toString(), "class", "x", 0, 0, false,
                BadRecordPolicy.FAIL), 2), "heart_scale classes");
        List<Shard> targets = shards(new DataSource("libsvm", svm, null, null, false, null, 0, 13, 0, true,
                BadRecordPolicy.FAIL, null), 2);
        List<Shard> parquetTargets = shards(parquet(heartVectors.toString(), "y", "x", 13, 0, true,
                BadRecordPolicy.FAIL), 2);
        assertShardsEqual(targets, parquetTargets, "heart_scale targets");
        assertTrue(parquetTargets.get(0).isRegression());
    }

    @Test
    void trainingFromParquetEqualsTrainingFromCsvBitForBit() {
        float[] csv = train(DataSource.csv(TestData.file("digits/digits.csv.gz"), 10));
        float[] parquet = train(DataSource.parquet(floats.toString(), 10));
        float[] vector = train(DataSource.parquet(vectors.toString(), 10));
        assertArrayEquals(csv, parquet, 0f);
        assertArrayEquals(csv, vector, 0f);
    }

    @Test
    void aParquetConfigTrainsThroughConfigLoaderAndTrainJobAsItsCsvTwin() throws IOException {
        List<String> common = List.of("training.epochs=null", "training.steps=40");
        Path csvOut = tmp.resolve("run-csv");
        Path parquetOut = tmp.resolve("run-parquet");
        ExperimentConfig csv = ConfigLoader.load(Path.of("configs/digits-logistic-regression.yaml"),
                concat(common, "output.dir=" + csvOut));
        ExperimentConfig parquet = ConfigLoader.load(Path.of("configs/digits-logistic-regression.yaml"),
                concat(common, "output.dir=" + parquetOut, "data.train.format=parquet",
                        "data.train.path=" + vectors, "data.test.format=parquet", "data.test.path=" + floats));
        String yaml = ConfigWriter.toYaml(parquet);
        assertTrue(yaml.contains("format: parquet") && yaml.contains("features_column: features")
                && yaml.contains("label_column: label"), yaml);
        TrainJob.Outcome a = new TrainJob(csv, ConfigWriter.toYaml(csv), System.out).run(false);
        TrainJob.Outcome b = new TrainJob(parquet, yaml, System.out).run(false);
        assertEquals(40, b.steps());
        assertEquals(1797, b.test().examples());
        assertEquals(a.test().accuracy(), b.test().accuracy());
        assertEquals(a.test().loss(), b.test().loss());
        assertArrayEquals(ModelFile.read(csvOut.resolve("model/model.safetensors")).parameters().toFloatVector(),
                ModelFile.read(parquetOut.resolve("model/model.safetensors")).parameters().toFloatVector(), 0f);
    }

    // ---- bad input: the message names the file, the row and the column, as the text readers' do

    private static final StructType CRAFTED = new StructType(new StructField[] {
            new StructField("features", DataTypes.createArrayType(DataTypes.DoubleType, true), true,
                    org.apache.spark.sql.types.Metadata.empty()),
            new StructField("label", DataTypes.DoubleType, true, org.apache.spark.sql.types.Metadata.empty())});

    /** Rows 0, 1, 3, 4 good (4 features, labels 0..3), row 2 as given. */
    private static String crafted(String name, List<Double> features, Double label) {
        Path dir = tmp.resolve(name);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(i == 2 ? RowFactory.create(features, label)
                    : RowFactory.create(List.of(i + 0.5, -1.0, 2.0, 16.0), (double) (i % 4)));
        }
        session().createDataFrame(rows, CRAFTED).coalesce(1).write().parquet(dir.toString());
        return dir.toString();
    }

    private static Throwable failure(DataSource source) {
        Throwable e = assertThrows(Exception.class, () -> DistributedData.load(Spark.context(), source, 2));
        while (e.getCause() != null && e.getCause() != e) {
            e = e.getCause();
        }
        assertInstanceOf(IOException.class, e, "an input error: the CLI exits with 2");
        return e;
    }

    private static void assertMessage(Throwable e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message lacks '" + part + "': " + e.getMessage());
        }
    }

    @Test
    void badLabelsNameTheFileRowAndColumn() {
        List<Double> fine = List.of(1.0, 2.0, 3.0, 4.0);
        String half = crafted("half-label", fine, 2.5);
        assertMessage(failure(DataSource.parquet(half, 4)), "half-label/part-", ".parquet row 2: label column 'label'"
                + " is 2.5, not an integer; expected an integer class id");
        String big = crafted("big-label", fine, 12.0);
        assertMessage(failure(DataSource.parquet(big, 10)), "big-label/part-", " row 2: label column 'label' is 12.0,"
                + " out of range; expected a class id in 0..9 (10 classes)");
        assertMessage(failure(DataSource.parquet(crafted("negative-label", fine, -1.0), 0)), " row 2: label column"
                + " 'label' is -1.0, out of range; expected a class id >= 0");
        assertMessage(failure(DataSource.parquet(crafted("null-label", fine, null), 4)), "null-label/part-",
                " row 2: label column 'label' is null; expected an integer class id");
        assertMessage(failure(parquet(crafted("nan-target", fine, Double.NaN), "label", "features", 0, 0, true,
                BadRecordPolicy.FAIL)), " row 2: label column 'label' is NaN, not finite; expected a finite number");
    }

    @Test
    void badFeaturesNameTheFileRowAndColumn() {
        String shortRow = crafted("short-row", List.of(1.0, 2.0, 3.0), 1.0);
        assertMessage(failure(DataSource.parquet(shortRow, 4)), "short-row/part-", " row 2: column 'features' has 3"
                + " values, expected 4 as in the first row (", "short-row/part-", ".parquet row 0)");
        assertMessage(failure(parquet(shortRow, "label", "features", 3, 4, false, BadRecordPolicy.FAIL)),
                " row ", ": column 'features' has 4 values, expected 3 (num_features)");
        assertMessage(failure(DataSource.parquet(crafted("null-row", null, 1.0), 4)), "null-row/part-",
                " row 2: column 'features' is null; expected 4 numbers");
        assertMessage(failure(DataSource.parquet(crafted("nan-row", List.of(1.0, Double.NaN, 3.0, 4.0), 1.0), 4)),
                "nan-row/part-", " row 2: column 'features' element 1 is NaN, not finite; expected a finite number");
        assertMessage(failure(DataSource.parquet(crafted("inf-row", List.of(1.0, 2.0, Double.POSITIVE_INFINITY,
                4.0), 1.0), 4)), " row 2: column 'features' element 2 is Infinity, not finite");
        assertMessage(failure(DataSource.parquet(crafted("null-element", Arrays.asList(1.0, 2.0, null, 4.0), 1.0), 4)),
                " row 2: column 'features' element 2 is null; expected a number");
    }

    /** Spark ML's vector as Spark reads it without spark-mllib on the classpath: its plain SQL struct. */
    private static final StructType VECTOR_STRUCT = new StructType(new StructField[] {
            new StructField("type", DataTypes.ByteType, false, org.apache.spark.sql.types.Metadata.empty()),
            new StructField("size", DataTypes.IntegerType, true, org.apache.spark.sql.types.Metadata.empty()),
            new StructField("indices", DataTypes.createArrayType(DataTypes.IntegerType, false), true,
                    org.apache.spark.sql.types.Metadata.empty()),
            new StructField("values", DataTypes.createArrayType(DataTypes.DoubleType, false), true,
                    org.apache.spark.sql.types.Metadata.empty())});

    private static String vectorStructs(String name, Row third) {
        Path dir = tmp.resolve(name);
        List<Row> rows = List.of(
                RowFactory.create(RowFactory.create((byte) 0, 4, List.of(0, 3), List.of(1.5, 2.0)), 1),
                RowFactory.create(RowFactory.create((byte) 1, null, null, List.of(0.0, -1.0, 0.25, 8.0)), 0),
                RowFactory.create(third, 2));
        session().createDataFrame(rows, schema(VECTOR_STRUCT, DataTypes.IntegerType)).coalesce(1).write()
                .parquet(dir.toString());
        return dir.toString();
    }

    @Test
    void vectorStructsAsReadWithoutMllibAreSpreadAndChecked() {
        String good = vectorStructs("struct-good", RowFactory.create((byte) 0, 4, List.of(), List.of()));
        List<Shard> shards = shards(DataSource.parquet(good, 3), 1);
        assertArrayEquals(new float[] {1.5f, 0, 0, 2, 0, -1, 0.25f, 8, 0, 0, 0, 0}, shards.get(0).features);
        assertArrayEquals(new int[] {1, 0, 2}, shards.get(0).labels);

        String outside = vectorStructs("struct-index", RowFactory.create((byte) 0, 4, List.of(1, 4), List.of(1.0, 2.0)));
        assertMessage(failure(DataSource.parquet(outside, 3)), "struct-index/part-", ".parquet row 2: column"
                + " 'features' has sparse index 4 after 1; expected strictly increasing indices in 0..3");
        String size = vectorStructs("struct-size", RowFactory.create((byte) 0, 5, List.of(1), List.of(1.0)));
        assertMessage(failure(DataSource.parquet(size, 3)), " row 2: column 'features' has 5 values, expected 4 as in"
                + " the first row (");
    }

    @Test
    void skipPolicyDropsBadRowsAndKeepsTheRestInOrder() {
        String dir = crafted("skip", List.of(1.0, Double.NaN, 3.0, 4.0), 1.0);
        List<Shard> shards = shards(parquet(dir, "label", "features", 0, 4, false, BadRecordPolicy.SKIP), 2);
        assertEquals(4, shards.get(0).totalRows, "row 2 dropped, the other four kept");
        float[] x = concat(shards.get(0).features, shards.get(1).features);
        assertArrayEquals(new float[] {0.5f, -1, 2, 16, 1.5f, -1, 2, 16, 3.5f, -1, 2, 16, 4.5f, -1, 2, 16}, x);
        assertArrayEquals(new int[] {0, 1}, shards.get(0).labels);
        assertArrayEquals(new int[] {3, 0}, shards.get(1).labels);
        assertEquals(2, shards.get(1).firstRow);
    }

    @Test
    void missingPathColumnsAndWrongTypesAreInputErrors() {
        String nowhere = tmp.resolve("nowhere.parquet").toString();
        Throwable missing = failure(DataSource.parquet(nowhere, 10));
        assertInstanceOf(java.io.FileNotFoundException.class, missing);
        assertTrue(missing.getMessage().startsWith(nowhere + ": no such file"), missing.getMessage());
        String dir = crafted("columns", List.of(1.0, 2.0, 3.0, 4.0), 1.0);
        assertMessage(failure(parquet(dir, "label", "pixels", 0, 0, false, BadRecordPolicy.FAIL)), dir
                + ": no column 'pixels' (data.*.features_column); columns: features, label");
        assertMessage(failure(parquet(dir, "digit", "features", 0, 0, false, BadRecordPolicy.FAIL)), dir
                + ": no column 'digit' (data.*.label_column)");
        assertMessage(failure(parquet(dir, "features", "label", 0, 0, false, BadRecordPolicy.FAIL)), dir
                + ": column 'label' is double; expected array<float|double|int|long|short|byte> or a Spark ML vector");
        assertMessage(failure(parquet(dir, "features", "features", 0, 0, false, BadRecordPolicy.FAIL)), dir
                + ": column 'features' is array<double>; expected a numeric label column");
        assertMessage(failure(DataSource.parquet(TestData.file("digits/digits.csv.gz"), 10)),
                "digits.csv.gz: cannot be read as Parquet");
    }

    // ---- helpers

    private static SparkSession session() {
        Spark.context();
        return SparkSession.active();
    }

    private static DataSource parquet(String path, String labelColumn, String featuresColumn, int numFeatures,
                                      int numClasses, boolean regression, BadRecordPolicy policy) {
        return new DataSource("parquet", path, null, labelColumn, false, null, 0, numFeatures, numClasses, regression,
                policy, featuresColumn);
    }

    private static List<Shard> shards(DataSource source, int partitions) {
        DistributedData d = DistributedData.load(Spark.context(), source, partitions);
        List<Shard> shards = d.shards().collect();
        d.shards().unpersist(true);
        return shards;
    }

    private static void assertShardsEqual(List<Shard> expected, List<Shard> actual, String layout) {
        assertEquals(expected.size(), actual.size(), layout);
        for (int p = 0; p < expected.size(); p++) {
            Shard e = expected.get(p);
            Shard a = actual.get(p);
            String where = layout + ", shard " + p;
            assertEquals(e.index, a.index, where);
            assertEquals(e.firstRow, a.firstRow, where);
            assertEquals(e.rows, a.rows, where);
            assertEquals(e.totalRows, a.totalRows, where);
            assertEquals(e.numFeatures, a.numFeatures, where);
            assertEquals(e.numClasses, a.numClasses, where);
            assertArrayEquals(e.features, a.features, 0f, where);
            assertArrayEquals(e.labels, a.labels, where);
            if (e.targets == null) {
                assertNull(a.targets, where);
            } else {
                assertArrayEquals(e.targets, a.targets, 0f, where);
            }
        }
    }

    /** 10 steps of an MLP on standardised digits, 2 partitions; the parameters after. */
    private static float[] train(DataSource source) {
        JavaSparkContext jsc = Spark.context();
        ModelSpec mlp = ModelSpec.mlp(64, new int[] {32}, 10, "tanh");
        DistributedData data = DistributedData.load(jsc, source, 2);
        data = data.scaled(data.fitScaler("STANDARDIZE", 0));
        DistributedTrainer trainer = new DistributedTrainer(jsc, data, new TrainSpec(mlp, "cross_entropy", null, 0,
                false, 5, 32, 1), 2);
        org.nd4j.linalg.api.ndarray.INDArray params = Model.build(mlp, DataType.FLOAT, 5).parameters().values().dup();
        Optimizer adam = new Adam(0.01);
        for (long s = 0; s < 10; s++) {
            trainer.step(s, params, adam);
        }
        data.shards().unpersist(true);
        return params.toFloatVector();
    }

    private static StructType schema(org.apache.spark.sql.types.DataType features,
                                     org.apache.spark.sql.types.DataType label) {
        return new StructType(new StructField[] {
                new StructField("features", features, false, org.apache.spark.sql.types.Metadata.empty()),
                new StructField("label", label, false, org.apache.spark.sql.types.Metadata.empty())});
    }

    private static List<Row> rows(int from, int to, IntFunction<Row> row) {
        List<Row> rows = new ArrayList<>();
        for (int i = from; i < to; i++) {
            rows.add(row.apply(i));
        }
        return rows;
    }

    /** Writes the rows as one Parquet file {@code file} (Spark writes a directory of parts; its one part moves). */
    private static void writeOneFile(SparkSession spark, List<Row> rows, StructType schema, Path file) {
        Path out = file.resolveSibling(file.getFileName() + ".out");
        spark.createDataFrame(rows, schema).coalesce(1).write().option("parquet.block.size", 8192)
                .parquet(out.toString());
        try (Stream<Path> parts = Files.list(out)) {
            Path part = parts.filter(p -> p.getFileName().toString().startsWith("part-")
                    && p.toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.move(part, file);
            try (Stream<Path> rest = Files.list(out)) {
                for (Path p : rest.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double[] row(Dataset d, int i) {
        double[] x = new double[d.numFeatures()];
        for (int j = 0; j < x.length; j++) {
            x[j] = d.feature(i, j);
        }
        return x;
    }

    private static List<Float> floatList(Dataset d, int i) {
        List<Float> x = new ArrayList<>();
        for (int j = 0; j < d.numFeatures(); j++) {
            x.add(d.feature(i, j));
        }
        return x;
    }

    private static List<Double> doubleList(Dataset d, int i) {
        return Arrays.stream(row(d, i)).boxed().toList();
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> r = new ArrayList<>(a);
        r.addAll(List.of(b));
        return r;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
