package io.esm4j.worker.config;

import com.fasterxml.jackson.databind.JsonNode;

/** The JSON type a field of Lambda's request takes, and how it is described in an error. */
enum FieldKind {
    STRING("a string"),
    INTEGER("an integer"),
    BOOLEAN("true or false"),
    STRING_LIST("a list of strings"),
    OBJECT("an object"),
    LIST("a list"),
    /** Lambda's timestamps: epoch seconds (the SDK's wire form) or an ISO-8601 instant (the CLI and templates). */
    TIMESTAMP("epoch seconds or an ISO-8601 instant such as 2026-12-01T00:00:00Z");

    private final String words;

    FieldKind(String words) {
        this.words = words;
    }

    String words() {
        return words;
    }

    boolean accepts(JsonNode value) {
        return switch (this) {
            case STRING -> value.isTextual();
            case INTEGER -> value.isIntegralNumber() && value.canConvertToInt();
            case BOOLEAN -> value.isBoolean();
            case STRING_LIST -> value.isArray() && allText(value);
            case OBJECT -> value.isObject();
            case LIST -> value.isArray();
            case TIMESTAMP -> value.isNumber() || value.isTextual();
        };
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode element : array) {
            if (!element.isTextual()) {
                return false;
            }
        }
        return true;
    }
}
