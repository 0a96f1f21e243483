package io.treegrad.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * The IDX files of MNIST and Fashion-MNIST (an images file and a labels file, each plain or gzip)
 * into a classification {@link Dataset} of raw pixel values 0..255 as floats, one row per image
 * ({@code 28 x 28 -> 784} features, row-major). Scale them with {@link FeatureScaler}.
 *
 * <p>IDX layout, big-endian: two zero bytes, a type byte ({@code 0x08}: unsigned byte, the only
 * type read here), a rank byte, {@code rank} int32 dimensions, then the values. Images have
 * magic {@code 0x00000803} ({@code [n, rows, cols]}; any rank >= 2 is accepted), labels
 * {@code 0x00000801} ({@code [n]}). The reader checks both magics, that the image and label
 * counts match, and that each file holds exactly the bytes its header promises: a truncated file
 * or trailing bytes are errors for every policy.
 *
 * <p>A label outside {@code 0..numClasses-1} (when the class count is given) is a bad record:
 * FAIL throws, SKIP drops that image. Records are numbered from 0 in messages.
 */
public final class IdxReader {
    private static final int UNSIGNED_BYTE = 0x08;

    private final int numClasses;
    private final BadRecordPolicy policy;

    private IdxReader(int numClasses, BadRecordPolicy policy) {
        this.numClasses = numClasses;
        this.policy = policy;
    }

    /** Class count inferred as the largest label + 1; bad records fail. */
    public static IdxReader defaults() { return new IdxReader(0, BadRecordPolicy.FAIL); }

