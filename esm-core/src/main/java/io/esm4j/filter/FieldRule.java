package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/** What a pattern demands of the value under one field name: a nested object pattern or a list of match values. */
sealed interface FieldRule permits ObjectPattern, ValueList {

    /**
     * @param value    the field's value in the event, or {@code null} when the event has no such field
     * @param topLevel whether the field is a top-level key such as {@code body}: there Lambda's data-format rule
     *                 applies, so an object pattern never matches plain data and a value list never matches an object
     */
    boolean matches(@Nullable JsonNode value, boolean topLevel);

    /** Event values that a match value can see; the rest are objects, arrays, or not JSON at all. */
    static boolean isLeaf(JsonNode value) {
        return switch (value.getNodeType()) {
            case STRING, NUMBER, BOOLEAN, NULL -> true;
            default -> false;
        };
    }
}
