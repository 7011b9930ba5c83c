package io.esm4j.kafka.internal;

import io.esm4j.MappingState;
import io.esm4j.ShardStatus;
import io.esm4j.StopResult;
import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.StopOnce;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.stream.MappingEngine;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaAuthResults;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.kafka.internal.schema.Schemas;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of a Kafka mapping: one consumer in the source's consumer group, owned by one {@link PollLoop} thread,
 * and a shard pipeline per assigned partition. Built by {@link KafkaSource#engine}.
 */
public final class KafkaEngine implements MappingEngine {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEngine.class);
    /** What stop() adds to its timeout for interrupted handlers, the last commit and leaving the group. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final int DEFAULT_MAX_POLL_RECORDS = 500;
    private static final String REGISTRY = "schema registry";

    private final StreamContext<KafkaRecord> ctx;
    private final KafkaSource source;
    private final String groupId;
    private final StopOnce<StopResult> stopOnce;
    private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;
    private final ThreadFactory pollThreads;
    private volatile @Nullable PollLoop loop;
    private volatile @Nullable SchemaDecoding decoding;

    public KafkaEngine(StreamContext<KafkaRecord> ctx, KafkaSource source) {
        // A daemon, as the intake is: the mapping's hold on the JVM, from start() until DISABLED, keeps it alive.
        this(ctx, source, properties -> new KafkaConsumer<>(properties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer()),
                Thread.ofPlatform().daemon().name("esm4j-" + ctx.mappingName() + "-kafka-poll").factory());
    }

    /** With the consumer made of the properties by {@code consumers}, the poll thread by {@code pollThreads} (tests). */
    KafkaEngine(StreamContext<KafkaRecord> ctx, KafkaSource source,
                Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers, ThreadFactory pollThreads) {
        this.ctx = ctx;
        this.source = source;
        this.consumers = consumers;
        this.pollThreads = pollThreads;
        this.stopOnce = new StopOnce<>(ctx.mappingName());
        // Without an id, a group of this source's own, shared with nobody; it has no committed offsets, so it starts
        // at StartingPosition (see KafkaSource.CONSUMER_GROUP_ID: a caller that restarts gives a stable id).
        this.groupId = source.consumerGroupId() != null ? source.consumerGroupId() : UUID.randomUUID().toString();
    }

    @Override
    public void start() {
        ctx.status().advance(MappingState.CREATING, MappingState.ENABLING, MappingStatus.USER_ACTION);
        int maxPollRecords = maxPollRecords();
        Consumer<byte[], byte[]> consumer;
        try {
            consumer = consumers.apply(consumerProperties(maxPollRecords));
        } catch (RuntimeException e) {
            // The start fails (the reason names the exception); Lambda's message says the key material is at fault.
            KafkaAuthResults.ofCreationFailure(e).ifPresent(ctx.status()::processed);
            throw e;
        }
        Map<TopicPartition, PartitionState> owned = new ConcurrentHashMap<>();
        KafkaMetrics metrics = new KafkaMetrics(ctx.metrics(), groupId, owned);
        KafkaSchemaRegistry registry = source.schemaRegistry();
        AuthResults authResults = new AuthResults(ctx.status());
        SchemaDecoding schemas = registry == null ? null
                : new SchemaDecoding(registry, ctx.mappingName(), metrics.schemaRegistryErrors::increment,
                        registryAuth(authResults));
        decoding = schemas;
        Partitions partitions = new Partitions(ctx, consumer, metrics, owned, schemas, authResults);
        Intake intake = new Intake(ctx.mappingName(), partitions::intakeFailed);
        PollLoop started = new PollLoop(ctx, source, consumer, maxPollRecords, metrics, partitions, intake,
                this::stopAfterFatal, stopOnce);
        loop = started;
        LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("consumerGroupId", groupId)
                .addKeyValue("topics", source.topics()).log("Kafka mapping starting");
        if (schemas != null) {
            // Only once the poll thread (and with it the intake) has ended: a lookup closed under a running intake
            // fails the records that wait for it.
            started.result.whenComplete((result, error) -> schemas.close());
        }
        try {
            intake.start();
            EngineThreads.start(pollThreads.newThread(MappingLogName.bound(ctx.mappingName(), started::run)));
        } catch (Throwable e) {
            // No poll thread (none could be created, say: ThreadNotStarted): nothing was polled, so the loop ends
            // here, at once, and the start fails, as a queue mapping's whose poller cannot start. The stop after it
            // (MappingLifecycle's) finds the loop's result there instead of waiting out its grace for a thread that
            // never ran, and leaves no intake thread or consumer behind.
            try {
                intake.stop();
                consumer.close(Duration.ZERO);
            } catch (RuntimeException closing) {
                e.addSuppressed(closing);
            } finally {
                started.result.complete(new StopResult(true, Map.of(), 0, List.of()));
            }
            throw e;
        }
    }

    /**
     * The stop a fatal error on the poll thread begins (that thread has begun DISABLING with the error as the reason,
     * and drains by the stop's deadline): on a thread of its own; a stop() meanwhile, the user's, returns its result.
     * Nothing to do once a stop has begun.
     *
     * @throws ThreadNotStarted if no thread could start for it: the poll thread tries again, with backoff
     */
    private void stopAfterFatal() {
        if (stopOnce.claimed()) {
            return;
        }
        stopOnce.startFatalStop(() -> stop(PollLoop.FATAL_STOP_TIMEOUT));
    }

    /**
     * A registry that refuses the mapping's credentials is a problem of the mapping, as a broker's refusal is: the
     * reason says so (which is what makes the worker read its secrets again) and LastProcessingResult has Lambda's
     * kind of message, until the registry answers a call.
     */
    private Schemas.AuthListener registryAuth(AuthResults authResults) {
        return new Schemas.AuthListener() {
            @Override
            public void refused(String message, String failure) {
                ctx.status().problem(REGISTRY, "PROBLEM: the schema registry refused the mapping's credentials; "
                        + "records that need a schema wait: " + failure);
                authResults.show(REGISTRY, message);
            }

            @Override
            public void accepted() {
                ctx.status().resolved(REGISTRY);
                authResults.takeBack(REGISTRY);
            }
        };
    }

    /** The consumer's properties: the user's, then what esm4j needs (which the source refuses from the user). */
    private Map<String, Object> consumerProperties(int maxPollRecords) {
        Map<String, Object> properties = new HashMap<>();
        if (!source.usesConsumerGroupProtocol()) {
            // Under the consumer group protocol the broker assigns, incrementally, and refuses an assignor here.
            properties.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    CooperativeStickyAssignor.class.getName());
        }
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, ClientIds.consumer(ctx.mappingName()));
        properties.putAll(source.consumerProperties());
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, source.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // TRIM_HORIZON's start; LATEST's and AT_TIMESTAMP's are looked up and committed by StartPositions. What is
        // left is an offset out of range (retention deleted it, the log was truncated): read on from the oldest
        // record kept, as Lambda retries until records expire, rather than skip to the end.
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return properties;
    }

    /** max.poll.records, at most MaxBufferedRecordsPerShard: a partition polls only with room for a whole poll. */
    private int maxPollRecords() {
        String given = source.consumerProperties().get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
        int wanted = given == null ? DEFAULT_MAX_POLL_RECORDS : Integer.parseInt(given.trim());
        return Math.max(1, Math.min(wanted, ctx.settings().maxBufferedRecordsPerShard()));
    }

    @Override
    public StopResult stop(Duration timeout) throws InterruptedException {
        if (!stopOnce.claim()) {
            // The stop under way, the user's or a fatal error's, ends by its own deadline and grace: its result is
            // every caller's.
            return stopOnce.await();
        }
        PollLoop running = loop;
        ctx.status().beginStop(MappingStatus.USER_ACTION);
        // The loop's deadline: a fatal error's stop may have set it already.
        Instant deadline = running == null ? Instant.now() : running.requestStop(Instant.now().plus(timeout));
        // The wait for the poll thread runs on a thread of its own (StopOnce): a caller that is interrupted gets its
        // InterruptedException, and the mapping is still DISABLED only once the poll thread has drained, committed and
        // closed the consumer (DISABLED lets the JVM go).
        return stopOnce.run(() -> {
            try {
                // At least the grace: a fatal error's deadline may be long past (its stop's thread could not start),
                // and the poll thread still closing the consumer.
                Duration left = Duration.between(Instant.now(), deadline);
                return awaitResult(running, (left.isNegative() ? Duration.ZERO : left).plus(STOP_GRACE));
            } finally {
                ctx.status().stopped();
                ctx.metrics().close();
            }
        });
    }

    private StopResult awaitResult(@Nullable PollLoop running, Duration wait) throws InterruptedException {
        if (running == null) {
            return new StopResult(true, Map.of(), 0, List.of());
        }
        try {
            return running.result.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("stopping mapping " + ctx.mappingName() + " failed", e.getCause());
        } catch (TimeoutException e) {
            return new StopResult(false, Map.of(), 0, List.of());
        }
    }

    /** What a partition whose records wait for a schema says in its status, or null. */
    private @Nullable String waitingForSchema(PartitionState state) {
        long from = state.heldFrom;
        SchemaDecoding schemas = decoding;
        if (from < 0 || schemas == null) {
            return null;
        }
        String failure = schemas.schemas().lastFailure();
        return "records from offset " + from + " wait for their schema from the schema registry"
                + (failure == null ? "" : "; its last failure: " + failure);
    }

    @Override
    public List<ShardStatus> shards() {
        PollLoop running = loop;
        List<ShardStatus> shards = new ArrayList<>();
        if (running == null) {
            return shards;
        }
        for (PartitionState state : running.partitions.owned.values()) {
            long committed = state.committed;
            shards.add(new ShardStatus(state.shardId, ctx.workerId(),
                    committed >= 0 ? Long.toString(committed - 1) : "none", -1, state.unfinished(),
                    state.restarts, state.lastError != null ? state.lastError : waitingForSchema(state)));
        }
        return shards;
    }
}
