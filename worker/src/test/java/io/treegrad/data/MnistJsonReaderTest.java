package io.treegrad.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MnistJsonReaderTest {
    private static float[] read(String json) throws IOException {
        return MnistJsonReader.readDigit(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "3.json");
    }

    private static String data(int count, String value) {
        return "{ \"data\": [" + String.join(",", java.util.Collections.nCopies(count, value)) + "] }\n";
    }

    private static void assertFails(String json, String... parts) {
        MalformedDataException e = assertThrows(MalformedDataException.class, () -> read(json));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message lacks '" + part + "': " + e.getMessage());
        }
    }

    @Test
    void readsWholeImages() throws IOException {
        float[] v = read(data(2 * 784, "0.5"));
        assertEquals(2 * 784, v.length);
        assertEquals(0.5f, v[1000]);
    }

    @Test
    void partialImagesSyntaxAndNonNumbersAreErrors() {
        assertFails(data(785, "0"), "3.json: \"data\" has 785 values; expected a positive multiple of 784");
        assertFails("", "3.json: empty file");
        assertFails("{\"pixels\": []}", "3.json: at character 1: found \"\\\"pixels\\\": []}\"; expected the key \"data\"");
        assertFails("{\"data\": [0, 0.5,]}", "at character 17: found \"]}\"; expected a number");
        assertFails("{\"data\": [0, NaN]}", "at character 13: found \"NaN]}\"; expected a number");
        assertFails("{\"data\": [0, 1e99]}", "at character 13: value is \"1e99\", outside the float32 range");
        assertFails("{\"data\": [0]} x", "at character 14: found \"x\"; expected the end of the file");
    }
}
