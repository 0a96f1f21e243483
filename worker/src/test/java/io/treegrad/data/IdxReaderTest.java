package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir Path dir;

    /** An IDX file: magic 0x0000 08 rank, big-endian dims, then the bytes. */
    static byte[] idx(int[] dims, byte[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + values.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int dim : dims) {
            b.putInt(dim);
        }
        return b.put(values).array();
    }

    /** 3 images of 2x2 with pixel values 0..11, labels 2, 0, 1. */
    private static byte[] images() {
        byte[] px = new byte[12];
        for (int i = 0; i < 12; i++) {
            px[i] = (byte) (i == 11 ? 255 : i);
        }
        return idx(new int[] {3, 2, 2}, px);
    }

    private static byte[] labels(int... ys) {
        byte[] v = new byte[ys.length];
        for (int i = 0; i < ys.length; i++) {
            v[i] = (byte) ys[i];
        }
        return idx(new int[] {ys.length}, v);
    }

    private MalformedDataException failure(IdxReader reader, byte[] images, byte[] labels) {
        Path img = TextFiles.write(dir, "images.idx", images);
        Path lab = TextFiles.write(dir, "labels.idx", labels);
        return assertThrows(MalformedDataException.class, () -> reader.read(img, lab));
    }

    @Test
    void readsPlainAndGzipImagesAsUnsignedPixels() throws IOException {
        for (boolean gz : new boolean[] {false, true}) {
            Path img = TextFiles.write(dir, "i" + gz, gz ? TextFiles.gzip(images()) : images());
            Path lab = TextFiles.write(dir, "l" + gz, gz ? TextFiles.gzip(labels(2, 0, 1)) : labels(2, 0, 1));
            Dataset d = IdxReader.defaults().read(img, lab).dataset();
            assertEquals(3, d.numRows());
            assertEquals(4, d.numFeatures());
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}, d.features());
            assertArrayEquals(new int[] {2, 0, 1}, d.labels());
            assertEquals(3, d.numClasses());
        }
    }

    @Test
    void truncatedImagesFileSaysWhereItEnds() {
        byte[] whole = images();
        MalformedDataException e = failure(IdxReader.defaults(), Arrays.copyOf(whole, whole.length - 3), labels(2, 0, 1));
        TextFiles.assertMessage(e, "images.idx: truncated: the header promises 3 images of 2x2 = 12 bytes of pixels, "
                + "but the file ends after 9 of them (image 2 is incomplete)");
        byte[] gz = TextFiles.gzip(whole);
        e = failure(IdxReader.defaults(), Arrays.copyOf(gz, gz.length - 12), labels(2, 0, 1));
        TextFiles.assertMessage(e, "images.idx", "truncated");
        e = failure(IdxReader.defaults(), Arrays.copyOf(whole, 10), labels(2, 0, 1));
        TextFiles.assertMessage(e, "images.idx: truncated in the header: 3 dimensions need 12 bytes after the magic number, found 6");
    }

    @Test
    void truncatedLabelsAndTrailingData() {
        byte[] lab = labels(2, 0, 1);
        MalformedDataException e = failure(IdxReader.defaults(), images(), Arrays.copyOf(lab, lab.length - 1));
        TextFiles.assertMessage(e, "labels.idx: truncated: the header promises 3 labels (3 bytes), but the file ends after 2");
        byte[] longer = Arrays.copyOf(images(), images().length + 1);
        e = failure(IdxReader.defaults(), longer, lab);
        TextFiles.assertMessage(e, "images.idx: data after the 12 bytes of images the header promises");
    }

    @Test
    void wrongMagicNumbersAreNamed() {
        MalformedDataException e = failure(IdxReader.defaults(), labels(1, 2, 3), labels(2, 0, 1));
        TextFiles.assertMessage(e, "images.idx: magic number 0x00000801 is not an IDX images header; expected 0x00000803");
        e = failure(IdxReader.defaults(), images(), images());
        TextFiles.assertMessage(e, "labels.idx: magic number 0x00000803 is not an IDX labels header; expected 0x00000801");
        byte[] floats = images();
        floats[2] = 0x0D;
        e = failure(IdxReader.defaults(), floats, labels(2, 0, 1));
        TextFiles.assertMessage(e, "magic number 0x00000D03");
        e = failure(IdxReader.defaults(), "P5 text".getBytes(), labels(2, 0, 1));
        TextFiles.assertMessage(e, "images.idx: magic number 0x50352074");
    }

    @Test
    void aLabelsFileNamedGzThatIsNotGzipIsAnError() {
        Path img = TextFiles.write(dir, "images.idx.gz", TextFiles.gzip(images()));
        Path lab = TextFiles.write(dir, "labels.idx.gz", labels(2, 0, 1));
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> IdxReader.defaults().read(img, lab));
        TextFiles.assertMessage(e, "labels.idx.gz: not gzip data: the name ends in .gz but the file starts with bytes"
                + " 00 00 08 01 00 00 00 03");
    }

    @Test
    void imageAndLabelCountsMustMatch() {
        MalformedDataException e = failure(IdxReader.defaults(), images(), labels(2, 0));
        TextFiles.assertMessage(e, "images.idx: 3 images, but", "labels.idx has 2 labels; expected one label per image");
    }

    @Test
    void emptyFilesAreErrors() {
        MalformedDataException e = failure(IdxReader.defaults(), new byte[0], labels(2, 0, 1));
        TextFiles.assertMessage(e, "images.idx: empty file; expected an IDX images file");
        e = failure(IdxReader.defaults(), images(), new byte[0]);
        TextFiles.assertMessage(e, "labels.idx: empty file");
        e = failure(IdxReader.defaults(), idx(new int[] {0, 2, 2}, new byte[0]), idx(new int[] {0}, new byte[0]));
        TextFiles.assertMessage(e, "labels.idx: the header says 0 labels; expected at least one");
    }

    @Test
    void labelOutOfRangeFailsOrIsSkipped() throws IOException {
        MalformedDataException e = failure(IdxReader.withClasses(2), images(), labels(1, 0, 2));
        TextFiles.assertMessage(e, "labels.idx record 2: label 2 is out of range; expected a class id in 0..1 (2 classes)");
        assertEquals(BadRecordReason.LABEL_OUT_OF_RANGE, e.reason());

        ReadResult r = IdxReader.withClasses(2).policy(BadRecordPolicy.SKIP).read(
                new ByteArrayInputStream(images()), "img", new ByteArrayInputStream(labels(2, 0, 1)), "lab");
        assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9, 10, 255}, r.dataset().features());
        assertArrayEquals(new int[] {0, 1}, r.dataset().labels());
        assertEquals(1, r.report().skipped(BadRecordReason.LABEL_OUT_OF_RANGE));
        assertEquals("lab record 0: label 2 is out of range; expected a class id in 0..1 (2 classes)",
                r.report().examples().get(0));
    }
}
