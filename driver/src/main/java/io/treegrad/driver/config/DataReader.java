package io.treegrad.driver.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The {@code data:} section into a {@link DataConfig}, with every format's defaults filled in. */
final class DataReader {
    static final List<String> KEYS = List.of("train", "test", "scaling", "bad_records");
    static final List<String> DATASET_KEYS = List.of("format", "path", "labels", "label_column", "header",
            "delimiter", "skip_lines", "num_features", "num_classes", "task", "features_column");
    static final List<String> SCALING_KEYS = List.of("method", "constant");
    static final List<String> BAD_RECORDS = List.of("fail", "skip");
    /** The format-specific keys and the formats that read them. */
    private static final Map<String, List<String>> USED_BY = Map.of(
            "labels", List.of("idx", "csv"),
            "label_column", List.of("csv", "parquet"),
            "header", List.of("csv"),
            "delimiter", List.of("csv"),
            "skip_lines", List.of("csv"),
            "features_column", List.of("parquet"));
    static final String DEFAULT_CSV_DELIMITER = ",";
    static final String DEFAULT_CSV_LABEL_COLUMN = "-1";
    static final String DEFAULT_PARQUET_LABEL_COLUMN = "label";
    static final String DEFAULT_PARQUET_FEATURES_COLUMN = "features";

    private final Path workingDir;

    DataReader(Path workingDir) {
        this.workingDir = workingDir;
    }

    DataConfig read(Section s) {
        DatasetConfig train = dataset(s.requiredSection("train", DATASET_KEYS,
                "a data set with format (" + String.join(", ", DatasetConfig.FORMATS) + ") and path"), null);
        DatasetConfig test = s.has("test") ? dataset(s.section("test", DATASET_KEYS), train) : null;
        ScalingConfig scaling = scaling(s.section("scaling", SCALING_KEYS));
        String badRecords = s.choice("bad_records", BAD_RECORDS);
        return new DataConfig(train, test, scaling, badRecords != null ? badRecords : DataConfig.DEFAULT_BAD_RECORDS);
    }

    /** One data set; {@code train} is null for the training set itself, whose task a test set shares. */
    private DatasetConfig dataset(Section d, DatasetConfig train) {
        String format = d.choice("format", DatasetConfig.FORMATS);
        if (!d.has("format")) {
            d.missing("format", "one of " + DatasetConfig.FORMATS);
        }
        String path = Locations.read(d, "path", workingDir);
        if (!d.has("path")) {
            d.missing("path", "a Hadoop URI or local path" + ("idx".equals(format) ? " to the images file" : ""));
        }
        String task = d.choice("task", DatasetConfig.TASKS);
        if (task == null) {
            task = train != null && train.task() != null ? train.task() : "classification";
        }
        Integer numFeatures = d.integer("num_features", 1);
        Integer numClasses = d.integer("num_classes", 2);
        if ("regression".equals(task)) {
            d.unused("num_classes", "regression (only by classification)");
            numClasses = null;
        }
        if (train != null) {
            String inheritedTask = train.task();
            if (d.has("task") && inheritedTask != null && !inheritedTask.equals(task)) {
                d.fail("task", "must match data.train.task (" + inheritedTask + "), got " + task);
            }
            numFeatures = sameAsTrain(d, "num_features", numFeatures, train.numFeatures());
            Integer trainClasses = "regression".equals(task) ? null : train.numClasses();
            numClasses = sameAsTrain(d, "num_classes", numClasses, trainClasses);
        }
        Boolean header = d.bool("header");
        String delimiter = d.string("delimiter");
        Integer skipLines = d.integer("skip_lines", 0);
        String labelColumn = d.text("label_column");
        String featuresColumn = d.text("features_column");
        String labels = Locations.read(d, "labels", workingDir);
        if (format == null) {
            return new DatasetConfig(format, path, labels, labelColumn, header, delimiter, skipLines, numFeatures,
                    numClasses, task, featuresColumn);
        }
        for (String key : DATASET_KEYS) {
            List<String> users = USED_BY.get(key);
            if (users != null && !users.contains(format)) {
                d.unused(key, format + " (only by " + String.join(", ", users) + ")");
            }
        }
        return switch (format) {
            case "idx" -> {
                if (!d.has("labels")) {
                    d.missing("labels", "the IDX labels file, a Hadoop URI or local path");
                }
                if ("regression".equals(task)) {
                    d.fail("task", "must be classification for idx, whose labels are class ids, got regression");
                }
                yield new DatasetConfig(format, path, labels, null, null, null, null, numFeatures, numClasses, task,
                        null);
            }
            case "csv" -> csv(d, path, labels, labelColumn, header, delimiter, skipLines, numFeatures, numClasses,
                    task);
            case "libsvm" -> new DatasetConfig(format, path, null, null, null, null, null, numFeatures, numClasses,
                    task, null);
            default -> new DatasetConfig(format, path, null,
                    labelColumn != null ? labelColumn : DEFAULT_PARQUET_LABEL_COLUMN, null, null, null, numFeatures,
                    numClasses, task, featuresColumn != null ? featuresColumn : DEFAULT_PARQUET_FEATURES_COLUMN);
        };
    }

