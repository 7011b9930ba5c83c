package io.esm4j.kafka;

import io.esm4j.failure.BatchInfo;
import io.esm4j.filter.FilterDocument;
import io.esm4j.filter.FilterDocuments;
import io.esm4j.internal.stream.EngineFactory;
import io.esm4j.internal.stream.MappingEngine;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.internal.KafkaEngine;
import io.esm4j.kafka.internal.KafkaEventSize;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.Setting;
import io.esm4j.settings.Setting.DurationSetting;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Kafka topics read by a consumer group, as the source of an {@link io.esm4j.EventSourceMapping}, with the
 * semantics of Lambda's Kafka event source mapping (MSK and self-managed Kafka):
 *
 * <pre>{@code
 * KafkaSource source = KafkaSource.builder()
 *         .bootstrapServers("localhost:9092")
 *         .topics("orders")
 *         .consumerGroupId("orders-processor")
 *         .build();
 * EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("orders", source, handler)
 *         .settings(KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON).build())
 *         .build();
 * }</pre>
 *
 * <p>Each mapping built on the source runs one {@code KafkaConsumer} on a poll thread of its own: the group assigns
 * it partitions, each partition runs through the stream engine's lanes (ParallelizationFactor lanes by record key;
 * records without a key share one lane, in partition order), and offsets are committed up to the first record not
 * yet done. The {@code LeaseStore} and {@code workerId} of the mapping builder are not used: the consumer group
 * shares the partitions.
 */
public final class KafkaSource implements StreamSource<KafkaRecord>, EngineFactory<KafkaRecord> {

    /** Lambda's default batching window for Kafka; {@link #settings()} starts from it. */
    public static final Duration DEFAULT_BATCHING_WINDOW = Duration.ofMillis(500);
    public static final Setting BOOTSTRAP_SERVERS = new Setting.Described("BootstrapServers",
            "host:port[,host:port...]", "required",
            "The cluster's bootstrap servers (Lambda's KAFKA_BOOTSTRAP_SERVERS); also written into the event.");
    public static final Setting TOPICS = new Setting.Described("Topics", "1 or more topic names", "required",
            "The topics the consumer group reads. Lambda takes exactly one; esm4j takes several.");
    /** Lambda's longest ConsumerGroupId. */
    public static final int CONSUMER_GROUP_ID_MAX_LENGTH = 200;
    public static final Setting CONSUMER_GROUP_ID = new Setting.Described("ConsumerGroupId",
            "1-" + CONSUMER_GROUP_ID_MAX_LENGTH + " characters",
            "a new random UUID each time the source is built",
            "The consumer group. A group with committed offsets starts from them, whatever the StartingPosition (a "
                    + "partition without one of a topic it has offsets on starts at its earliest offset); "
                    + "mappings (and other consumers) in one group share the partitions. Without one, every source "
                    + "built joins a new group with no committed offsets, so a restarted mapping starts at "
                    + "StartingPosition again (with LATEST it skips what was written while it was stopped). Lambda "
                    + "keeps one group for a mapping's whole life: give a stable id to resume after a restart.");
    public static final Setting EVENT_SOURCE_ARN = new Setting.Described("EventSourceArn", "an MSK cluster ARN",
            "none (self-managed Kafka)",
            "With an MSK cluster's ARN the event says eventSource aws:kafka and carries eventSourceArn; without, "
                    + "it says SelfManagedKafka.");
    public static final Setting CONSUMER_PROPERTIES = new Setting.Described("consumerProperty(name, value)",
            "any KafkaConsumer property but those below", "none",
            "Passed to the consumer (and the connection and security ones to the failure topic's producer): security "
                    + "protocol, SASL, TLS, client.id (default esm4j-<mapping>-<n>, see Logs), fetch sizes, session.timeout.ms, max.poll.interval.ms, "
                    + "partition.assignment.strategy (CooperativeStickyAssignor by default), group.protocol "
                    + "(classic by default; consumer takes no partition.assignment.strategy, session.timeout.ms "
                    + "or heartbeat.interval.ms). Refused: bootstrap.servers, group.id, enable.auto.commit, "
                    + "auto.offset.reset and the deserializers, which esm4j sets.");
    public static final DurationSetting REVOKE_TIMEOUT = new DurationSetting("RevokeTimeout", Duration.ZERO,
            Duration.ofMinutes(10), Duration.ofSeconds(30),
            "esm4j: when the group takes partitions away, how long the poll thread waits for their batches in "
                    + "flight before it commits and lets go; results that come later are dropped. Must be under "
                    + "max.poll.interval.ms (the consumer property, else Kafka's 300,000 ms), and is refused "
                    + "otherwise: the wait holds the poll thread, so a longer one gets the member removed from the "
                    + "group in the middle of it. Keep it well under.");
    public static final Setting SCHEMA_REGISTRY = new Setting.Described("SchemaRegistryConfig",
            "a KafkaSchemaRegistry", "none",
            "A Confluent-compatible or AWS Glue schema registry that validates each record's key, value or both, "
                    + "and what the handler gets then: JSON, or the bytes without the registry's framing (see Schema "
                    + "registry).");
    /** MaximumRetryAttempts that Lambda applies to a Kafka mapping with a destination and unlimited retries. */
    public static final int KAFKA_RETRIES_WITH_DESTINATION = 10;

