package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.internal.stream.ConcurrencyLimit;
import io.esm4j.internal.stream.RecordFilter;
import io.esm4j.internal.stream.ShardPipeline;
import io.esm4j.internal.stream.StreamContext;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The poll thread's side of a partition's restart, without a broker (a MockConsumer stands in for the consumer). */
class PartitionsTest {

    private final TopicPartition partition = new TopicPartition("orders", 0);
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>(OffsetResetStrategy.EARLIEST);
    private final Map<TopicPartition, PartitionState> owned = new ConcurrentHashMap<>();
    private final StreamContext<KafkaRecord> ctx = context();
    private final Partitions partitions = new Partitions(ctx, consumer,
            new KafkaMetrics(ctx.metrics(), "group", owned), owned, null, new AuthResults(ctx.status()));

    @AfterEach
    void closePipelines() throws InterruptedException {
        for (PartitionState state : owned.values()) {
            state.pipeline.close();
            state.pipeline.awaitLanes(Instant.now().plusSeconds(10));
        }
    }

    @Test
    void anIntakeFailureRestartsThePartitionEvenWhenItsLanesReportedTheirEndFirst() throws InterruptedException {
        consumer.assign(List.of(partition));
        PartitionState state = partitions.add(partition);
        ShardPipeline<KafkaRecord> failed = state.pipeline;
        // As the intake does when a poll's records cannot be taken in: the pipeline is closed at once. Here its lanes
        // end, and say so, before the failure report is even queued.
        failed.close();
        assertThat(failed.awaitLanes(Instant.now().plusSeconds(10))).isTrue();
        partitions.intakeFailed(state, failed, new IllegalStateException("injected"));

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            partitions.drainEvents();
            partitions.restartDue();
            return state.pipeline != failed;
        });
        assertThat(state.restarts).isEqualTo(1);
        assertThat(state.lastError).contains("injected");
        assertThat(state.restarting).isFalse();
        assertThat(state.pipeline.closed()).isFalse();
    }

    @Test
    void aFailureReportedBeforeTheLanesEndRestartsOnceTheyHaveEnded() throws InterruptedException {
        consumer.assign(List.of(partition));
        PartitionState state = partitions.add(partition);
        ShardPipeline<KafkaRecord> failed = state.pipeline;
        partitions.intakeFailed(state, failed, new IllegalStateException("injected"));
        partitions.drainEvents();
        assertThat(state.restarting).isTrue();
        assertThat(consumer.paused()).containsExactly(partition);

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            partitions.drainEvents();
            partitions.restartDue();
            return state.pipeline != failed;
        });
        assertThat(failed.closed()).isTrue();
        assertThat(state.restarts).isEqualTo(1);
    }

    @Test
    void anIntakeThreadThatDiesStopsThePollThreadInsteadOfLeavingItWaiting() throws Exception {
        consumer.assign(List.of(partition));
        PartitionState state = partitions.add(partition);
        // A failure the intake cannot report (the report itself fails) ends its thread.
        Intake intake = new Intake("partitions", (failedState, pipeline, cause) -> {
            throw new OutOfMemoryError("injected");
        });
        intake.start();
        try {
            intake.hand(state, List.of(unreadable()), Instant.now());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThatThrownBy(intake::checkAlive)
                    .isInstanceOf(FatalPollFailure.class).hasRootCauseMessage("injected"));
            // With the queue full, a hand-off gives up with the same failure instead of waiting forever.
            assertThatThrownBy(() -> {
                for (int i = 0; i <= Intake.CAPACITY; i++) {
                    intake.hand(state, List.of(unreadable()), Instant.now());
                }
            }).isInstanceOf(FatalPollFailure.class);
            assertThat(state.notYetOffered.get()).isEqualTo(Intake.CAPACITY);
        } finally {
            intake.stop();
        }
    }

    /** A record whose headers throw when read, so that converting it fails. */
    private static ConsumerRecord<byte[], byte[]> unreadable() {
        return new ConsumerRecord<>("orders", 0, 0L, 0L, TimestampType.CREATE_TIME, 0, 1, null, new byte[1],
                new RecordHeaders() {
                    @Override
                    public Header[] toArray() {
                        throw new IllegalStateException("unreadable headers");
                    }
                }, Optional.empty());
    }

    private static StreamContext<KafkaRecord> context() {
        KafkaSource source = KafkaSource.builder().bootstrapServers("127.0.0.1:9").topics("orders").build();
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
                .build();
        MappingStatus status = new MappingStatus();
        EngineMetrics metrics = new EngineMetrics(new SimpleMeterRegistry(), "partitions", EngineMetrics.Kind.KAFKA);
        Invoker<StreamRecord<KafkaRecord>> invoker = new Invoker<>("partitions", batch -> BatchResult.success(), null,
                source::naturalId, source::itemIdentifier, false, new RetryScope.FromLowestFailure<>(), metrics,
                status);
        return new StreamContext<>("partitions", "worker", settings, source,
                new RecordFilter<>(FilterCriteria.none(), source, "partitions"), null, null, invoker, metrics,
                Clock.systemUTC(), new RetryBackoff(settings.retryBackoffInitial(), settings.retryBackoffMax()),
                status, ConcurrencyLimit.of(settings, metrics));
    }
}