    private static DatasetConfig csv(Section d, String path, String labels, String labelColumn, Boolean header,
                                     String delimiter, Integer skipLines, Integer numFeatures, Integer numClasses,
                                     String task) {
        boolean hasHeader = header != null && header;
        if (labels != null && !"regression".equals(task)) {
            d.fail("labels", "a separate targets file is read only for task: regression; classification labels"
                    + " are a column of the CSV (label_column)");
        }
        if (labels != null && labelColumn != null) {
            d.fail("label_column", "not used with a separate labels file, where every CSV column is a feature");
        }
        if (labelColumn != null && DatasetConfig.parseIndex(labelColumn) == null && !hasHeader) {
            d.fail("label_column", "names a column ('" + labelColumn + "'), which needs header: true;"
                    + " or give its 0-based index (-1: the last)");
        }
        if (delimiter != null && !delimiter.equals(DatasetConfig.WHITESPACE)
                && (delimiter.length() != 1 || "\"\r\n".contains(delimiter))) {
            d.fail("delimiter", "must be one character (not a quote or a line break) or '" + DatasetConfig.WHITESPACE
                    + "', got '" + delimiter + "'");
        }
        String column = labels != null ? null : labelColumn != null ? labelColumn : DEFAULT_CSV_LABEL_COLUMN;
        return new DatasetConfig("csv", path, labels, column, hasHeader,
                delimiter != null ? delimiter : DEFAULT_CSV_DELIMITER, skipLines != null ? skipLines : 0, numFeatures,
                numClasses, task, null);
    }

    /** A test set's value, which defaults to the training set's and must agree with it. */
    private static Integer sameAsTrain(Section d, String key, Integer value, Integer train) {
        if (value != null && train != null && !Objects.equals(value, train)) {
            d.fail(key, "must match data.train." + key + " (" + train + "), got " + value);
        }
        return value != null ? value : train;
    }

    private static ScalingConfig scaling(Section s) {
        String method = s.choice("method", ScalingConfig.METHODS);
        Double constant = s.number("constant");
        if (s.present() && !s.has("method")) {
            s.missing("method", "one of " + ScalingConfig.METHODS);
        }
        if ("divide".equals(method)) {
            if (!s.has("constant")) {
                s.missing("constant", "the number to divide every feature by, e.g. 255 for pixels");
            } else if (constant != null && !(Double.isFinite(constant) && constant > 0)) {
                s.fail("constant", "must be a finite number > 0, got " + constant);
            }
        } else if (method != null) {
            s.unused("constant", method + " (only by divide)");
        }
        return new ScalingConfig(method != null ? method : "none", "divide".equals(method) ? constant : null);
    }
}
