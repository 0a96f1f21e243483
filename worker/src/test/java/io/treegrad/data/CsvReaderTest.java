package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
    @TempDir Path dir;

    private static final CsvReader DEFAULT = CsvReader.builder().build();

    private MalformedDataException failure(CsvReader reader, String name, String content) {
        Path file = TextFiles.write(dir, name, content);
        return assertThrows(MalformedDataException.class, () -> reader.read(file));
    }

    @Test
    void readsFeaturesAndIntegerLabelsFromTheLastColumn() throws IOException {
        ReadResult r = DEFAULT.read(TextFiles.write(dir, "a.csv", "1.5,-2,0\n3e-1, 4 ,2\n.5,6.,1\n"));
        Dataset d = r.dataset();
        assertEquals(3, d.numRows());
        assertEquals(2, d.numFeatures());
        assertArrayEquals(new float[] {1.5f, -2f, 0.3f, 4f, 0.5f, 6f}, d.features());
        assertArrayEquals(new int[] {0, 2, 1}, d.labels());
        assertEquals(3, d.numClasses(), "inferred as the largest id + 1");
        assertEquals(3, r.report().recordsKept());
        assertEquals(0, r.report().skipped());
    }

    @Test
    void headerNamesTheLabelColumnAndMessagesNameTheColumn() throws IOException {
        CsvReader reader = CsvReader.builder().header(true).labelColumn("species")
                .labels(LabelSpec.classIds(3)).delimiter(';').build();
        Dataset d = reader.read(TextFiles.write(dir, "h.csv", "\"w\";species;h\n1;2;3\n4;0;6\n")).dataset();
        assertArrayEquals(new float[] {1, 3, 4, 6}, d.features());
        assertArrayEquals(new int[] {2, 0}, d.labels());

        MalformedDataException e = failure(reader, "bad.csv", "w;species;h\n1;2;3\n4;0;x7\n");
        TextFiles.assertMessage(e, "bad.csv line 3: field 3 ('h') is \"x7\", not a number");
        assertEquals(3, e.line());
        assertEquals(BadRecordReason.NOT_A_NUMBER, e.reason());
    }

    @Test
    void unknownLabelColumnNameListsTheColumns() {
        CsvReader reader = CsvReader.builder().header(true).labelColumn("target").build();
        MalformedDataException e = failure(reader, "cols.csv", "a,b,label\n1,2,0\n");
        TextFiles.assertMessage(e, "cols.csv", "no column named 'target' in the header on line 1; columns: a, b, label");
    }

    @Test
    void wrongFieldCountNamesLineAndExpectedCount() {
        MalformedDataException e = failure(DEFAULT, "fields.csv", "1,2,0\n3,4,1\n5,1\n");
        TextFiles.assertMessage(e, "fields.csv line 3: 2 fields, expected 3 as in the first record on line 1");
        assertEquals(BadRecordReason.WRONG_FIELD_COUNT, e.reason());

        CsvReader withHeader = CsvReader.builder().header(true).build();
        e = failure(withHeader, "fields2.csv", "a,b,y\n1,2,0\n1,2,3,0\n");
        TextFiles.assertMessage(e, "fields2.csv line 3: 4 fields, expected 3 as in the header on line 1");
    }

    @Test
    void nonNumberQuotesTheToken() {
        MalformedDataException e = failure(DEFAULT, "nan.csv", "1,2,0\n1,abc,1\n");
        TextFiles.assertMessage(e, "nan.csv line 2: field 2 is \"abc\", not a number; expected a decimal number");
        e = failure(DEFAULT, "comma.csv", "1;5,2,0\n");
        TextFiles.assertMessage(e, "comma.csv line 1: field 1 is \"1;5\", not a number");
        e = failure(DEFAULT, "suffix.csv", "1f,2,0\n");
        TextFiles.assertMessage(e, "field 1 is \"1f\", not a number");
        e = failure(DEFAULT, "empty-field.csv", "1,,0\n");
        TextFiles.assertMessage(e, "empty-field.csv line 1: field 2 is empty; expected a decimal number");
    }

    @Test
    void nanInfinityAndFloatOverflowAreRejected() {
        for (String token : List.of("NaN", "nan", "-Infinity", "inf", "1e39", "-4e38")) {
            MalformedDataException e = failure(DEFAULT, "inf.csv", "1,2,0\n3," + token + ",1\n");
            TextFiles.assertMessage(e, "inf.csv line 2: field 2 is \"" + token + "\"");
            assertEquals(BadRecordReason.NOT_FINITE, e.reason(), token);
        }
    }

    @Test
    void labelOutOfRangeWhenTheClassCountIsGiven() {
        CsvReader reader = CsvReader.builder().labels(LabelSpec.classIds(3)).build();
        MalformedDataException e = failure(reader, "range.csv", "1,2,0\n1,2,2\n1,2,3\n");
        TextFiles.assertMessage(e, "range.csv line 3: label field 3 is \"3\", out of range; expected a class id in 0..2 (3 classes)");
        assertEquals(BadRecordReason.LABEL_OUT_OF_RANGE, e.reason());

        e = failure(DEFAULT, "negative.csv", "1,2,-1\n");
        TextFiles.assertMessage(e, "negative.csv line 1: label field 3 is \"-1\", out of range; expected a class id >= 0");
        e = failure(DEFAULT, "half.csv", "1,2,1.5\n");
        TextFiles.assertMessage(e, "half.csv line 1: label field 3 is \"1.5\", not an integer");
        assertEquals(BadRecordReason.NOT_A_CLASS_ID, e.reason());
        e = failure(DEFAULT, "text.csv", "1,2,cat\n");
        TextFiles.assertMessage(e, "label field 3 is \"cat\", not a class id", "LabelSpec.mapped()");
    }

    @Test
    void integralFloatLabelsAreClassIds() throws IOException {
        Dataset d = DEFAULT.read(TextFiles.write(dir, "f.csv", "1,2.0\n3,+1\n")).dataset();
        assertArrayEquals(new int[] {2, 1}, d.labels());
    }

    @Test
    void mappedTextLabelsSortAndKeepTheirNames() throws IOException {
        CsvReader reader = CsvReader.builder().labels(LabelSpec.mapped()).build();
        Dataset d = reader.read(TextFiles.write(dir, "m.csv", "1,virginica\n2,setosa\n3,versicolor\n4,setosa\n")).dataset();
        assertEquals(List.of("setosa", "versicolor", "virginica"), d.classNames());
        assertArrayEquals(new int[] {2, 0, 1, 0}, d.labels());

        Dataset numeric = reader.read(TextFiles.write(dir, "n.csv", "1,10\n2,-1\n3,+10\n4,2\n")).dataset();
        assertEquals(List.of("-1", "2", "10"), numeric.classNames(), "numeric order, 10 and +10 one class");
        assertArrayEquals(new int[] {2, 0, 2, 1}, numeric.labels());
    }

    @Test
    void regressionTargetsAndLabelColumnByIndex() throws IOException {
        CsvReader reader = CsvReader.builder().labelColumn(0).labels(LabelSpec.regression()).delimiter('\t').build();
        Dataset d = reader.read(TextFiles.write(dir, "r.tsv", "2.5\t1\t2\n-1e2\t3\t4\n")).dataset();
        assertArrayEquals(new float[] {2.5f, -100f}, d.targets());
        assertArrayEquals(new float[] {1, 2, 3, 4}, d.features());
        assertEquals(Dataset.LabelKind.TARGETS, d.labelKind());
        MalformedDataException e = failure(reader, "r2.tsv", "1\t2\t3\nNaN\t1\t1\n");
        TextFiles.assertMessage(e, "r2.tsv line 2: label field 1 is \"NaN\", not finite");
    }

    @Test
    void skipPolicyCountsEveryReasonAndKeepsTheFirstExamples() throws IOException {
        CsvReader reader = CsvReader.builder().labels(LabelSpec.classIds(2)).policy(BadRecordPolicy.SKIP).build();
        String content = String.join("\n",
                "1,2,0",      // 1 ok
                "1,2",        // 2 field count
                "x,2,1",      // 3 not a number
                "",           // 4 blank
                "inf,2,1",    // 5 not finite
                "1,2,5",      // 6 out of range
                "1,2,0.5",    // 7 not a class id
                "3,4,1",      // 8 ok
                "   ",        // 9 blank
                "1,2,3,4")    // 10 field count
                + "\n";
        ReadResult r = reader.read(TextFiles.write(dir, "skip.csv", content));
        assertArrayEquals(new float[] {1, 2, 3, 4}, r.dataset().features());
        assertArrayEquals(new int[] {0, 1}, r.dataset().labels());
        ReadReport report = r.report();
        assertEquals(2, report.recordsKept());
        assertEquals(6, report.skipped());
        assertEquals(Map.of(BadRecordReason.WRONG_FIELD_COUNT, 2L, BadRecordReason.NOT_A_NUMBER, 1L,
                BadRecordReason.NOT_FINITE, 1L, BadRecordReason.LABEL_OUT_OF_RANGE, 1L,
                BadRecordReason.NOT_A_CLASS_ID, 1L), report.skippedByReason());
        assertEquals(2, report.blankLinesIgnored());
        assertEquals(ReadReport.MAX_EXAMPLES, report.examples().size());
        assertTrue(report.examples().get(0).startsWith(dir.resolve("skip.csv") + " line 2: 2 fields"),
                report.examples().get(0));
        assertTrue(report.examples().get(1).contains("line 3: field 1 is \"x\""));
        assertTrue(report.toString().contains("2 records kept, 6 skipped (2 wrong field count, 1 not a number"),
                report.toString());
    }

    @Test
    void emptyInputsAreErrorsThatSaySo() {
        TextFiles.assertMessage(failure(DEFAULT, "empty.csv", ""), "empty.csv: empty file");
        TextFiles.assertMessage(failure(DEFAULT, "blank.csv", "\n  \n\n"), "blank.csv: no records, only blank lines");
        CsvReader header = CsvReader.builder().header(true).build();
        TextFiles.assertMessage(failure(header, "header-only.csv", "a,b,y\n"), "no records after the header on line 1");
        CsvReader skip1 = CsvReader.builder().skipLines(1).build();
        TextFiles.assertMessage(failure(skip1, "empty2.csv", ""), "empty2.csv: empty file");
        CsvReader skipping = CsvReader.builder().policy(BadRecordPolicy.SKIP).build();
        TextFiles.assertMessage(failure(skipping, "allbad.csv", "1,x,0\ny,2,0\n"),
                "allbad.csv: no usable records: all 2 were bad and skipped", "line 1: field 2 is \"x\"");
    }

    @Test
    void allBadButTheFirstRecordUnderSkipIsNotEmpty() throws IOException {
        CsvReader skipping = CsvReader.builder().policy(BadRecordPolicy.SKIP).build();
        ReadResult r = skipping.read(TextFiles.write(dir, "one.csv", "1,2,0\nx,1,0\n"));
        assertEquals(1, r.dataset().numRows());
    }

    @Test
    void gzipIsRecognisedByContentNotName() throws IOException {
        Path file = TextFiles.write(dir, "plain-name.csv", TextFiles.gzip("1,2,0\n3,4,1\n"));
        assertArrayEquals(new float[] {1, 2, 3, 4}, DEFAULT.read(file).dataset().features());
        byte[] whole = TextFiles.gzip("1,2,0\n".repeat(1000));
        Path cut = TextFiles.write(dir, "cut.csv.gz", Arrays.copyOf(whole, whole.length / 2));
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> DEFAULT.read(cut));
        TextFiles.assertMessage(e, "cut.csv.gz: corrupt or truncated gzip data");
    }

    @Test
    void aFileNamedGzThatIsNotGzipIsAnErrorNamingItsFirstBytes() throws IOException {
        MalformedDataException e = failure(DEFAULT, "page.csv.gz", "<html>404 Not Found</html>\n");
        TextFiles.assertMessage(e, "page.csv.gz: not gzip data: the name ends in .gz but the file starts with bytes"
                + " 3c 68 74 6d 6c 3e 34 30 where gzip starts with 1f 8b; expected gzip");
        assertEquals(-1, e.line(), "a problem of the whole file");
        TextFiles.assertMessage(failure(DEFAULT, "empty.csv.gz", ""), "empty.csv.gz: empty file");
        Path gz = TextFiles.write(dir, "real.csv.gz", TextFiles.gzip("1,2,0\n"));
        assertArrayEquals(new float[] {1, 2}, DEFAULT.read(gz).dataset().features(), "real gzip under its usual name");
    }

    @Test
    void streamsNameTheirSourceInMessages() {
        byte[] bytes = "1,2,0\n1,2\n".getBytes(StandardCharsets.UTF_8);
        MalformedDataException e = assertThrows(MalformedDataException.class,
                () -> DEFAULT.read(new ByteArrayInputStream(bytes), "hdfs://nn/data/part-00003.csv"));
        TextFiles.assertMessage(e, "hdfs://nn/data/part-00003.csv line 2: 2 fields, expected 3");
        assertEquals("hdfs://nn/data/part-00003.csv", e.source());
    }

    @Test
    void unlabelledWhitespaceDelimitedWithCrLfAndBom() throws IOException {
        CsvReader reader = CsvReader.builder().whitespaceDelimited().labels(LabelSpec.none()).build();
        Dataset d = reader.read(TextFiles.write(dir, "w.txt", "\uFEFF1  2\t3\r\n 4 5 6 \r\n")).dataset();
        assertEquals(Dataset.LabelKind.NONE, d.labelKind());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, d.features());
        assertEquals(0, d.numClasses());
    }

    @Test
    void labelColumnIndexOutOfRangeIsAFileError() {
        CsvReader reader = CsvReader.builder().labelColumn(5).build();
        TextFiles.assertMessage(failure(reader, "idx.csv", "1,2,3\n"), "idx.csv: label column 5 does not exist: line 1 has 3 fields");
    }

    @Test
    void labelNameNeedsAHeader() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsvReader.builder().labelColumn("y").build());
        assertTrue(e.getMessage().contains("needs header(true)"));
    }

    @Test
    void missingFileSaysToRunTheFetchScript() {
        IOException e = assertThrows(IOException.class, () -> DEFAULT.read(dir.resolve("nope.csv")));
        assertTrue(e.getMessage().contains("nope.csv") && e.getMessage().contains("jobs/fetch-datasets"),
                e.getMessage());
    }

    @Test
    void noLabelsMeansNoLabelArrays() throws IOException {
        Dataset d = CsvReader.builder().labels(LabelSpec.none()).build()
                .read(TextFiles.write(dir, "u.csv", "1,2\n")).dataset();
        assertThrows(IllegalStateException.class, d::labels);
        assertNull(new Minibatcher(d, 1, 0).newBatch().labels());
    }
}
