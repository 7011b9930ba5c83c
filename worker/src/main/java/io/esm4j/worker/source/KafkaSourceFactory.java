package io.esm4j.worker.source;

import static io.esm4j.worker.config.LambdaFields.*;
import static io.esm4j.worker.source.KafkaMappingFields.*;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.KafkaEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.kafka.KafkaEventJson;
import io.esm4j.kafka.KafkaFailureTopic;
import io.esm4j.kafka.KafkaLambdaAdapter;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.sinks.EventJson;
import io.esm4j.stream.StreamRecord;
import io.esm4j.worker.config.InvalidMappingException;
import io.esm4j.worker.config.MappingSpec;
import io.esm4j.worker.invoke.Invoker;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka, in the shape of Lambda's request, with Lambda's Kafka event. Self-managed Kafka:
 * {@code SelfManagedEventSource.Endpoints.KAFKA_BOOTSTRAP_SERVERS}, {@code SelfManagedKafkaEventSourceConfig
 * .ConsumerGroupId}. Amazon MSK: the cluster's ARN as {@code EventSourceArn}, whose brokers MSK's GetBootstrapBrokers
 * gives at each start ({@link MskBrokers}, which also picks IAM authentication as Lambda does), and {@code
 * AmazonManagedKafkaEventSourceConfig.ConsumerGroupId}. Both: one topic in {@code Topics}, SASL or TLS through
 * {@code SourceAccessConfigurations} ({@link KafkaSourceAccess}).
 */
