package io.treegrad.driver.config;

import java.util.List;

/**
 * One data set ({@code data.train} or {@code data.test}). Fields a format does not use are null;
 * those it uses have their defaults filled in.
 *
 * <pre>
 *   field            idx            csv                               libsvm     parquet
 *   path             images file    the file                          the file   file or directory
 *   labels           labels file    regression: separate targets file -          -
 *   label_column     -              index or header name; -1 = last   -          column ("label")
 *   header           -              false                             -          -
 *   delimiter        -              "," (one character or whitespace) -          -
 *   skip_lines       -              0                                 -          -
 *   features_column  -              -                                 -          column ("features")
 *   num_features, num_classes (classification only): optional checks, for every format
 * </pre>
 *
 * <p>Parquet is read by Spark SQL on the executors. The features column is an
 * {@code array<float|double|int|long|short|byte>} or a Spark ML vector (dense or sparse), the label
 * column any numeric type: integer class ids ({@code 3} or {@code 3.0}), or targets for
 * {@code task: regression}. Every row must have the same length ({@code num_features}, else the
 * first row's). Rows are taken in file path order, then row order within a file, so a data set
 * always gives the same shards. Bad rows are reported as {@code FILE row N: column ...} (N
 * 0-based within the file) and fail or are skipped as {@code data.bad_records} says.
 *
 * @param path     a Hadoop URI ({@code hdfs://..., s3a://..., file:/...}) or a local path; a
 *                 relative path in a config is resolved against the working directory at load
 * @param task     {@code classification} (integer class ids; the default) or {@code regression}
 */
public record DatasetConfig(String format, String path, String labels, String labelColumn, Boolean header,
                            String delimiter, Integer skipLines, Integer numFeatures, Integer numClasses,
                            String task, String featuresColumn) {
    public static final List<String> FORMATS = List.of("idx", "csv", "libsvm", "parquet");
    public static final List<String> TASKS = List.of("classification", "regression");
    /** The {@code delimiter} value for fields separated by runs of spaces and tabs. */
    public static final String WHITESPACE = "whitespace";

    public boolean isClassification() {
        return "classification".equals(task);
    }

    /** The CSV label column as an index (negative counts from the end), or null when it is a header name. */
    public Integer labelColumnIndex() {
        return parseIndex(labelColumn);
    }

    static Integer parseIndex(String column) {
        if (column == null || !column.trim().matches("[-+]?\\d{1,9}")) {
            return null;
        }
        return Integer.parseInt(column.trim());
    }
}
