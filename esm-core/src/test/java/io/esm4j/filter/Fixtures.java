package io.esm4j.filter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/** Parsing shortcuts shared by the filter tests. */
final class Fixtures {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Fixtures() {
    }

    static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("test JSON does not parse: " + text, e);
        }
    }

    /** A document as it is, the way a source without data rules passes one. */
    static FilterDocument doc(String text) {
        return FilterDocument.ofJson(text);
    }

    static boolean matches(String pattern, String event) {
        return FilterCriteria.of(List.of(pattern)).matches(doc(event));
    }
}
