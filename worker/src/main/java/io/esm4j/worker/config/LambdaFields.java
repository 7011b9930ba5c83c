package io.esm4j.worker.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The fields of Lambda's CreateEventSourceMapping request and the JSON type of each: the one place the worker knows
 * them. Which of them a mapping may use depends on its source (see {@code SourceFactory#fields()}); their ranges
 * and defaults live in esm-core's settings.
 */
public final class LambdaFields {

    public static final String EVENT_SOURCE_ARN = "EventSourceArn";
    public static final String FUNCTION_NAME = "FunctionName";
    public static final String ENABLED = "Enabled";
    public static final String BATCH_SIZE = "BatchSize";
    public static final String FILTER_CRITERIA = "FilterCriteria";
    public static final String MAXIMUM_BATCHING_WINDOW = "MaximumBatchingWindowInSeconds";
    public static final String PARALLELIZATION_FACTOR = "ParallelizationFactor";
    public static final String STARTING_POSITION = "StartingPosition";
    public static final String STARTING_POSITION_TIMESTAMP = "StartingPositionTimestamp";
    public static final String DESTINATION_CONFIG = "DestinationConfig";
    public static final String MAXIMUM_RECORD_AGE = "MaximumRecordAgeInSeconds";
    public static final String BISECT_BATCH_ON_FUNCTION_ERROR = "BisectBatchOnFunctionError";
    public static final String MAXIMUM_RETRY_ATTEMPTS = "MaximumRetryAttempts";
    public static final String TAGS = "Tags";
    public static final String TUMBLING_WINDOW = "TumblingWindowInSeconds";
    public static final String TOPICS = "Topics";
    public static final String QUEUES = "Queues";
    public static final String SOURCE_ACCESS_CONFIGURATIONS = "SourceAccessConfigurations";
    public static final String SELF_MANAGED_EVENT_SOURCE = "SelfManagedEventSource";
    public static final String FUNCTION_RESPONSE_TYPES = "FunctionResponseTypes";
    public static final String AMAZON_MANAGED_KAFKA_CONFIG = "AmazonManagedKafkaEventSourceConfig";
    public static final String SELF_MANAGED_KAFKA_CONFIG = "SelfManagedKafkaEventSourceConfig";
    public static final String SCALING_CONFIG = "ScalingConfig";
    public static final String DOCUMENT_DB_CONFIG = "DocumentDBEventSourceConfig";
    public static final String KMS_KEY_ARN = "KMSKeyArn";
    public static final String METRICS_CONFIG = "MetricsConfig";
    public static final String PROVISIONED_POLLER_CONFIG = "ProvisionedPollerConfig";
    public static final String LOGGING_CONFIG = "LoggingConfig";

    /** Every source takes these; the rest depend on the source. */
    public static final Set<String> COMMON = Set.of(EVENT_SOURCE_ARN, FUNCTION_NAME, ENABLED, TAGS, METRICS_CONFIG);

    /**
     * The fields Lambda's UpdateEventSourceMapping request takes; the others (the event source, where to start,
     * tags) are fixed when a mapping is created.
     */
    public static final Set<String> UPDATABLE = Set.of(FUNCTION_NAME, ENABLED, BATCH_SIZE, FILTER_CRITERIA,
            MAXIMUM_BATCHING_WINDOW, DESTINATION_CONFIG, MAXIMUM_RECORD_AGE, BISECT_BATCH_ON_FUNCTION_ERROR,
            MAXIMUM_RETRY_ATTEMPTS, PARALLELIZATION_FACTOR, SOURCE_ACCESS_CONFIGURATIONS, TUMBLING_WINDOW,
            FUNCTION_RESPONSE_TYPES, SCALING_CONFIG, AMAZON_MANAGED_KAFKA_CONFIG, SELF_MANAGED_KAFKA_CONFIG,
            DOCUMENT_DB_CONFIG, KMS_KEY_ARN, METRICS_CONFIG, LOGGING_CONFIG, PROVISIONED_POLLER_CONFIG);

    /** Objects an update changes field by field, as Lambda does: a new SchemaRegistryConfig keeps ConsumerGroupId. */
    static final Set<String> MERGED_BY_FIELD = Set.of(AMAZON_MANAGED_KAFKA_CONFIG, SELF_MANAGED_KAFKA_CONFIG);

    /** Fields of Lambda's request that the worker refuses whatever the source, with why. */
    public static final Map<String, String> NOT_SUPPORTED = Map.of(KMS_KEY_ARN, "Lambda encrypts the mapping's "
            + "FilterCriteria with this key; the worker keeps its mappings without it, so it refuses the key rather "
            + "than ignore it. Leave it out.");

    private static final Map<String, FieldKind> KINDS = kinds();

    private LambdaFields() {}

    /** Whether Lambda's request has a field of this name. */
    public static boolean known(String name) {
        return KINDS.containsKey(name);
    }

    public static Set<String> names() {
        return KINDS.keySet();
    }

    /**
     * Checks every field's name and JSON type and returns a copy in which CloudFormation's string forms of numbers
     * and booleans ({@code "10"}, {@code "true"}) are the JSON values Lambda's API takes.
     *
     * @param where names the mapping in errors, e.g. {@code EventSourceMappings[2]}
     */
    static ObjectNode check(JsonNode mapping, String where) {
        if (!mapping.isObject()) {
            throw new InvalidMappingException(where, mapping, "Expected an object with the fields of Lambda's "
                    + "CreateEventSourceMapping request.");
        }
        ObjectNode checked = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> field : mapping.properties()) {
            String name = field.getKey();
            FieldKind kind = KINDS.get(name);
            if (kind == null) {
                throw new InvalidMappingException(prefix(where) + name, field.getValue(), "Unknown field; a mapping "
                        + "takes the fields of Lambda's CreateEventSourceMapping request: " + String.join(", ", names())
                        + ".");
            }
            JsonNode value = coerce(kind, field.getValue());
            if (!value.isNull() && !kind.accepts(value)) {
                throw new InvalidMappingException(prefix(where) + name, field.getValue(), "Expected " + kind.words()
                        + ".");
            }
            if (!value.isNull()) {
                checked.set(name, value);
            }
        }
        return checked;
    }

    private static String prefix(String where) {
        return where.isEmpty() ? "" : where + ".";
    }

    private static JsonNode coerce(FieldKind kind, JsonNode value) {
        if (!value.isTextual()) {
            return value;
        }
        String text = value.asText().trim();
        if (kind == FieldKind.INTEGER && text.matches("-?\\d{1,9}")) {
            return JsonNodeFactory.instance.numberNode(Integer.parseInt(text));
        }
        if (kind == FieldKind.BOOLEAN && (text.equals("true") || text.equals("false"))) {
            return JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(text));
        }
        return value;
    }

    private static Map<String, FieldKind> kinds() {
        Map<String, FieldKind> kinds = new LinkedHashMap<>();
        kinds.put(EVENT_SOURCE_ARN, FieldKind.STRING);
        kinds.put(FUNCTION_NAME, FieldKind.STRING);
        kinds.put(ENABLED, FieldKind.BOOLEAN);
        kinds.put(BATCH_SIZE, FieldKind.INTEGER);
        kinds.put(FILTER_CRITERIA, FieldKind.OBJECT);
        kinds.put(MAXIMUM_BATCHING_WINDOW, FieldKind.INTEGER);
        kinds.put(PARALLELIZATION_FACTOR, FieldKind.INTEGER);
        kinds.put(STARTING_POSITION, FieldKind.STRING);
        kinds.put(STARTING_POSITION_TIMESTAMP, FieldKind.TIMESTAMP);
        kinds.put(DESTINATION_CONFIG, FieldKind.OBJECT);
        kinds.put(MAXIMUM_RECORD_AGE, FieldKind.INTEGER);
        kinds.put(BISECT_BATCH_ON_FUNCTION_ERROR, FieldKind.BOOLEAN);
        kinds.put(MAXIMUM_RETRY_ATTEMPTS, FieldKind.INTEGER);
        kinds.put(TAGS, FieldKind.OBJECT);
        kinds.put(TUMBLING_WINDOW, FieldKind.INTEGER);
        kinds.put(TOPICS, FieldKind.STRING_LIST);
        kinds.put(QUEUES, FieldKind.STRING_LIST);
        kinds.put(SOURCE_ACCESS_CONFIGURATIONS, FieldKind.LIST);
        kinds.put(SELF_MANAGED_EVENT_SOURCE, FieldKind.OBJECT);
        kinds.put(FUNCTION_RESPONSE_TYPES, FieldKind.STRING_LIST);
        kinds.put(AMAZON_MANAGED_KAFKA_CONFIG, FieldKind.OBJECT);
        kinds.put(SELF_MANAGED_KAFKA_CONFIG, FieldKind.OBJECT);
        kinds.put(SCALING_CONFIG, FieldKind.OBJECT);
        kinds.put(DOCUMENT_DB_CONFIG, FieldKind.OBJECT);
        kinds.put(KMS_KEY_ARN, FieldKind.STRING);
        kinds.put(METRICS_CONFIG, FieldKind.OBJECT);
        kinds.put(PROVISIONED_POLLER_CONFIG, FieldKind.OBJECT);
        kinds.put(LOGGING_CONFIG, FieldKind.OBJECT);
        return Collections.unmodifiableMap(kinds);
    }
}
