package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * A JSON object in a pattern: every field must match (AND) and every {@code $or} group must have a matching branch.
 *
 * @param fields the named fields, in pattern order
 * @param ors    the {@code $or} groups written at this level
 */
record ObjectPattern(Field[] fields, OrGroup[] ors) implements FieldRule {

    /** One named field of the pattern and what it demands. */
    record Field(String name, FieldRule rule) {
    }

    /** An {@code $or} array: at least one branch must match the same object its siblings see. */
    record OrGroup(ObjectPattern[] branches) {

        boolean matches(@Nullable JsonNode object, boolean topLevel) {
            for (ObjectPattern branch : branches) {
                if (branch.matchesFields(object, topLevel)) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final int NO_OBJECT = 0;
    private static final int OBJECT_NOT_MATCHED = 1;
    private static final int MATCHED = 2;

    @Override
    public boolean matches(@Nullable JsonNode value, boolean topLevel) {
        if (value == null) {
            return matchesFields(null, false);
        }
        return switch (value.getNodeType()) {
            case OBJECT -> matchesFields(value, false);
            case ARRAY -> {
                // EventBridge crushes arrays out of the event: one element must match the whole sub-pattern, so
                // fields from different elements never combine into a match.
                int scan = scanElements(value);
                yield scan == MATCHED || scan == NO_OBJECT && matchesFields(null, false);
            }
            // Nested, a scalar has no children, so only "exists": false can hold; at the top it is plain data
            // under a JSON pattern, which Lambda drops.
            case STRING, NUMBER, BOOLEAN, NULL -> !topLevel && matchesFields(null, false);
            default -> false; // the not-JSON marker of FilterDocuments, or a node JSON cannot express
        };
    }

    /**
     * @param object   the object to test, or {@code null} to test a missing object (every field absent)
     * @param topLevel whether these fields are top-level keys
     */
    boolean matchesFields(@Nullable JsonNode object, boolean topLevel) {
        for (Field field : fields) {
            JsonNode child = object == null ? null : object.get(field.name());
            if (!field.rule().matches(child, topLevel)) {
                return false;
            }
        }
        for (OrGroup or : ors) {
            if (!or.matches(object, topLevel)) {
                return false;
            }
        }
        return true;
    }

    private int scanElements(JsonNode array) {
        int result = NO_OBJECT;
        for (JsonNode element : array) {
            if (element.isObject()) {
                if (matchesFields(element, false)) {
                    return MATCHED;
                }
                result = OBJECT_NOT_MATCHED;
            } else if (element.isArray()) {
                int nested = scanElements(element);
                if (nested == MATCHED) {
                    return MATCHED;
                }
                result = Math.max(result, nested);
            }
        }
        return result;
    }
}
