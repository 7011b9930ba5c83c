package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.LambdaResponses;
import io.esm4j.kafka.KafkaEventJson;
import io.esm4j.kafka.KafkaFailureTopic;
import io.esm4j.kafka.KafkaLambdaAdapter;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.sinks.EventJson;
import io.esm4j.stream.StreamRecord;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Self-managed Kafka, in the shape of Lambda's request: {@code SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS},
 * one topic in {@code Topics}, {@code SelfManagedKafkaEventSourceConfig.ConsumerGroupId}, SASL or TLS through
 * {@code SourceAccessConfigurations} ({@link KafkaSourceAccess}), and Lambda's Kafka event.
 * Amazon MSK ({@code arn:aws:kafka:...} as EventSourceArn) is refused: finding its brokers and authenticating with
 * IAM need the MSK API, which the worker does not call.
 */
public final class KafkaSourceFactory implements SourceFactory {

    static final String BOOTSTRAP_SERVERS = SELF_MANAGED_EVENT_SOURCE + ".Endpoints.KAFKA_BOOTSTRAP_SERVERS";
    static final String CONSUMER_GROUP_ID = SELF_MANAGED_KAFKA_CONFIG + ".ConsumerGroupId";

    private static final Set<String> FIELDS = Set.of(SELF_MANAGED_EVENT_SOURCE, TOPICS, SELF_MANAGED_KAFKA_CONFIG,
            BATCH_SIZE, MAXIMUM_BATCHING_WINDOW, STARTING_POSITION, STARTING_POSITION_TIMESTAMP,
            BISECT_BATCH_ON_FUNCTION_ERROR, MAXIMUM_RECORD_AGE, MAXIMUM_RETRY_ATTEMPTS, FUNCTION_RESPONSE_TYPES,
            FILTER_CRITERIA, DESTINATION_CONFIG, SOURCE_ACCESS_CONFIGURATIONS);

    @Override
    public String kind() {
        return "Kafka";
    }

    @Override
    public boolean handles(MappingSpec spec) {
        return spec.has(SELF_MANAGED_EVENT_SOURCE) || Arns.isService(spec.eventSourceArn(), "kafka");
    }

    @Override
    public Set<String> fields() {
        return FIELDS;
    }

    @Override
    public Map<String, Object> defaults() {
        StreamSettings defaults = KafkaSource.settings().startingPosition(StartingPosition.LATEST).build();
        return Map.of(BATCH_SIZE, defaults.batchSize(),
                MAXIMUM_RECORD_AGE, defaults.maximumRecordAgeInSeconds(),
                MAXIMUM_RETRY_ATTEMPTS, defaults.maximumRetryAttempts(),
                BISECT_BATCH_ON_FUNCTION_ERROR, defaults.bisectBatchOnFunctionError());
    }

    @Override
    public void validate(MappingSpec spec) {
        if (spec.has(EVENT_SOURCE_ARN)) {
            throw new InvalidMappingException(EVENT_SOURCE_ARN, spec.eventSourceArn(), "The worker reads "
                    + "self-managed Kafka only: give SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS instead "
                    + "of an EventSourceArn (for Amazon MSK, its brokers' addresses; IAM authentication is not "
                    + "supported).");
        }
        source(spec);
        KafkaSourceAccess.of(spec);
        settings(spec, "validation");
        MappingValues.filterCriteria(spec);
        spec.onFailureDestination();
    }

