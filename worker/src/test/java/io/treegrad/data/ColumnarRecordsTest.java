package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The row checks of columnar input (Parquet): same rules as the text readers, rows named by file and number. */
class ColumnarRecordsTest {
    private static final String FILE = "file:/data/part-0.parquet";

    private static ColumnarRecords classes(int k, BadRecordPolicy policy) {
        return new ColumnarRecords(k > 0 ? LabelSpec.classIds(k) : LabelSpec.classIds(), policy, "pixels", "digit", 3,
                "(num_features)");
    }

    private static MalformedDataException failure(ColumnarRecords c, double[] x, Number label) {
        return assertThrows(MalformedDataException.class, () -> c.check(FILE, 17, x, label));
    }

    @Test
    void keepsFloat32FeaturesAndIntegerClassIdsOfAnyNumericType() throws MalformedDataException {
        ColumnarRecords c = classes(10, BadRecordPolicy.FAIL);
        ColumnarRecords.Record r = c.check(FILE, 0, new double[] {0.1, -2, 16}, 7L);
        assertArrayEquals(new float[] {0.1f, -2f, 16f}, r.features());
        assertEquals(7, r.label());
        assertEquals(3, c.check(FILE, 1, new double[] {0, 0, 0}, 3.0).label(), "3.0 is class 3, as in CSV");
        assertEquals(9, c.check(FILE, 2, new double[] {0, 0, 0}, (byte) 9).label());
        assertEquals(2, c.check(FILE, 3, new double[] {0, 0, 0}, new BigDecimal("2.00")).label());
    }

    @Test
    void badLabelsNameTheFileRowColumnAndExpectation() {
        ColumnarRecords c = classes(10, BadRecordPolicy.FAIL);
        double[] x = {1, 2, 3};
        MalformedDataException e = failure(c, x, 2.5);
        TextFiles.assertMessage(e, FILE + " row 17: label column 'digit' is 2.5, not an integer;"
                + " expected an integer class id");
        assertEquals(17, e.line());
        assertEquals(BadRecordReason.NOT_A_CLASS_ID, e.reason());
        TextFiles.assertMessage(failure(c, x, 10), "row 17: label column 'digit' is 10, out of range;"
                + " expected a class id in 0..9 (10 classes)");
        TextFiles.assertMessage(failure(classes(0, BadRecordPolicy.FAIL), x, -1), "is -1, out of range;"
                + " expected a class id >= 0");
        TextFiles.assertMessage(failure(c, x, null), "row 17: label column 'digit' is null; expected an integer class id");
        TextFiles.assertMessage(failure(c, x, Double.NaN), "label column 'digit' is NaN, not finite");
        assertEquals(BadRecordReason.LABEL_OUT_OF_RANGE, failure(c, x, Long.MAX_VALUE).reason());
    }

    @Test
    void badFeaturesNameTheFileRowColumnAndElement() {
        ColumnarRecords c = classes(10, BadRecordPolicy.FAIL);
        MalformedDataException e = failure(c, new double[] {1, Double.NaN, 3}, 1);
        TextFiles.assertMessage(e, FILE + " row 17: column 'pixels' element 1 is NaN, not finite; expected a finite number");
        assertEquals(BadRecordReason.NOT_FINITE, e.reason());
        TextFiles.assertMessage(failure(c, new double[] {1, 2, Double.NEGATIVE_INFINITY}, 1), "element 2 is -Infinity");
        TextFiles.assertMessage(failure(c, new double[] {1e39, 2, 3}, 1),
                "element 0 is 1.0E39, outside the float32 range");
        e = failure(c, new double[] {1, 2}, 1);
        TextFiles.assertMessage(e, FILE + " row 17: column 'pixels' has 2 values, expected 3 (num_features)");
        assertEquals(BadRecordReason.WRONG_FIELD_COUNT, e.reason());
        TextFiles.assertMessage(failure(c, null, 1), FILE + " row 17: column 'pixels' is null; expected 3 numbers");
    }

    @Test
    void regressionTargetsMustBeFinite() throws MalformedDataException {
        ColumnarRecords c = new ColumnarRecords(LabelSpec.regression(), BadRecordPolicy.FAIL, "x", "y", 1,
                "(num_features)");
        assertEquals(151.5f, c.check(FILE, 0, new double[] {1}, 151.5).target());
        TextFiles.assertMessage(failure(c, new double[] {1}, Double.POSITIVE_INFINITY),
                "row 17: label column 'y' is Infinity, not finite; expected a finite number");
        TextFiles.assertMessage(failure(c, new double[] {1}, null), "label column 'y' is null");
    }

    @Test
    void skipDropsBadRowsAndCountsThem() throws MalformedDataException {
        ColumnarRecords c = classes(10, BadRecordPolicy.SKIP);
        assertNull(c.check(FILE, 0, new double[] {1, 2, 3}, 11));
        assertNull(c.check(FILE, 1, null, 1));
        assertNull(c.reject(FILE, 2, BadRecordReason.NOT_A_NUMBER, "column 'pixels' element 0 is null"));
        assertEquals(1, c.check(FILE, 3, new double[] {1, 2, 3}, 1).label());
        assertEquals(3, c.skipped());
    }
}
