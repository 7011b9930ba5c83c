package io.esm4j.kafka.internal;

import io.esm4j.MappingState;
import io.esm4j.failure.FailureDestination;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchHandler;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.StopOnce;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.internal.stream.ConcurrencyLimit;
import io.esm4j.internal.stream.RecordFilter;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * A mapping's poll thread, intake and partitions on a {@link MockConsumer} instead of a broker: what the engine builds
 * in {@code KafkaEngine.start()}, with the test's settings and handler.
 */
final class LoopHarness implements AutoCloseable {

    static final String TOPIC = "orders";

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final StreamContext<KafkaRecord> ctx;
    final Map<TopicPartition, PartitionState> owned = new ConcurrentHashMap<>();
    final Partitions partitions;
    final Intake intake;
    final PollLoop loop;
    /** The engine's stop after a fatal error, begun by the poll thread: counted here (no engine in the harness). */
    final AtomicInteger fatalStops = new AtomicInteger();
    private final Thread thread;

    LoopHarness(StreamSettings settings, MockConsumer<byte[], byte[]> consumer,
                BatchHandler<StreamRecord<KafkaRecord>> handler) {
        this(settings, source().build(), null, consumer, handler);
    }

    /** With this source (its RevokeTimeout, say) and on-failure destination. */
    LoopHarness(StreamSettings settings, KafkaSource source, @Nullable FailureDestination destination,
                MockConsumer<byte[], byte[]> consumer, BatchHandler<StreamRecord<KafkaRecord>> handler) {
        ctx = context(settings, handler, registry, source, destination);
        KafkaMetrics kafkaMetrics = new KafkaMetrics(ctx.metrics(), "group", owned);
        partitions = new Partitions(ctx, consumer, kafkaMetrics, owned, null, new AuthResults(ctx.status()));
        intake = new Intake("loop", partitions::intakeFailed);
        loop = new PollLoop(ctx, source, consumer, 500, kafkaMetrics, partitions, intake,
                fatalStops::incrementAndGet, new StopOnce<>("loop"));
        thread = Thread.ofPlatform().name("loop-kafka-poll").unstarted(loop::run);
    }

    /** A mapping's context on {@link #TOPIC} with these settings and this handler, metrics in {@code registry}. */
    static StreamContext<KafkaRecord> context(StreamSettings settings, BatchHandler<StreamRecord<KafkaRecord>> handler,
                                              SimpleMeterRegistry registry) {
        return context(settings, handler, registry, source().build(), null);
    }

    /** The harness's source on {@link #TOPIC}, for a test to set more on. */
    static KafkaSource.Builder source() {
        return KafkaSource.builder().bootstrapServers("127.0.0.1:9").topics(TOPIC);
    }

    private static StreamContext<KafkaRecord> context(StreamSettings settings,
                                                      BatchHandler<StreamRecord<KafkaRecord>> handler,
                                                      SimpleMeterRegistry registry, KafkaSource source,
                                                      @Nullable FailureDestination destination) {
        MappingStatus status = new MappingStatus();
        EngineMetrics metrics = new EngineMetrics(registry, "loop", EngineMetrics.Kind.KAFKA);
        Invoker<StreamRecord<KafkaRecord>> invoker = new Invoker<>("loop", handler, null, source::naturalId,
                source::itemIdentifier, false, new RetryScope.FromLowestFailure<>(), metrics, status);
        return new StreamContext<>("loop", "worker", settings, source,
                new RecordFilter<>(FilterCriteria.none(), source, "loop"), null, destination, invoker, metrics,
                Clock.systemUTC(), new RetryBackoff(settings.retryBackoffInitial(), settings.retryBackoffMax()),
                status, ConcurrencyLimit.of(settings, metrics));
    }

    /** Starts the intake and the poll thread (which subscribes). */
    LoopHarness start() {
        ctx.status().advance(MappingState.CREATING, MappingState.ENABLING, MappingStatus.USER_ACTION);
        intake.start();
        thread.start();
        return this;
    }

    @Override
    public void close() throws Exception {
        loop.requestStop(Instant.now().plusSeconds(5));
        loop.result.get(30, TimeUnit.SECONDS);
    }

    /**
     * A MockConsumer whose empty polls wait a little, as a real one waits for records, instead of leaving the poll
     * thread spinning.
     */
    static class PacedConsumer extends MockConsumer<byte[], byte[]> {

        PacedConsumer() {
            super(OffsetResetStrategy.EARLIEST);
        }

        @Override
        public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            ConsumerRecords<byte[], byte[]> records = super.poll(timeout);
            if (records.isEmpty()) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return records;
        }
    }
}
