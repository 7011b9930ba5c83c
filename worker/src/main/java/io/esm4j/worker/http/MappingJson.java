package io.esm4j.worker.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.esm4j.worker.config.FunctionSpec;
import io.esm4j.worker.config.Functions;
import io.esm4j.worker.config.LambdaFields;
import io.esm4j.worker.mappings.ManagedMapping;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * A mapping as Lambda's API describes it ({@code EventSourceMappingConfiguration}): the request's fields with the
 * source's defaults filled in, plus UUID, FunctionArn (a URL's password or token masked), EventSourceMappingArn,
 * State, StateTransitionReason, LastProcessingResult and LastModified (epoch seconds, as Lambda sends them).
 */
final class MappingJson {

    private MappingJson() {}

    static ObjectNode of(ManagedMapping mapping, Map<String, Object> defaults, String region) {
        ObjectNode json = Exchanges.JSON.createObjectNode();
        json.put("UUID", mapping.uuid());
        ObjectNode request = mapping.spec().toJson();
        defaults.forEach((field, value) -> {
            JsonNode given = request.get(field);
            JsonNode fallback = Exchanges.JSON.valueToTree(value);
            if (given == null) {
                request.set(field, fallback);
            } else if (given instanceof ObjectNode object && fallback.isObject()) {
                fallback.properties().forEach(inner -> {
                    if (!object.has(inner.getKey())) {
                        object.set(inner.getKey(), inner.getValue());
                    }
                });
            }
        });
        // FilterCriteria without filters ({} is how an update removes them) is no FilterCriteria, as Lambda shows it.
        if (request.path(LambdaFields.FILTER_CRITERIA).path("Filters").isEmpty()) {
            request.remove(LambdaFields.FILTER_CRITERIA);
        }
        request.properties().forEach(field -> {
            if (!field.getKey().equals(LambdaFields.FUNCTION_NAME) && !field.getKey().equals(LambdaFields.ENABLED)
                    && !field.getKey().equals(LambdaFields.TAGS)) {
                json.set(field.getKey(), field.getValue());
            }
        });
        Instant timestamp = mapping.spec().timestamp(LambdaFields.STARTING_POSITION_TIMESTAMP);
        if (timestamp != null) {
            json.put(LambdaFields.STARTING_POSITION_TIMESTAMP, seconds(timestamp));
        }
        json.put("FunctionArn", functionArn(mapping, region));
        json.put("LastModified", seconds(mapping.lastModified()));
        json.put("LastProcessingResult", mapping.lastProcessingResult());
        json.put("State", mapping.state());
        json.put("StateTransitionReason", reason(mapping));
        json.put("EventSourceMappingArn", "arn:aws:lambda:" + region + ":000000000000:event-source-mapping:"
                + mapping.uuid());
        return json;
    }

    /** Lambda says USER_INITIATED for a user's change of an SQS mapping, and User action for the other sources. */
    private static String reason(ManagedMapping mapping) {
        String reason = mapping.stateTransitionReason();
        return mapping.sourceKind().equals("SQS") && reason.equals("User action") ? "USER_INITIATED" : reason;
    }

    /** The FunctionArn the API shows: a URL's user info, query and fragment masked ({@link Functions#shownArn}). */
    static String functionArn(ManagedMapping mapping, String region) {
        return Functions.shownArn(mapping.spec().functionName(), region);
    }

    /**
     * The fields of an UpdateEventSourceMapping, with a FunctionName that is the mapping's own as this API shows it
     * (its masked URL, or the FunctionArn of it) replaced by the real one: a client that passes back what it read
     * keeps the function, rather than turning the URL into the masked one, which has no password.
     */
    static JsonNode withRealFunction(JsonNode fields, ManagedMapping mapping, String region) {
        String real = mapping.spec().functionName();
        String shown = FunctionSpec.shownName(real);
        JsonNode given = fields.get(LambdaFields.FUNCTION_NAME);
        if (shown.equals(real) || !(fields instanceof ObjectNode object) || given == null || !given.isTextual()
                || !given.asText().equals(shown) && !given.asText().equals(Functions.arn(shown, region))) {
            return fields;
        }
        ObjectNode kept = object.deepCopy();
        kept.put(LambdaFields.FUNCTION_NAME, real);
        return kept;
    }

    private static BigDecimal seconds(Instant instant) {
        return BigDecimal.valueOf(instant.toEpochMilli()).movePointLeft(3);
    }
}
