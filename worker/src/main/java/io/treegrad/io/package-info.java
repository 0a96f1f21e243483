/**
 * Model and checkpoint files: the safetensors layout (an 8-byte little-endian header length, a
 * JSON header, raw little-endian tensors), readable by any safetensors reader or a few lines of
 * numpy.
 *
 * <ul>
 *   <li>{@link io.treegrad.io.Safetensors}: named F32 / F64 tensors plus string metadata, over
 *       plain streams (Hadoop's included), with a sha256 of the data section
 *       ({@code treegrad.sha256}) and of the header ({@code treegrad.header_sha256}) verified on
 *       read.</li>
 *   <li>{@link io.treegrad.io.ModelFile}: a trained model, one tensor per parameter under its
 *       model name and shape, with the model spec (JSON), the resolved config (YAML text), the
 *       feature scaler and the provenance.</li>
 *   <li>{@link io.treegrad.io.Checkpoint}: what resumes a run bit for bit: flat parameters,
 *       optimizer state, step, epoch, batch cursor, seed, config, scaler.</li>
 * </ul>
 *
 * <p>Every read names its source in its errors ({@link io.treegrad.io.TensorFileException}):
 * not a safetensors file, bad header, unsupported dtype, offsets out of range, truncated, checksum
 * mismatch, a file of another kind or of another model shape. Plain Java and ND4J: where the bytes
 * go (local disk, HDFS, S3) and how they are replaced atomically is the driver's business
 * ({@code io.treegrad.driver.store}).
 */
package io.treegrad.io;
