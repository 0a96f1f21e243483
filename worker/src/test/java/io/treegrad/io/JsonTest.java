package io.treegrad.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The header's JSON: what we write Jackson reads back the same, and the parser is strict. */
class JsonTest {
    @Test
    void writesWhatAStandardParserReadsBackUnchanged() throws Exception {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "quote \" backslash \\ newline \n tab \t bell \u0007 unicode é 模 🚀 slash /");
        value.put("ints", List.of(0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE));
        value.put("doubles", List.of(0.1, -2.5e-300, 1.0E22));
        value.put("nested", Map.of("t", true, "f", false));
        value.put("null", null);
        String json = Json.write(value);

        Object viaJackson = new ObjectMapper().readValue(json, Object.class);
        assertEquals(new ObjectMapper().writeValueAsString(viaJackson),
                new ObjectMapper().writeValueAsString(Json.parse(json)), "Jackson and we read the same thing");
        assertEquals(value, Json.parse(json), "round trip");
    }

    @Test
    void parsesWhitespaceEscapesAndSurrogatePairs() {
        Object v = Json.parse(" {\n\t\"a\" : [ 1 , 2.5e1, \"\\u00e9\\ud83d\\ude80\\/\" ] }\r\n");
        assertEquals(Map.of("a", Arrays.asList(1L, 25.0, "é🚀/")), v);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"a\":1,\"a\":2}            | duplicate key \"a\"",
            "[1,2,]                       | expected a value",
            "{\"a\":1,}                   | expected a quoted key",
            "{\"a\":1} x                  | after the JSON value",
            "{'a':1}                      | expected a quoted key",
            "[01]                         | expected ',' or ']'",
            "[1.]                         | expected a digit",
            "[99999999999999999999]       | out of range",
            "[\"a\\x\"]                   | bad escape",
            "[\"abc                       | unterminated string",
            "[NaN]                        | expected a value",
            "''                           | unexpected end of text",
    })
    void rejectsWhatIsNotStrictJson(String text, String expected) {
        String input = text.equals("''") ? "" : text;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(input));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("JSON at character "), e.getMessage());
    }

    @Test
    void rejectsRawControlCharactersAndDeepNesting() {
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[\"a\nb\"]"));
        String deep = "[".repeat(100) + "]".repeat(100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nested deeper"), e.getMessage());
    }

    @Test
    void refusesToWriteNonFiniteNumbers() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(Double.NaN)));
    }
}