    @Override
    public RunningMapping create(String name, MappingSpec spec, MappingTarget target, WorkerContext context)
            throws Exception {
        KafkaSource source = source(spec, accessProperties(spec, context));
        String destination = spec.onFailureDestination();
        List<KafkaFailureTopic> failureTopics = new ArrayList<>();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name, source,
                        target.limited(handler(source, target)))
                .settings(settings(spec, target.functionArn()))
                .filterCriteria(MappingValues.filterCriteria(spec))
                .onFailure(destination == null ? null : context.destinationsBuilder()
                        .eventJson(EventJson.ofPayloads(KafkaRecord.class, source::eventJson))
                        .kafkaTopics(topic -> {
                            KafkaFailureTopic failureTopic = source.failureTopic(topic);
                            failureTopics.add(failureTopic);
                            return failureTopic;
                        })
                        .build().forArn(name, destination))
                .meterRegistry(context.meters())
                .build();
        // The failure topic's producer outlives the mapping's last delivery: closed once the mapping has stopped.
        return new RunningMapping.Lifecycle(mapping::start, timeout -> {
            try {
                return mapping.stop(timeout);
            } finally {
                failureTopics.forEach(KafkaFailureTopic::close);
            }
        }, mapping::state, mapping::stateTransitionReason, mapping::lastProcessingResult, mapping::shards);
    }

    /**
     * The consumer properties of the mapping's SourceAccessConfigurations. Secrets are read at each start (a failed
     * start is retried), so a rotated secret is picked up by restarting the mapping.
     */
    private static Map<String, String> accessProperties(MappingSpec spec, WorkerContext context) throws Exception {
        KafkaSourceAccess access = KafkaSourceAccess.of(spec);
        if (!access.needsSecrets()) {
            return Map.of();
        }
        try (SecretsManagerSecrets secrets = new SecretsManagerSecrets(
                context.clients().endpoints().endpoint("secretsmanager"), context.clients().credentials())) {
            return access.consumerProperties(secrets::secretString);
        }
    }

    @SuppressWarnings("unchecked")
    private static BatchHandler<StreamRecord<KafkaRecord>> handler(KafkaSource source, MappingTarget target) {
        return switch (target.invoker()) {
            case Invoker.Json json -> batch -> LambdaResponses.parse(json.invoke(KafkaEventJson.write(source,
                    batch.records().stream().map(StreamRecord::payload).toList())));
            case Invoker.Java java -> {
                RequestHandler<KafkaEvent, Object> handler = (RequestHandler<KafkaEvent, Object>) java.handler();
                yield KafkaLambdaAdapter.of(source, event -> handler.handleRequest(event, java.context()));
            }
        };
    }

    /** The source the request describes; package-private so that tests check how the fields map. */
    static KafkaSource source(MappingSpec spec) {
        return source(spec, Map.of());
    }

    /** The same, with consumer properties (those of {@link KafkaSourceAccess}). */
    static KafkaSource source(MappingSpec spec, Map<String, String> consumerProperties) {
        JsonNode servers = path(spec, SELF_MANAGED_EVENT_SOURCE, "Endpoints", "KAFKA_BOOTSTRAP_SERVERS");
        List<String> serverList = new ArrayList<>();
        if (servers != null && servers.isArray()) {
            servers.forEach(server -> serverList.add(server.isTextual() ? server.asText() : ""));
        }
        if (serverList.isEmpty() || serverList.stream().anyMatch(s -> !s.matches("[^\\s,:]+:\\d{1,5}"))) {
            throw new InvalidMappingException(BOOTSTRAP_SERVERS, servers, "Expected a list of host:port, e.g. "
                    + "{\"Endpoints\": {\"KAFKA_BOOTSTRAP_SERVERS\": [\"b-1.example:9092\"]}}.");
        }
        List<String> topics = spec.strings(TOPICS);
        if (topics.size() != 1 || topics.getFirst().isBlank()) {
            throw new InvalidMappingException(TOPICS, spec.node(TOPICS), "Expected exactly one topic name, as "
                    + "Lambda takes.");
        }
        JsonNode group = path(spec, SELF_MANAGED_KAFKA_CONFIG, "ConsumerGroupId");
        if (group != null && (!group.isTextual() || group.asText().isEmpty() || group.asText().length() > 200)) {
            throw new InvalidMappingException(CONSUMER_GROUP_ID, group, "Expected a consumer group id of 1 to 200 "
                    + "characters (or leave it out for a new random group per mapping, as in Lambda).");
        }
        return MappingValues.settings(() -> {
            KafkaSource.Builder builder = KafkaSource.builder()
                    .bootstrapServers(String.join(",", serverList))
                    .topics(topics.getFirst())
                    .consumerGroupId(group == null ? null : group.asText());
            consumerProperties.forEach(builder::consumerProperty);
            return builder.build();
        });
    }

    /** A nested value, refusing any field of those objects Lambda's request does not have. */
    private static @Nullable JsonNode path(MappingSpec spec, String field, String... names) {
        JsonNode node = spec.node(field);
        String where = field;
        for (String name : names) {
            if (node == null) {
                return null;
            }
            if (!node.isObject()) {
                throw new InvalidMappingException(where, node, "Expected an object with " + name + ".");
            }
            for (var entry : node.properties()) {
                if (!entry.getKey().equals(name)) {
                    throw new InvalidMappingException(where + "." + entry.getKey(), entry.getValue(),
                            "Unknown field; allowed: " + name + ".");
                }
            }
            node = node.get(name);
            where = where + "." + name;
        }
        return node;
    }

    /** The mapping's settings from Lambda's Kafka defaults; package-private so that tests check the mapping. */
    static StreamSettings settings(MappingSpec spec, String functionArn) {
        return MappingValues.settings(() -> {
            StreamSettings.Builder builder = KafkaSource.settings().functionArn(functionArn)
                    .startingPosition(MappingValues.startingPosition(spec, "Kafka",
                            EnumSet.allOf(StartingPosition.class)))
                    .startingPositionTimestamp(spec.timestamp(STARTING_POSITION_TIMESTAMP));
            return MappingValues.streamFields(builder, spec).build();
        });
    }
}
