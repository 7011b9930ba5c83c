package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * The array at a pattern leaf, such as {@code ["Credit", {"prefix": "Deb"}]}: matches when any of its values matches
 * the event value, or any element of an event array.
 *
 * @param test        the match values other than {@code "exists": false}
 * @param existsFalse whether the list holds {@code {"exists": false}}, which is about absence and so tests no value
 */
record ValueList(ScalarTest test, boolean existsFalse) implements FieldRule {

    private static final int NO_LEAF = 0;
    private static final int LEAF_NOT_MATCHED = 1;
    private static final int MATCHED = 2;

    @Override
    public boolean matches(@Nullable JsonNode value, boolean topLevel) {
        if (value == null) {
            return existsFalse;
        }
        return switch (value.getNodeType()) {
            case STRING, NUMBER, BOOLEAN, NULL -> test.test(value);
            // "exists" only sees leaves: an object is an intermediate node, so it exists for nobody, except at the
            // top where it is JSON data under a plain pattern, which Lambda drops.
            case OBJECT -> !topLevel && existsFalse;
            case ARRAY -> {
                int scan = scanLeaves(value);
                yield scan == MATCHED || scan == NO_LEAF && !topLevel && existsFalse;
            }
            default -> false; // the not-JSON marker of FilterDocuments, or a node JSON cannot express
        };
    }

    private int scanLeaves(JsonNode array) {
        int result = NO_LEAF;
        for (JsonNode element : array) {
            if (FieldRule.isLeaf(element)) {
                if (test.test(element)) {
                    return MATCHED;
                }
                result = LEAF_NOT_MATCHED;
            } else if (element.isArray()) {
                int nested = scanLeaves(element);
                if (nested == MATCHED) {
                    return MATCHED;
                }
                result = Math.max(result, nested);
            }
        }
        return result;
    }
}