    /** Labels must lie in {@code 0..numClasses-1}; bad records fail. */
    public static IdxReader withClasses(int numClasses) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        return new IdxReader(numClasses, BadRecordPolicy.FAIL);
    }

    public IdxReader policy(BadRecordPolicy p) { return new IdxReader(numClasses, p); }

    public ReadResult read(Path images, Path labels) throws IOException {
        try (InputStream imageIn = Sources.open(images); InputStream labelIn = Sources.open(labels)) {
            return read(imageIn, Sources.name(images), labelIn, Sources.name(labels));
        }
    }

    /** Reads both streams to their ends (gzip or plain). */
    public ReadResult read(InputStream images, String imagesSource, InputStream labels, String labelsSource)
            throws IOException {
        int[] y = readLabels(labels, labelsSource);
        return readImages(images, imagesSource, y, labelsSource);
    }

    private int[] readLabels(InputStream raw, String source) throws IOException {
        try (InputStream in = Sources.decompressed(raw, source)) {
            int[] dims = header(in, source, 1, "labels");
            int n = dims[0];
            byte[] bytes = readExactly(in, source, n, 1, "labels");
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = bytes[i] & 0xFF;
            }
            return y;
        } catch (ZipException | EOFException e) {
            throw Sources.corrupt(source, e);
        }
    }

    private ReadResult readImages(InputStream raw, String source, int[] labels, String labelsSource)
            throws IOException {
        try (InputStream in = Sources.decompressed(raw, source)) {
            int[] dims = header(in, source, -1, "images");
            int n = dims[0];
            if (n != labels.length) {
                throw MalformedDataException.fileLevel(source, n + " images, but " + labelsSource
                        + " has " + labels.length + " labels; expected one label per image");
            }
            long perImage = 1;
            for (int k = 1; k < dims.length; k++) {
                perImage *= dims[k];
            }
            if ((long) n * perImage > Integer.MAX_VALUE - 8) {
                throw MalformedDataException.fileLevel(source, n + " images of " + perImage
                        + " values do not fit one float[]; split the input");
            }
            int d = (int) perImage;
            BadRecords bad = new BadRecords(labelsSource, policy, "record");
            boolean[] keep = new boolean[n];
            int kept = 0;
            int maxLabel = 0;
            for (int i = 0; i < n; i++) {
                if (numClasses > 0 && labels[i] >= numClasses) {
                    bad.reject(i, BadRecordReason.LABEL_OUT_OF_RANGE, "label " + labels[i]
                            + " is out of range; expected a class id in 0.." + (numClasses - 1)
                            + " (" + numClasses + " classes)");
                    continue;
                }
                keep[i] = true;
                maxLabel = Math.max(maxLabel, labels[i]);
                kept++;
            }
            if (kept == 0) {
                throw bad.noRecords("no images", 0);
            }
            float[] x = new float[kept * d];
            int[] y = new int[kept];
            byte[] chunk = new byte[Math.max(d, (1 << 20) / d * d)];
            int imagesPerChunk = chunk.length / d;
            int row = 0;
            for (int first = 0; first < n; first += imagesPerChunk) {
                int count = Math.min(imagesPerChunk, n - first);
                int got = in.readNBytes(chunk, 0, count * d);
                if (got < count * d) {
                    long have = (long) first * d + got;
                    throw MalformedDataException.fileLevel(source, "truncated: the header promises " + n
                            + " images of " + shape(dims) + " = " + (long) n * d + " bytes of pixels, but the file"
                            + " ends after " + have + " of them (image " + (have / d) + " is incomplete)");
                }
                for (int i = 0; i < count; i++) {
                    if (!keep[first + i]) {
                        continue;
                    }
                    int from = i * d;
                    int to = row * d;
                    for (int j = 0; j < d; j++) {
                        x[to + j] = chunk[from + j] & 0xFF;
                    }
                    y[row++] = labels[first + i];
                }
            }
            requireEnd(in, source, (long) n * d, "images");
            int k = numClasses > 0 ? numClasses : maxLabel + 1;
            return new ReadResult(Dataset.classification(x, kept, d, y, k), bad.report(kept, 0));
        } catch (ZipException | EOFException e) {
            throw Sources.corrupt(source, e);
        }
    }

    /** Checks the magic and reads the dimensions; {@code rank} -1 means any rank >= 2. */
    private static int[] header(InputStream in, String source, int rank, String what) throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length == 0) {
            throw MalformedDataException.fileLevel(source, "empty file; expected an IDX " + what + " file");
        }
        String expected = rank == 1 ? "0x00000801 (unsigned bytes, 1 dimension: IDX labels)"
                : "0x00000803 (unsigned bytes, 3 dimensions: IDX images)";
        if (magic.length < 4) {
            throw MalformedDataException.fileLevel(source, "truncated: " + magic.length
                    + " bytes, shorter than the 4-byte IDX magic number; expected " + expected);
        }
        int type = magic[2] & 0xFF;
        int fileRank = magic[3] & 0xFF;
        boolean rankOk = rank == 1 ? fileRank == 1 : fileRank >= 2;
        if (magic[0] != 0 || magic[1] != 0 || type != UNSIGNED_BYTE || !rankOk) {
            throw MalformedDataException.fileLevel(source, String.format(
                    "magic number 0x%02X%02X%02X%02X is not an IDX %s header; expected %s",
                    magic[0], magic[1], magic[2], magic[3], what, expected));
        }
        byte[] dimBytes = in.readNBytes(4 * fileRank);
        if (dimBytes.length < 4 * fileRank) {
            throw MalformedDataException.fileLevel(source, "truncated in the header: " + fileRank
                    + " dimensions need " + 4 * fileRank + " bytes after the magic number, found "
                    + dimBytes.length);
        }
        int[] dims = new int[fileRank];
        for (int k = 0; k < fileRank; k++) {
            int b = 4 * k;
            dims[k] = ((dimBytes[b] & 0xFF) << 24) | ((dimBytes[b + 1] & 0xFF) << 16)
                    | ((dimBytes[b + 2] & 0xFF) << 8) | (dimBytes[b + 3] & 0xFF);
            if (dims[k] < 0 || (k > 0 && dims[k] == 0)) {
                throw MalformedDataException.fileLevel(source, "dimension " + k + " is " + dims[k]
                        + "; expected a positive size");
            }
        }
        if (dims[0] == 0) {
            throw MalformedDataException.fileLevel(source, "the header says 0 " + what + "; expected at least one");
        }
        return dims;
    }

    private static byte[] readExactly(InputStream in, String source, int n, int d, String what) throws IOException {
        byte[] bytes = in.readNBytes(n * d);
        if (bytes.length < n * d) {
            throw MalformedDataException.fileLevel(source, "truncated: the header promises " + n + " "
                    + what + " (" + (long) n * d + " bytes), but the file ends after " + bytes.length);
        }
        requireEnd(in, source, (long) n * d, what);
        return bytes;
    }

    private static void requireEnd(InputStream in, String source, long promised, String what) throws IOException {
        if (in.read() >= 0) {
            throw MalformedDataException.fileLevel(source, "data after the " + promised + " bytes of "
                    + what + " the header promises; expected the file to end there (wrong header?)");
        }
    }

    private static String shape(int[] dims) {
        StringBuilder s = new StringBuilder();
        for (int k = 1; k < dims.length; k++) {
            s.append(k > 1 ? "x" : "").append(dims[k]);
        }
        return s.toString();
    }
}