public final class KafkaSourceFactory implements SourceFactory {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSourceFactory.class);

    /**
     * What validation builds an MSK mapping's source with, to check its other fields: the brokers are known only at
     * start.
     */
    private static final String MSK_BROKERS_UNKNOWN = "msk-brokers-found-at-start:9092";

    private static final Set<String> FIELDS = Set.of(SELF_MANAGED_EVENT_SOURCE, TOPICS, SELF_MANAGED_KAFKA_CONFIG,
            BATCH_SIZE, MAXIMUM_BATCHING_WINDOW, STARTING_POSITION, STARTING_POSITION_TIMESTAMP,
            BISECT_BATCH_ON_FUNCTION_ERROR, MAXIMUM_RECORD_AGE, MAXIMUM_RETRY_ATTEMPTS, FUNCTION_RESPONSE_TYPES,
            FILTER_CRITERIA, DESTINATION_CONFIG, SOURCE_ACCESS_CONFIGURATIONS, EVENT_SOURCE_ARN,
            AMAZON_MANAGED_KAFKA_CONFIG, PROVISIONED_POLLER_CONFIG, LOGGING_CONFIG);

    @Override
    public String kind() {
        return "Kafka";
    }

    @Override
    public boolean handles(MappingSpec spec) {
        return spec.has(SELF_MANAGED_EVENT_SOURCE) || spec.readsFrom("kafka");
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

    /** As Lambda reports it: the consumer group the mapping joins, its UUID when the request named none. */
    @Override
    public Map<String, Object> defaults(String uuid, MappingSpec spec) {
        Map<String, Object> defaults = new HashMap<>(defaults());
        defaults.put(KafkaMappingFields.kafkaConfig(spec),
                Map.of(CONSUMER_GROUP_ID, uuid));
        return defaults;
    }

    @Override
    public void validate(MappingSpec spec) {
        boolean msk = msk(spec);
        if (msk) {
            mskArn(spec);
        }
        for (String field : msk ? List.of(SELF_MANAGED_EVENT_SOURCE, SELF_MANAGED_KAFKA_CONFIG)
                : List.of(AMAZON_MANAGED_KAFKA_CONFIG)) {
            if (spec.has(field)) {
                throw new InvalidMappingException(field, spec.node(field), msk ? "Not valid for an Amazon MSK "
                        + "source (EventSourceArn); use AmazonManagedKafkaEventSourceConfig." : "Valid for an Amazon "
                        + "MSK source (EventSourceArn) only; use SelfManagedKafkaEventSourceConfig.");
            }
        }
        source(spec);
        KafkaConsumerGroupIds.checkCharacters(groupField(spec), kafkaConfigField(spec, CONSUMER_GROUP_ID));
        KafkaSourceAccess.of(spec, msk);
        settings(spec, MappingValues.CHECK_ONLY_FUNCTION);
        MappingValues.filterCriteria(spec);
        spec.onFailureDestination();
    }

    @Override
    public void checkBuild(String name, MappingSpec spec, WorkerContext context) {
        KafkaSource source = source(spec);
        MappingValues.checkDestination(name, spec, context.destinationsBuilder()
                .kafkaTopics(source::failureTopic).build());
        BatchHandler<StreamRecord<KafkaRecord>> none = batch -> BatchResult.success();
        MappingValues.settings(() -> EventSourceMapping.builder(name, source, none)
                .settings(settings(spec, MappingValues.CHECK_ONLY_FUNCTION, context))
                .filterCriteria(MappingValues.filterCriteria(spec))
                .build());
    }

    @Override
    public Class<?> handlerEvent(MappingSpec spec) {
        return KafkaEvent.class;
    }

    /** As in Lambda, a mapping's consumer group (its ConsumerGroupId, else its UUID) is fixed when it is created. */
    @Override
    public void checkUpdate(String name, MappingSpec current, MappingSpec updated) {
        String group = consumerGroupId(current, name);
        String wanted = consumerGroupId(updated, name);
        if (!group.equals(wanted)) {
            throw new InvalidMappingException(KafkaMappingFields.kafkaConfig(updated)
                    + "." + CONSUMER_GROUP_ID, wanted, "The consumer group of a mapping cannot be changed, as in "
                    + "Lambda: this mapping's is " + group + ". Create a new mapping to read in another group.");
        }
    }

    /** The group the mapping's consumer joins: its ConsumerGroupId, else its UUID. */
    private static String consumerGroupId(MappingSpec spec, String uuid) {
        JsonNode group = kafkaConfigField(spec, CONSUMER_GROUP_ID);
        return group == null ? uuid : group.asText();
    }

    /**
     * The mapping; one that reads secrets is wrapped so that a secret rotated while it runs is taken up
     * ({@link KafkaSecretRefresh}).
     */
    @Override
    public RunningMapping create(String name, MappingSpec spec, MappingTarget target, WorkerContext context)
            throws Exception {
        KafkaSecretRefresh.Built built = build(name, spec, target, context);
        if (built.secretDigests().isEmpty()) {
            return built.mapping();
        }
        return new KafkaSecretRefresh(name, built, () -> build(name, spec, target, context),
                arns -> SecretsManagerSecrets.digests(context, arns));
    }

    private static KafkaSecretRefresh.Built build(String name, MappingSpec spec, MappingTarget target,
                                                  WorkerContext context) throws Exception {
        Map<String, String> secretDigests = new HashMap<>();
        KafkaSource source = connect(name, spec, context, secretDigests);
        String destination = spec.onFailureDestination();
        List<KafkaFailureTopic> failureTopics = new ArrayList<>();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder(name, source,
                        target.limited(handler(source, target)))
                .settings(settings(spec, target.functionArn(), context))
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
        return new KafkaSecretRefresh.Built(new RunningMapping.Lifecycle(mapping::start, timeout -> {
            try {
                return mapping.stop(timeout);
            } finally {
                failureTopics.forEach(KafkaFailureTopic::close);
            }
        }, mapping::state, mapping::stateTransitionReason, mapping::lastProcessingResult, mapping::shards),
                Map.copyOf(secretDigests));
    }

    /**
     * The source with the consumer properties of the mapping's SourceAccessConfigurations and, for MSK, the brokers
     * and way in {@link MskBrokers} picks, read at each start (a failed start is retried); the digest of each secret
     * read goes into {@code secretDigests}, by ARN.
     */
    private static KafkaSource connect(String name, MappingSpec spec, WorkerContext context,
                                       Map<String, String> secretDigests) throws Exception {
        boolean msk = msk(spec);
        KafkaSourceAccess access = KafkaSourceAccess.of(spec, msk);
        SchemaRegistryConfigs registry = schemaRegistry(spec);
        if (!msk && !access.needsSecrets() && (registry == null || !registry.needsAws())) {
            return source(spec, selfManagedServers(spec), Map.of(), registry == null ? null : registry.withoutAws(),
                    name);
        }
        try (AwsJsonApi api = new AwsJsonApi(context.clients().credentials())) {
            Map<String, String> properties = new LinkedHashMap<>();
            String servers;
            if (msk) {
                MskBrokers.Choice choice = mskBrokers(name, spec, access, api, context);
                servers = choice.bootstrapServers();
                properties.putAll(choice.properties());
            } else {
                servers = selfManagedServers(spec);
            }
            SecretsManagerSecrets secrets = SecretsManagerSecrets.of(api, context);
            KafkaSourceAccess.SecretReader reader = arn -> {
                String value = secrets.secretString(arn);
                secretDigests.put(arn, KafkaSecretRefresh.digest(value));
                return value;
            };
            if (access.needsSecrets()) {
                properties.putAll(access.consumerProperties(reader));
            }
            return source(spec, servers, properties,
                    registry == null ? null : registry.registry(reader, context.clients()::glue), name);
        }
    }

    /** The MSK brokers and way in for the mapping: its cluster's, or its multi-VPC connection's cluster's. */
    private static MskBrokers.Choice mskBrokers(String name, MappingSpec spec, KafkaSourceAccess access,
                                                AwsJsonApi api, WorkerContext context) throws Exception {
        URI endpoint = context.clients().endpoints().endpoint("kafka");
        // A multi-VPC connection is private by nature: its brokers, whatever --msk-public-endpoints says.
        boolean connection = mskArn(spec).resource().matches(MSK_VPC_CONNECTION);
        String cluster = connection ? MskBrokers.targetCluster(api, endpoint, spec.eventSourceArn())
                : spec.eventSourceArn();
        String brokers = connection ? MskBrokers.VPC_CONNECTIVITY
                : context.mskPublicEndpoints() ? MskBrokers.PUBLIC : MskBrokers.PRIVATE;
        MskBrokers.Choice choice = MskBrokers.fetch(api, endpoint, cluster, brokers)
                .choose(access.authentication(), cluster);
        LOG.atInfo().addKeyValue("mapping", name).addKeyValue("cluster", cluster).addKeyValue("brokers", brokers)
                .addKeyValue("authentication", choice.method()).log("MSK brokers found");
        return choice;
    }

    @SuppressWarnings("unchecked")
    private static BatchHandler<StreamRecord<KafkaRecord>> handler(KafkaSource source, MappingTarget target) {
        return switch (target.invoker()) {
            case Invoker.Json json -> batch -> json.invoke(KafkaEventJson.write(source,
                    batch.records().stream().map(StreamRecord::payload).toList())).result();
            case Invoker.Java java -> {
                RequestHandler<KafkaEvent, Object> handler = (RequestHandler<KafkaEvent, Object>) java.handler();
                yield KafkaLambdaAdapter.of(source, event -> handler.handleRequest(event, java.context()));
            }
        };
    }

    /**
     * The source the request describes, as validation sees it (an MSK cluster's brokers unknown); package-private so
     * that tests check how the fields map.
     */
    static KafkaSource source(MappingSpec spec) {
        SchemaRegistryConfigs registry = schemaRegistry(spec);
        return source(spec, msk(spec) ? MSK_BROKERS_UNKNOWN : selfManagedServers(spec), Map.of(),
                registry == null ? null : registry.withoutAws(), null);
    }

    /**
     * The source with these brokers, consumer properties and schema registry; package-private for tests.
     *
     * @param uuid the mapping's UUID, the consumer group when the request names none (null while validating): the
     *             group stays the mapping's for its whole life, across restarts and updates, as in Lambda, so a
     *             restarted mapping resumes from its committed offsets instead of starting over in a new group
     */
    static KafkaSource source(MappingSpec spec, String servers, Map<String, String> consumerProperties,
                              @Nullable KafkaSchemaRegistry schemaRegistry, @Nullable String uuid) {
        boolean msk = msk(spec);
        List<String> topics = spec.strings(TOPICS);
        if (topics.size() != 1 || topics.getFirst().isBlank()) {
            throw new InvalidMappingException(TOPICS, spec.node(TOPICS), "Expected exactly one topic name, as "
                    + "Lambda takes.");
        }
        String group = groupField(spec);
        String requested = KafkaConsumerGroupIds.text(group, kafkaConfigField(spec, CONSUMER_GROUP_ID));
        try {
            KafkaSource.Builder builder = KafkaSource.builder()
                    .bootstrapServers(servers)
                    .eventSourceArn(msk ? spec.eventSourceArn() : null)
                    .topics(topics.getFirst())
                    .consumerGroupId(requested != null ? requested : uuid)
                    .schemaRegistry(schemaRegistry);
            consumerProperties.forEach(builder::consumerProperty);
            return builder.build();
        } catch (InvalidSettingException e) {
            // The source checks the group id's range (defined there only); the error names the request's field.
            throw e.parameter().equals(KafkaSource.CONSUMER_GROUP_ID.name())
                    ? new InvalidMappingException(group, e.getMessage().replaceFirst(e.parameter(), group), e)
                    : new InvalidMappingException(e.parameter(), e.getMessage(), e);
        }
    }

    /**
     * The same with the worker's stream settings on top: of them Kafka uses CheckpointInterval (how often offsets are
     * committed); the consumer group, not leases, shares partitions, and the poll thread waits in Kafka's poll.
     */
    static StreamSettings settings(MappingSpec spec, String functionArn, WorkerContext context) {
        return MappingValues.settings(() -> context.streamTuning().applyTo(settings(spec, functionArn)));
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
