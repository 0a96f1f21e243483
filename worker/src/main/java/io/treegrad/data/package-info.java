/**
 * Records in, dense float32 matrices out: the data side of a training task.
 *
 * <ul>
 *   <li>{@link io.treegrad.data.Dataset}: features {@code [n, d]} as one row-major {@code float[]},
 *       with integer class labels, float regression targets, or neither.</li>
 *   <li>Readers, each from an {@code InputStream} plus a source name for messages (gzip detected
 *       by its magic bytes; a source named {@code *.gz} that is not gzip is an error), with
 *       {@code Path} overloads: {@link io.treegrad.data.IdxReader}
 *       (MNIST / Fashion-MNIST), {@link io.treegrad.data.CsvReader},
 *       {@link io.treegrad.data.LibSvmReader}, {@link io.treegrad.data.MnistJsonReader}.
 *       They return a {@link io.treegrad.data.ReadResult}: the data and a
 *       {@link io.treegrad.data.ReadReport} of what was skipped.
 *       {@link io.treegrad.data.ColumnarRecords} checks rows that arrive as typed values instead
 *       of text (Parquet, read by the driver with Spark SQL) by the same rules.</li>
 *   <li>Bad records: {@link io.treegrad.data.BadRecordPolicy#FAIL} (default) throws a
 *       {@link io.treegrad.data.MalformedDataException} naming source, line and the problem;
 *       {@link io.treegrad.data.BadRecordPolicy#SKIP} drops the record and counts it by
 *       {@link io.treegrad.data.BadRecordReason}. No reader ever yields a silently wrong value:
 *       every feature is a finite float32, every class label is in range.</li>
 *   <li>{@link io.treegrad.data.FeatureScaler} (divide by a constant, min-max, standardise), fitted
 *       once on the training set, exported as plain arrays; {@link io.treegrad.data.OneHot}.</li>
 *   <li>{@link io.treegrad.data.Minibatcher}: a seeded per-epoch shuffle of one partition and
 *       batches copied into reusable buffers ({@link io.treegrad.data.Batch}, and
 *       {@link io.treegrad.data.NdBatch} for ND4J arrays), addressable by step number.</li>
 * </ul>
 *
 * <p>Plain Java plus ND4J (in {@code NdBatch} only): no Spark, no Hadoop. The Spark driver hands
 * the readers Hadoop streams.
 */
package io.treegrad.data;