    /** Every Kafka setting, in the order of the README's table. */
    public static final List<Setting> ALL = List.of(BOOTSTRAP_SERVERS, TOPICS, CONSUMER_GROUP_ID, EVENT_SOURCE_ARN,
            CONSUMER_PROPERTIES, REVOKE_TIMEOUT, SCHEMA_REGISTRY);

    private final String bootstrapServers;
    private final List<String> topics;
    private final @Nullable String consumerGroupId;
    private final @Nullable String eventSourceArn;
    private final Map<String, String> consumerProperties;
    private final Duration revokeTimeout;
    private final @Nullable KafkaSchemaRegistry schemaRegistry;
    /** The event's envelope in bytes, which every invocation holds once (see {@link #eventEnvelopeBytes}). */
    private final long envelopeBytes;

    private KafkaSource(Builder builder, String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.topics = builder.topics;
        this.consumerGroupId = builder.consumerGroupId;
        this.eventSourceArn = builder.eventSourceArn;
        this.consumerProperties = Map.copyOf(builder.consumerProperties);
        this.revokeTimeout = builder.revokeTimeout;
        this.schemaRegistry = builder.schemaRegistry;
        this.envelopeBytes = KafkaEventSize.envelope(eventSource(), eventSourceArn, bootstrapServers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Stream settings with Lambda's Kafka defaults (BatchSize 100, MaximumBatchingWindow 0.5 s); a StartingPosition
     * is still required.
     */
    public static StreamSettings.Builder settings() {
        return StreamSettings.builder().maximumBatchingWindow(DEFAULT_BATCHING_WINDOW);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public List<String> topics() {
        return topics;
    }

    /** The group id given, or null: each mapping then makes up its own. */
    public @Nullable String consumerGroupId() {
        return consumerGroupId;
    }

    /** The MSK cluster's ARN, or null for self-managed Kafka. */
    public @Nullable String eventSourceArn() {
        return eventSourceArn;
    }

    /** {@code aws:kafka} for MSK (with an event source ARN), {@code SelfManagedKafka} otherwise, as in Lambda. */
    public String eventSource() {
        return eventSourceArn == null ? "SelfManagedKafka" : "aws:kafka";
    }

    /** The consumer properties passed through. */
    public Map<String, String> consumerProperties() {
        return consumerProperties;
    }

    /**
     * Whether the consumer uses the consumer group protocol of KIP-848 ({@code group.protocol=consumer}) rather than
     * the classic one: esm4j then leaves the assignment to the broker and sets no assignor.
     */
    public boolean usesConsumerGroupProtocol() {
        return ConsumerPropertyRules.usesConsumerGroupProtocol(consumerProperties);
    }

    public Duration revokeTimeout() {
        return revokeTimeout;
    }

    /** The mapping's schema registry, or null without one. */
    public @Nullable KafkaSchemaRegistry schemaRegistry() {
        return schemaRegistry;
    }

    /**
     * A Kafka topic on the same cluster as on-failure destination ({@code kafka://<topic>} in Lambda): each given-up
     * record becomes one message in Lambda's shape. Close it when the mappings that use it have stopped.
     */
    public KafkaFailureTopic failureTopic(String topic) {
        return new KafkaFailureTopic(this, topic);
    }

    /** Lambda's Kafka event for records of this source (docs/lambda-semantics.md §3.4). */
    public String eventJson(List<KafkaRecord> records) {
        return KafkaEventJson.write(this, records);
    }

    @Override
    public String streamArn() {
        return eventSourceArn != null ? eventSourceArn : "kafka://" + String.join(",", topics);
    }

    @Override
    public BatchInfo batchInfo(String shardId, List<StreamRecord<KafkaRecord>> records) {
        return KafkaBatchInfo.of(this, records);
    }

    /** {@code <topic>-<partition>-<offset>}: what the idempotency store keys on. */
    @Override
    public String naturalId(StreamRecord<KafkaRecord> record) {
        return record.shardId() + "-" + record.payload().offset();
    }

    /** {@code {"partition":"<topic>-<partition>","offset":N}}, as a Kafka handler names a failed record. */
    @Override
    public Object itemIdentifier(StreamRecord<KafkaRecord> record) {
        return Map.of("partition", record.shardId(), "offset", record.payload().offset());
    }

    /**
     * What the event of a partition's records holds around them: {@code eventSource}, {@code eventSourceArn},
     * {@code bootstrapServers} and the partition's list. Batch formation counts it once per batch.
     */
    @Override
    public int eventEnvelopeBytes(String shardId) {
        return (int) (envelopeBytes + KafkaEventSize.partitionList(shardId));
    }

    /**
     * True when the event with this record alone would be over Lambda's 6 MB invocation payload: as Lambda does for
     * Kafka, the record is then never invoked but given up with condition {@code MaximumPayloadSizeExceeded}.
     */
    @Override
    public boolean exceedsPayloadLimit(StreamRecord<KafkaRecord> record) {
        // The same envelope batch formation counts, so a record that shares a batch is never over the limit. The
        // engine asks only about one-record batches, so the partition's list is worth counting exactly each time.
        // sizeBytes is the record's part of the event plus the comma before it (RecordConverter), which a record
        // alone does not have.
        return eventEnvelopeBytes(record.shardId()) + record.sizeBytes() - 1L > StreamSettings.MAX_PAYLOAD_BYTES;
    }

    @Override
    public Set<String> filterableKeys() {
        return Set.of("value");
    }

    /** The value as Lambda filters it: decoded by its schema when the handler gets it in {@code SOURCE} format. */
    @Override
    public FilterDocument filterDocument(StreamRecord<KafkaRecord> record) {
        KafkaRecord payload = record.payload();
        return FilterDocuments.kafkaValue(payload.decodedValue() != null ? payload.decodedValue() : payload.value());
    }

    /** The consumer group assigns partitions: the mapping never lists them through the shard SPI. */
    @Override
    public List<Shard> listShards() {
        throw new UnsupportedOperationException("a Kafka source's partitions are assigned by its consumer group");
    }

    /** The mapping's poll thread reads partitions: the mapping never opens shard readers. */
    @Override
    public ShardReader<KafkaRecord> openReader(String shardId, ReadStart start) {
        throw new UnsupportedOperationException("a Kafka source's partitions are read by its mapping's poll thread");
    }

    /** Called by the mapping builder: checks what Kafka does not support and creates the consumer-group engine. */
    @Override
    public MappingEngine engine(StreamContext<KafkaRecord> ctx) {
        StreamSettings settings = ctx.settings();
        if (settings.tumblingWindows()) {
            throw new InvalidSettingException(StreamSettings.TUMBLING_WINDOW.name(),
                    settings.tumblingWindowInSeconds(), "0 for Kafka (Lambda has no tumbling windows for Kafka)");
        }
        if (ctx.destination() instanceof KafkaFailureTopic failureTopic && topics.contains(failureTopic.topic())) {
            throw new InvalidSettingException("DestinationConfig.OnFailure", "kafka://" + failureTopic.topic(),
                    "a topic other than the mapping's own topics " + topics + " (no loop)");
        }
        return new KafkaEngine(withKafkaRetryLimit(ctx), this);
    }

    /**
     * Lambda's Kafka rule: with an on-failure destination, unlimited retries become 10, so that a poison record
     * reaches the destination instead of blocking its partition forever.
     */
    private static StreamContext<KafkaRecord> withKafkaRetryLimit(StreamContext<KafkaRecord> ctx) {
        StreamSettings s = ctx.settings();
        if (ctx.destination() == null || !s.retriesUnlimited()) {
            return ctx;
        }
        StreamSettings limited = s.toBuilder().maximumRetryAttempts(KAFKA_RETRIES_WITH_DESTINATION).build();
        return new StreamContext<>(ctx.mappingName(), ctx.workerId(), limited, ctx.source(), ctx.filter(),
                ctx.leases(), ctx.destination(), ctx.invoker(), ctx.metrics(), ctx.clock(), ctx.backoff(),
                ctx.status(), ctx.concurrency());
    }

    /** Assembles a source; {@link #build()} checks it. */
    public static final class Builder {
        private @Nullable String bootstrapServers;
        private List<String> topics = List.of();
        private @Nullable String consumerGroupId;
        private @Nullable String eventSourceArn;
        private final Map<String, String> consumerProperties = new LinkedHashMap<>();
        private Duration revokeTimeout = REVOKE_TIMEOUT.defaultValue();
        private @Nullable KafkaSchemaRegistry schemaRegistry;

        private Builder() {}

        public Builder bootstrapServers(String servers) {
            this.bootstrapServers = servers;
            return this;
        }

        public Builder topics(String... topics) {
            // Not List.of: a null among them is refused by build(), naming Topics, not by a bare NullPointerException.
            this.topics = Collections.unmodifiableList(Arrays.asList(topics.clone()));
            return this;
        }

        /** Lambda's ConsumerGroupId; null (the default) for a fresh random UUID per mapping. */
        public Builder consumerGroupId(@Nullable String groupId) {
            this.consumerGroupId = groupId;
            return this;
        }

        /** The MSK cluster's ARN; null (the default) for self-managed Kafka. */
        public Builder eventSourceArn(@Nullable String arn) {
            this.eventSourceArn = arn;
            return this;
        }

        /** Any KafkaConsumer property esm4j does not set itself (see {@link #CONSUMER_PROPERTIES}). */
        public Builder consumerProperty(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            ConsumerPropertyRules.checkNotReserved(name);
            consumerProperties.put(name, value);
            return this;
        }

        public Builder revokeTimeout(Duration timeout) {
            this.revokeTimeout = REVOKE_TIMEOUT.check(timeout);
            return this;
        }

        /** Lambda's SchemaRegistryConfig; null (the default) for none. */
        public Builder schemaRegistry(@Nullable KafkaSchemaRegistry registry) {
            this.schemaRegistry = registry;
            return this;
        }

        public KafkaSource build() {
            String servers = bootstrapServers;
            if (servers == null || !ConsumerPropertyRules.hostsAndPorts(servers)) {
                throw new InvalidSettingException(BOOTSTRAP_SERVERS.name(), servers, BOOTSTRAP_SERVERS.range());
            }
            if (topics.isEmpty() || topics.stream().anyMatch(t -> t == null || t.isBlank())) {
                throw new InvalidSettingException(TOPICS.name(), topics, "one or more non-blank topic names");
            }
            if (consumerGroupId != null && (consumerGroupId.isEmpty()
                    || consumerGroupId.length() > CONSUMER_GROUP_ID_MAX_LENGTH)) {
                throw new InvalidSettingException(CONSUMER_GROUP_ID.name(), consumerGroupId,
                        CONSUMER_GROUP_ID.range());
            }
            ConsumerPropertyRules.check(consumerProperties, revokeTimeout);
            return new KafkaSource(this, servers);
        }
    }
}
