package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibSvmReaderTest {
    @TempDir Path dir;

    private static final LibSvmReader DEFAULT = LibSvmReader.builder().build();

    private MalformedDataException failure(LibSvmReader reader, String name, String content) {
        Path file = TextFiles.write(dir, name, content);
        return assertThrows(MalformedDataException.class, () -> reader.read(file));
    }

    @Test
    void densifiesSparseRowsWithOneBasedIndices() throws IOException {
        ReadResult r = DEFAULT.read(TextFiles.write(dir, "a.svm",
                "+1 1:0.5 3:-2\n-1 2:1e-1\n\n+1  # a record with no features\n-1 3:7 # comment\n"));
        Dataset d = r.dataset();
        assertEquals(4, d.numRows());
        assertEquals(3, d.numFeatures(), "inferred as the largest index");
        assertArrayEquals(new float[] {0.5f, 0, -2, 0, 0.1f, 0, 0, 0, 0, 0, 0, 7}, d.features());
        assertEquals(List.of("-1", "1"), d.classNames());
        assertArrayEquals(new int[] {1, 0, 1, 0}, d.labels());
        assertEquals(1, r.report().blankLinesIgnored());
    }

    @Test
    void givenFeatureCountWidensRowsAndBoundsIndices() throws IOException {
        LibSvmReader reader = LibSvmReader.builder().numFeatures(5).build();
        Dataset d = reader.read(TextFiles.write(dir, "w.svm", "1 2:1\n2 1:1\n")).dataset();
        assertEquals(5, d.numFeatures());
        MalformedDataException e = failure(reader, "wide.svm", "1 2:1\n2 1:1 6:3\n");
        TextFiles.assertMessage(e, "wide.svm line 2: feature index 6 in \"6:3\" exceeds the 5 features given; expected 1..5");
        assertEquals(BadRecordReason.BAD_FEATURE_INDEX, e.reason());
    }

    @Test
    void multiclassLabelsMapInNumericOrder() throws IOException {
        Dataset d = DEFAULT.read(TextFiles.write(dir, "m.svm", "3 1:1\n10 1:2\n1 1:3\n3.0 1:4\n")).dataset();
        assertEquals(List.of("1", "3", "10"), d.classNames());
        assertArrayEquals(new int[] {1, 2, 0, 1}, d.labels());
    }

    @Test
    void indexNotIncreasingOrBelowOneIsRejected() {
        MalformedDataException e = failure(DEFAULT, "order.svm", "1 1:1 2:1\n-1 3:1 2:0.5\n");
        TextFiles.assertMessage(e, "order.svm line 2: feature index 2 in \"2:0.5\" after index 3; expected strictly increasing indices");
        assertEquals(2, e.line());
        e = failure(DEFAULT, "dup.svm", "1 4:1 4:2\n");
        TextFiles.assertMessage(e, "dup.svm line 1: feature index 4 in \"4:2\" after index 4");
        e = failure(DEFAULT, "zero.svm", "1 0:1.5\n");
        TextFiles.assertMessage(e, "zero.svm line 1: feature index 0 in \"0:1.5\"; indices are 1-based, expected >= 1");
        e = failure(DEFAULT, "neg.svm", "1 -3:1.5\n");
        TextFiles.assertMessage(e, "neg.svm line 1: feature index \"-3\" in \"-3:1.5\" is not an index");
    }

    @Test
    void malformedPairsAndValuesQuoteTheToken() {
        MalformedDataException e = failure(DEFAULT, "pair.svm", "1 1:1\n1 2:1 junk\n");
        TextFiles.assertMessage(e, "pair.svm line 2: token 3 is \"junk\"; expected index:value such as 7:0.5");
        assertEquals(BadRecordReason.MALFORMED_PAIR, e.reason());
        e = failure(DEFAULT, "value.svm", "1 1:abc\n");
        TextFiles.assertMessage(e, "value.svm line 1: value of feature 1 in \"1:abc\" is \"abc\", not a number");
        e = failure(DEFAULT, "inf.svm", "1 1:1\n1 2:Infinity\n");
        TextFiles.assertMessage(e, "inf.svm line 2: value of feature 2 in \"2:Infinity\" is \"Infinity\", not finite");
        assertEquals(BadRecordReason.NOT_FINITE, e.reason());
        e = failure(DEFAULT, "label.svm", "1 1:1\nyes 1:1\n");
        TextFiles.assertMessage(e, "label.svm line 2: label is \"yes\", not a number");
        e = failure(DEFAULT, "nanlabel.svm", "nan 1:1\n");
        TextFiles.assertMessage(e, "nanlabel.svm line 1: label is \"nan\", not finite");
    }

    @Test
    void classIdsOutOfRange() {
        LibSvmReader reader = LibSvmReader.builder().labels(LabelSpec.classIds(3)).build();
        MalformedDataException e = failure(reader, "ids.svm", "0 1:1\n2 1:1\n3 1:1\n");
        TextFiles.assertMessage(e, "ids.svm line 3: label is \"3\", out of range; expected a class id in 0..2 (3 classes)");
    }

    @Test
    void skipPolicyDropsBadRecordsAndTheirLabels() throws IOException {
        LibSvmReader reader = LibSvmReader.builder().policy(BadRecordPolicy.SKIP).build();
        // the only "7" record is bad: class 7 must not exist
        ReadResult r = reader.read(TextFiles.write(dir, "s.svm", "1 1:1\n7 2:1 1:1\n-1 2:2\n1 0:3\nx 1:1\n"));
        assertEquals(List.of("-1", "1"), r.dataset().classNames());
        assertArrayEquals(new int[] {1, 0}, r.dataset().labels());
        assertArrayEquals(new float[] {1, 0, 0, 2}, r.dataset().features());
        assertEquals(Map.of(BadRecordReason.BAD_FEATURE_INDEX, 2L, BadRecordReason.NOT_A_NUMBER, 1L),
                r.report().skippedByReason());
        assertEquals(3, r.report().examples().size());
    }

    @Test
    void regressionTargets() throws IOException {
        LibSvmReader reader = LibSvmReader.builder().labels(LabelSpec.regression()).build();
        Dataset d = reader.read(TextFiles.write(dir, "r.svm", "2.5 1:1\n-0.25 2:1\n")).dataset();
        assertArrayEquals(new float[] {2.5f, -0.25f}, d.targets());
    }

    @Test
    void emptyAndFeaturelessInputsAreErrors() {
        TextFiles.assertMessage(failure(DEFAULT, "empty.svm", ""), "empty.svm: empty file");
        TextFiles.assertMessage(failure(DEFAULT, "comments.svm", "# nothing\n\n"), "comments.svm: no records, only blank or comment lines");
        TextFiles.assertMessage(failure(DEFAULT, "nofeat.svm", "1\n-1\n"), "nofeat.svm: no record has any feature", "numFeatures(d)");
    }

    @Test
    void readsAClasspathStreamUnderItsSourceName() throws IOException {
        try (var in = getClass().getResourceAsStream("/data/sparse-multiclass.svm")) {
            ReadResult r = DEFAULT.read(in, "sparse-multiclass.svm");
            Dataset d = r.dataset();
            assertEquals(5, d.numRows());
            assertEquals(4, d.numFeatures());
            assertEquals(List.of("1", "2", "3"), d.classNames());
            assertArrayEquals(new int[] {1, 0, 2, 0, 1}, d.labels());
            assertArrayEquals(new float[] {0, -12.5f, 0, 0}, java.util.Arrays.copyOfRange(d.features(), 4, 8));
            assertEquals(2, r.report().blankLinesIgnored(), "the comment line and the empty line");
            assertEquals("sparse-multiclass.svm: 5 records kept, 2 blank lines ignored", r.report().toString());
        }
    }

    @Test
    void readsGzipByContent() throws IOException {
        Dataset d = DEFAULT.read(TextFiles.write(dir, "g.svm", TextFiles.gzip("1 2:3\n"))).dataset();
        assertArrayEquals(new float[] {0, 3}, d.features());
    }
}
