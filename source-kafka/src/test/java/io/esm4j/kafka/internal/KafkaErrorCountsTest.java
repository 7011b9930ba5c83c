package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.handler.BatchResult;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * Lambda's Kafka ErrorCount group beyond PollingErrorCount, CommitErrorCount and SchemaRegistryErrorCount: one
 * InvokeErrorCount per failed invocation and one OnFailureDestinationDeliveryErrorCount per refused delivery, counted
 * on the engine's shared paths, and registered for Kafka mappings only.
 */
class KafkaErrorCountsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String INVOKE_ERRORS = "InvokeErrorCount";
    private static final String DELIVERY_ERRORS = "OnFailureDestinationDeliveryErrorCount";

    @Test
    void aKafkaMappingRegistersTheErrorCountsAndAnotherStreamMappingDoesNot() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KafkaSource kafka = LoopHarness.source().build();
        EventSourceMapping.builder("kafka", kafka,
                batch -> BatchResult.success()).settings(KafkaSource.settings()
                .startingPosition(StartingPosition.TRIM_HORIZON).build()).meterRegistry(registry).build();
        assertThat(counter(registry, INVOKE_ERRORS, "kafka")).isNotNull();
        assertThat(counter(registry, DELIVERY_ERRORS, "kafka")).isNotNull();

        EventSourceMapping.builder("stream", InMemoryStream.create("s", 1), batch -> BatchResult.success())
                .settings(StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON).build())
                .meterRegistry(registry).build();
        assertThat(counter(registry, INVOKE_ERRORS, "stream")).isNull();
        assertThat(counter(registry, DELIVERY_ERRORS, "stream")).isNull();
        assertThat(counter(registry, MetricNames.FAILED_INVOKE_EVENT_COUNT, "stream")).isNotNull();
    }

    @Test
    void eachFailedInvocationAndEachRefusedDeliveryCountsOnce() throws Exception {
        TopicPartition partition = new TopicPartition(LoopHarness.TOPIC, 0);
        AtomicInteger refusals = new AtomicInteger();
        List<FailureRecord> delivered = new CopyOnWriteArrayList<>();
        FailureDestination destination = record -> {
            if (refusals.incrementAndGet() <= 2) {
                throw new IllegalStateException("injected: destination refuses");
            }
            delivered.add(record);
        };
        AtomicInteger invocations = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer();
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition));
            for (int i = 0; i < 3; i++) {
                consumer.addRecord(new ConsumerRecord<>(LoopHarness.TOPIC, 0, i, 0L, TimestampType.CREATE_TIME, 0,
                        2, null, ("v" + i).getBytes(), new RecordHeaders(), Optional.empty()));
            }
        });
        // One batch of the 3 records, invoked 1 + 2 times, then given up to the destination.
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).maximumRetryAttempts(2)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
        try (LoopHarness harness = new LoopHarness(settings, LoopHarness.source().build(), destination, consumer,
                batch -> {
                    invocations.incrementAndGet();
                    throw new IllegalStateException("injected: the batch fails");
                }).start()) {
            await().atMost(WAIT).until(() -> !delivered.isEmpty());
            assertThat(invocations.get()).isEqualTo(3);
            assertThat(counter(harness.registry, INVOKE_ERRORS, "loop").count()).isEqualTo(3);
            assertThat(counter(harness.registry, MetricNames.FAILED_INVOKE_EVENT_COUNT, "loop").count())
                    .isEqualTo(9);
            assertThat(counter(harness.registry, DELIVERY_ERRORS, "loop").count()).isEqualTo(2);
            assertThat(counter(harness.registry, MetricNames.DESTINATION_DELIVERY_FAILURES, "loop").count())
                    .isEqualTo(2);
        }
    }

    private static Counter counter(MeterRegistry registry, String name, String mapping) {
        return registry.find(name).tag(MetricNames.MAPPING_TAG, mapping).counter();
    }
}
