package io.esm4j.worker.config;

import static io.esm4j.worker.config.LambdaFields.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One mapping as Lambda's CreateEventSourceMapping request describes it: field names and JSON types checked, values
 * not yet (their ranges belong to esm-core's settings, checked when a source factory builds them). Immutable: an
 * update makes a new one with {@link #merge}.
 */
public final class MappingSpec {

    private final ObjectNode request;

    private MappingSpec(ObjectNode request) {
        this.request = request;
    }

    /**
     * Checks a mapping object (from a file or a request body).
     *
     * @param where names the mapping in errors, e.g. {@code EventSourceMappings[1]}; empty for a request body
     */
    public static MappingSpec of(JsonNode mapping, String where) {
        ObjectNode request = LambdaFields.check(mapping, where);
        dropEmptyDestination(request);
        MappingSpec spec = new MappingSpec(request);
        if (spec.text(FUNCTION_NAME) == null || spec.functionName().isBlank()) {
            throw new InvalidMappingException(path(where, FUNCTION_NAME), spec.text(FUNCTION_NAME),
                    "FunctionName is required: the function's name or ARN, or a name from the worker's Functions.");
        }
        if (spec.text(EVENT_SOURCE_ARN) == null && !spec.has(SELF_MANAGED_EVENT_SOURCE)) {
            throw new InvalidMappingException(path(where, EVENT_SOURCE_ARN), null,
                    "EventSourceArn is required: the ARN of the queue or stream to read.");
        }
        return spec;
    }

    /**
     * An empty {@code DestinationConfig.OnFailure.Destination} is how Lambda's API removes the destination (its
     * length is 0 to 350): the mapping then has none, and Get shows none.
     */
    private static void dropEmptyDestination(ObjectNode request) {
        JsonNode destination = request.path(DESTINATION_CONFIG).path("OnFailure").path("Destination");
        if (destination.isTextual() && destination.asText().isEmpty()) {
            ObjectNode config = (ObjectNode) request.get(DESTINATION_CONFIG);
            config.remove("OnFailure");
            if (config.isEmpty()) {
                request.remove(DESTINATION_CONFIG);
            }
        }
    }

    /**
     * This mapping with the fields of an UpdateEventSourceMapping request replacing its own: a field that request
     * does not have is refused, naming it; the Kafka configuration objects change field by field.
     */
    public MappingSpec merge(JsonNode update) {
        ObjectNode merged = request.deepCopy();
        // Named before the create's check, which would list a create's fields, some of which an update refuses.
        update.properties().forEach(field -> {
            if (!LambdaFields.names().contains(field.getKey())) {
                throw new InvalidMappingException(field.getKey(), field.getValue(), "Unknown field; an update takes "
                        + "the fields of Lambda's UpdateEventSourceMapping request: " + String.join(", ",
                        LambdaFields.names().stream().filter(LambdaFields.UPDATABLE::contains).toList()) + ".");
            }
        });
        ObjectNode checked = LambdaFields.check(update, "");
        for (Map.Entry<String, JsonNode> field : checked.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (!LambdaFields.UPDATABLE.contains(name)) {
                throw new InvalidMappingException(name, value.isTextual() ? value.asText() : value, name
                        + " cannot be changed: Lambda's UpdateEventSourceMapping does not take it. Create a new "
                        + "mapping with it instead.");
            }
            JsonNode current = merged.get(name);
            if (LambdaFields.MERGED_BY_FIELD.contains(name) && current != null && current.isObject()
                    && value.isObject()) {
                ObjectNode fields = current.deepCopy();
                value.properties().forEach(entry -> fields.set(entry.getKey(), entry.getValue()));
                merged.set(name, fields);
            } else {
                merged.set(name, value);
            }
        }
        return of(merged, "");
    }

    /** The request as JSON, in Lambda's field names: what is persisted and echoed by the API. */
    public ObjectNode toJson() {
        return request.deepCopy();
    }

    public String functionName() {
        return request.path(FUNCTION_NAME).asText();
    }

    public String eventSourceArn() {
        return request.path(EVENT_SOURCE_ARN).asText("");
    }

    /** True if EventSourceArn is an ARN of {@code service} ({@code arn:<partition>:<service>:...}). */
    public boolean readsFrom(String service) {
        String[] parts = eventSourceArn().split(":", 6);
        return parts.length == 6 && parts[0].equals("arn") && parts[2].equals(service);
    }

    /**
     * What the mapping reads, for telling mappings apart: the EventSourceArn, for Amazon MSK {@code <cluster ARN>
     * <topics>} (one cluster has many topics), for self-managed Kafka (which has no ARN) {@code <bootstrap servers>
     * <topics>}.
     */
    public String source() {
        if (request.has(EVENT_SOURCE_ARN)) {
            return readsFrom("kafka")
                    ? eventSourceArn() + " " + String.join(",", strings(TOPICS)) : eventSourceArn();
        }
        JsonNode servers = request.path(SELF_MANAGED_EVENT_SOURCE).path("Endpoints").path("KAFKA_BOOTSTRAP_SERVERS");
        return String.join(",", strings(servers)) + " " + String.join(",", strings(TOPICS));
    }

    private static List<String> strings(JsonNode list) {
        List<String> values = new ArrayList<>();
        list.forEach(value -> values.add(value.asText()));
        return values;
    }

    public boolean enabled() {
        Boolean enabled = bool(ENABLED);
        return enabled == null || enabled;
    }

    public boolean has(String field) {
        return request.has(field);
    }

    public Set<String> fieldNames() {
        Set<String> names = new LinkedHashSet<>();
        request.fieldNames().forEachRemaining(names::add);
        return names;
    }

    public @Nullable JsonNode node(String field) {
        return request.get(field);
    }

    public @Nullable String text(String field) {
        JsonNode value = request.get(field);
        return value == null ? null : value.asText();
    }

    public @Nullable Integer integer(String field) {
        JsonNode value = request.get(field);
        return value == null ? null : value.intValue();
    }

    public @Nullable Boolean bool(String field) {
        JsonNode value = request.get(field);
        return value == null ? null : value.booleanValue();
    }

    public List<String> strings(String field) {
        return strings(request.path(field));
    }

    public @Nullable Instant timestamp(String field) {
        JsonNode value = request.get(field);
        if (value == null) {
            return null;
        }
        if (value.isNumber()) {
            BigDecimal seconds = value.decimalValue();
            return Instant.ofEpochSecond(seconds.longValue(),
                    seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
        }
        try {
            return Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            throw new InvalidMappingException(field, value.asText(), "Expected " + FieldKind.TIMESTAMP.words() + ".");
        }
    }

    /** The patterns of {@code FilterCriteria: {Filters: [{Pattern: "..."}]}}. */
    public List<String> filterPatterns() {
        JsonNode criteria = request.get(FILTER_CRITERIA);
        if (criteria == null) {
            return List.of();
        }
        only(criteria, FILTER_CRITERIA, Set.of("Filters"));
        JsonNode filters = criteria.path("Filters");
        if (!filters.isMissingNode() && !filters.isArray()) {
            throw new InvalidMappingException(FILTER_CRITERIA + ".Filters", filters,
                    "Expected a list of {\"Pattern\": \"<filter pattern JSON>\"}.");
        }
        List<String> patterns = new ArrayList<>();
        for (int i = 0; i < filters.size(); i++) {
            JsonNode filter = filters.get(i);
            String where = FILTER_CRITERIA + ".Filters[" + i + "]";
            if (!filter.isObject() || !filter.path("Pattern").isTextual()) {
                throw new InvalidMappingException(where, filter, "Expected {\"Pattern\": \"<filter pattern JSON>\"}.");
            }
            only(filter, where, Set.of("Pattern"));
            patterns.add(filter.get("Pattern").asText());
        }
        return patterns;
    }

    /**
     * {@code DestinationConfig.OnFailure.Destination}, or null. {@code OnSuccess} is refused, as Lambda's mapping API
     * refuses it.
     */
    public @Nullable String onFailureDestination() {
        JsonNode config = request.get(DESTINATION_CONFIG);
        if (config == null) {
            return null;
        }
        only(config, DESTINATION_CONFIG, Set.of("OnFailure", "OnSuccess"));
        JsonNode onSuccess = config.path("OnSuccess");
        if (onSuccess.isObject() && onSuccess.hasNonNull("Destination")) {
            throw new InvalidMappingException(DESTINATION_CONFIG + ".OnSuccess.Destination",
                    onSuccess.get("Destination").asText(), "OnSuccess is not supported for event source mappings: "
                            + "Lambda's CreateEventSourceMapping and UpdateEventSourceMapping refuse it for every "
                            + "source (Kafka included); Lambda takes it only for asynchronous invocations "
                            + "(PutFunctionEventInvokeConfig). Leave it out; OnFailure is supported.");
        }
        JsonNode onFailure = config.path("OnFailure");
        if (onFailure.isMissingNode() || onFailure.isNull()) {
            return null;
        }
        if (!onFailure.isObject()) {
            throw new InvalidMappingException(DESTINATION_CONFIG + ".OnFailure", onFailure,
                    "Expected {\"Destination\": \"<ARN>\"}.");
        }
        only(onFailure, DESTINATION_CONFIG + ".OnFailure", Set.of("Destination"));
        JsonNode destination = onFailure.get("Destination");
        if (destination == null || destination.isNull()) {
            return null;
        }
        if (!destination.isTextual()) {
            throw new InvalidMappingException(DESTINATION_CONFIG + ".OnFailure.Destination", destination,
                    "Expected the destination's ARN as a string.");
        }
        return destination.asText();
    }

    /** {@code ScalingConfig.MaximumConcurrency}, or null. */
    public @Nullable Integer maximumConcurrency() {
        JsonNode config = request.get(SCALING_CONFIG);
        if (config == null) {
            return null;
        }
        only(config, SCALING_CONFIG, Set.of("MaximumConcurrency"));
        JsonNode value = config.get("MaximumConcurrency");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!FieldKind.INTEGER.accepts(value)) {
            throw new InvalidMappingException(SCALING_CONFIG + ".MaximumConcurrency", value, "Expected an integer.");
        }
        return value.intValue();
    }

    private static void only(JsonNode object, String where, Set<String> allowed) {
        if (!object.isObject()) {
            throw new InvalidMappingException(where, object, "Expected an object with " + allowed + ".");
        }
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            if (!allowed.contains(field.getKey())) {
                throw new InvalidMappingException(where + "." + field.getKey(), field.getValue(),
                        "Unknown field; allowed: " + String.join(", ", allowed) + ".");
            }
        }
    }

    private static String path(String where, String field) {
        return where.isEmpty() ? field : where + "." + field;
    }

    @Override
    public String toString() {
        return "MappingSpec[" + source() + " -> " + FunctionSpec.shownName(functionName()) + "]";
    }
}
