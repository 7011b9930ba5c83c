package io.esm4j.filter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * Whether one leaf value (string, number, boolean or null) equals any of a set of values or passes any condition.
 * Plain strings are by far the most common match values, so they get a hash lookup instead of a linear scan.
 *
 * @param strings    exact string values
 * @param conditions every other match value, tried in pattern order
 */
record ScalarTest(Set<String> strings, Condition[] conditions) {

    boolean test(JsonNode leaf) {
        if (!strings.isEmpty() && leaf.isTextual() && strings.contains(leaf.textValue())) {
            return true;
        }
        for (Condition condition : conditions) {
            if (condition.test(leaf)) {
                return true;
            }
        }
        return false;
    }
}
