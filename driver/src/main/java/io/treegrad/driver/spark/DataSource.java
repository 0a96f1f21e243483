package io.treegrad.driver.spark;

import io.treegrad.data.BadRecordPolicy;
import io.treegrad.data.CsvReader;
import io.treegrad.data.IdxReader;
import io.treegrad.data.LabelSpec;
import io.treegrad.data.LibSvmReader;
import io.treegrad.data.ReadResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a dataset is and how to parse it. Read on the executors through the Hadoop FileSystem of
 * the path's scheme (file://, hdfs://, s3a://; a path without a scheme is the default FS).
 *
 * <p>Parquet is the exception: Spark SQL reads it ({@link ParquetShards}), so {@link #read} does not.
 *
 * @param labels         idx: the labels file; csv regression: an optional separate targets file
 * @param labelColumn    csv: the label column's name or index (default: the last); parquet: its name
 * @param regression     real-valued targets instead of class ids
 * @param featuresColumn parquet: the array or vector column of the features
 */
public record DataSource(String format, String path, String labels, String labelColumn, boolean header,
                         String delimiter, int skipLines, int numFeatures, int numClasses, boolean regression,
                         BadRecordPolicy policy, String featuresColumn) implements Serializable {

    public static DataSource idx(String images, String labels, int numClasses) {
        return new DataSource("idx", images, labels, null, false, null, 0, 0, numClasses, false, BadRecordPolicy.FAIL,
                null);
    }

    public static DataSource csv(String path, int numClasses) {
        return new DataSource("csv", path, null, null, false, null, 0, 0, numClasses, false, BadRecordPolicy.FAIL,
                null);
    }

    /** Parquet with columns {@code features} and {@code label}, class ids (numClasses 0: inferred). */
    public static DataSource parquet(String path, int numClasses) {
        return new DataSource("parquet", path, null, "label", false, null, 0, 0, numClasses, false,
                BadRecordPolicy.FAIL, "features");
    }

    public boolean isParquet() {
        return format.equalsIgnoreCase("parquet");
    }

    /** Reads the whole dataset (runs on an executor, or anywhere with the FS configuration); not parquet. */
    public ReadResult read() throws IOException {
        Configuration conf = new Configuration();
        switch (format.toLowerCase(Locale.ROOT)) {
            case "idx" -> {
                try (InputStream images = open(path, conf); InputStream lab = open(labels, conf)) {
                    IdxReader r = numClasses > 0 ? IdxReader.withClasses(numClasses) : IdxReader.defaults();
                    return r.policy(policy).read(images, path, lab, labels);
                }
            }
            case "csv" -> {
                CsvReader.Builder b = CsvReader.builder().header(header).skipLines(skipLines).policy(policy)
                        .labels(regression ? LabelSpec.regression()
                                : numClasses > 0 ? LabelSpec.classIds(numClasses) : LabelSpec.classIds());
                if (delimiter != null && delimiter.equals("whitespace")) {
                    b.whitespaceDelimited();
                } else if (delimiter != null && !delimiter.isEmpty()) {
                    b.delimiter(delimiter.charAt(0));
                }
                if (labelColumn != null) {
                    if (labelColumn.matches("-?\\d+")) {
                        b.labelColumn(Integer.parseInt(labelColumn));
                    } else {
                        b.labelColumn(labelColumn);
                    }
                }
                if (regression && labels != null) {
                    // features in one file, targets (one column) in another, row by row
                    ReadResult x;
                    try (InputStream in = open(path, conf)) {
                        x = b.labels(LabelSpec.none()).build().read(in, path);
                    }
                    ReadResult y;
                    try (InputStream in = open(labels, conf)) {
                        y = CsvReader.builder().labelColumn(0).labels(LabelSpec.regression()).policy(policy).build()
                                .read(in, labels);
                    }
                    if (x.dataset().numRows() != y.dataset().numRows()) {
                        throw new IOException(labels + ": " + y.dataset().numRows() + " targets for the "
                                + x.dataset().numRows() + " rows of " + path);
                    }
                    return new ReadResult(x.dataset().withTargets(y.dataset().targets()), x.report());
                }
                try (InputStream in = open(path, conf)) {
                    return b.build().read(in, path);
                }
            }
            case "libsvm" -> {
                LibSvmReader.Builder b = LibSvmReader.builder().policy(policy)
                        .labels(regression ? LabelSpec.regression() : LabelSpec.mapped());
                if (numFeatures > 0) {
                    b.numFeatures(numFeatures);
                }
                try (InputStream in = open(path, conf)) {
                    return b.build().read(in, path);
                }
            }
            case "parquet" -> throw new IllegalStateException("parquet is read with Spark SQL on the executors:"
                    + " DistributedData.load");
            default -> throw new IllegalArgumentException("data format '" + format
                    + "' is not supported: expected idx, csv, libsvm or parquet");
        }
    }

    private static InputStream open(String uri, Configuration conf) throws IOException {
        Path p = existing(uri, conf);
        return p.getFileSystem(conf).open(p);
    }

    /** {@code uri} as a Hadoop path that exists (a file or a directory), else "no such file". */
    static Path existing(String uri, Configuration conf) throws IOException {
        if (uri == null) {
            throw new IOException("no path given");
        }
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
            throw new java.io.FileNotFoundException(uri + ": no such file (for the datasets of this project, run"
                    + " jobs/fetch-datasets)");
        }
        return p;
    }
}
