package io.treegrad.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/** Golden fixtures written by the Python scripts under src/test/python: {"cases": [{"name": ...}, ...]}. */
public final class Fixtures {
    private Fixtures() {}

    /** Reads a fixture resource; a missing one fails naming the script that writes it. */
    public static JsonNode load(String resource, String script) {
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            assertNotNull(in, "missing test resource " + resource + ": run src/test/python/" + script);
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One JUnit argument per case, shown by its name. */
    public static Stream<Arguments> cases(JsonNode doc) {
        return StreamSupport.stream(doc.get("cases").spliterator(), false)
                .map(c -> Arguments.of(Named.of(c.get("name").asText(), c)));
    }
}
